/** Addresses: BIP-173/BIP-350 vectors, cross-checked with bitcoinjs-lib, plus networks and hostile input. */
import { sha256 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';
import * as bitcoin from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { addressScriptPubKey, decodeAddress, validateAddress } from '../../../src/validation/address.js';
import { toHex } from '../../../src/validation/bytes.js';
import bip173 from '../../vectors/bip173.json' with { type: 'json' };
import bip350 from '../../vectors/bip350.json' with { type: 'json' };

function decodeOrThrow(address: string) {
  const decoded = decodeAddress(address);
  if (!decoded.ok) throw new Error(decoded.issue.message);
  return decoded.value;
}

/** bitcoinjs-lib's view of the same address: [version, program hex]. */
function bitcoinjsView(address: string): [number, string] {
  try {
    const { version, data } = bitcoin.address.fromBech32(address);
    return [version, toHex(data)];
  } catch {
    const { version, hash } = bitcoin.address.fromBase58Check(address);
    return [version, toHex(hash)];
  }
}

describe('BIP-350 addresses', () => {
  bip350.validAddresses.forEach(({ address, scriptPubKey }, i) => {
    it(`BIP-350 valid ${i + 1}: ${address}`, () => {
      const result = validateAddress(address);
      expect(result.valid).toBe(true);
      expect(result.normalized).toBe(address.toLowerCase());
      const decoded = decodeOrThrow(address);
      expect(toHex(addressScriptPubKey(decoded))).toBe(scriptPubKey);
      expect(bitcoinjsView(address.toLowerCase())).toEqual([decoded.witnessVersion, toHex(decoded.program)]);
    });
  });

  const expectedCodes: Record<string, string> = {
    'Invalid human-readable part': 'unknown_prefix',
    'Invalid checksum (Bech32 instead of Bech32m)': 'wrong_encoding',
    'Invalid checksum (Bech32m instead of Bech32)': 'wrong_encoding',
    'Invalid character in checksum': 'invalid_characters',
    'Invalid witness version': 'invalid_witness_version',
    'Invalid program length (1 byte)': 'invalid_program_length',
    'Invalid program length (41 bytes)': 'invalid_program_length',
    'Invalid program length for witness version 0 (per BIP141)': 'invalid_program_length',
    'Mixed case': 'mixed_case',
    'zero padding of more than 4 bits': 'invalid_padding',
    'Non-zero padding in 8-to-5 conversion': 'invalid_padding',
    'Empty data section': 'invalid_length',
  };
  bip350.invalidAddresses.forEach(({ address, reason }, i) => {
    it(`BIP-350 invalid ${i + 1}: ${reason}`, () => {
      const result = validateAddress(address);
      expect(result.valid).toBe(false);
      expect(result.errors?.[0]?.code).toBe(expectedCodes[reason]);
    });
  });
});

describe('BIP-173 addresses', () => {
  bip173.validAddresses.forEach(({ address, scriptPubKey }, i) => {
    // BIP-350 replaced the checksum of v1+ addresses: BIP-173's v1+ examples are now wrong_encoding.
    const isV0 = address.toLowerCase()[3] === 'q';
    it(`BIP-173 valid ${i + 1}: ${address}${isV0 ? '' : ' (v1+, superseded by BIP-350)'}`, () => {
      const result = validateAddress(address);
      if (isV0) {
        expect(result).toMatchObject({ valid: true, normalized: address.toLowerCase() });
        expect(toHex(addressScriptPubKey(decodeOrThrow(address)))).toBe(scriptPubKey);
      } else {
        expect(result).toMatchObject({ valid: false, errors: [{ code: 'wrong_encoding' }] });
      }
    });
  });

  const expectedCodes: Record<string, string> = {
    'Invalid human-readable part': 'unknown_prefix',
    'Invalid checksum': 'invalid_checksum',
    'Invalid witness version': 'invalid_witness_version',
    'Invalid program length': 'invalid_program_length',
    'Invalid program length for witness version 0 (per BIP141)': 'invalid_program_length',
    'Mixed case': 'mixed_case',
    'zero padding of more than 4 bits': 'invalid_padding',
    'Non-zero padding in 8-to-5 conversion': 'invalid_padding',
    'Empty data section': 'invalid_length',
  };
  bip173.invalidAddresses.forEach(({ address, reason }, i) => {
    it(`BIP-173 invalid ${i + 1}: ${reason}`, () => {
      const result = validateAddress(address);
      expect(result.valid).toBe(false);
      expect(result.errors?.[0]?.code).toBe(expectedCodes[reason]);
    });
  });
});

describe('base58 addresses', () => {
  it.each([
    ['1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA', 'mainnet', 'p2pkh'],
    ['37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf', 'mainnet', 'p2sh'],
    ['mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP', 'testnet', 'p2pkh'],
    ['2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2', 'testnet', 'p2sh'],
  ])('%s is %s %s, as bitcoinjs-lib decodes it', (address, network, scriptType) => {
    expect(validateAddress(address)).toEqual({ valid: true, normalized: address, details: { network, scriptType } });
    const decoded = decodeOrThrow(address);
    const [version, hash] = bitcoinjsView(address);
    expect(toHex(decoded.program)).toBe(hash);
    expect(version).toBe({ '1': 0x00, '3': 0x05, m: 0x6f, n: 0x6f, '2': 0xc4 }[address[0]!]);
    const net = network === 'mainnet' ? bitcoin.networks.bitcoin : bitcoin.networks.testnet;
    expect(toHex(addressScriptPubKey(decoded))).toBe(toHex(bitcoin.address.toOutputScript(address, net)));
  });

  it('refuses a wrong base58 checksum, an unknown version and a wrong length', () => {
    expect(validateAddress('1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabB').errors?.[0]?.code).toBe('invalid_checksum');
    // Litecoin P2PKH (version 0x30)
    expect(validateAddress('LaMT348PWRnrqeeWArpwQPbuanpXDZGEUz').errors?.[0]?.code).toBe('unknown_prefix');
    expect(validateAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4').valid).toBe(true);
    // Version 0x00 with a 19-byte hash.
    const short = createBase58check(sha256).encode(new Uint8Array(20).fill(1).fill(0, 0, 1));
    expect(validateAddress(short).errors?.[0]?.code).toBe('invalid_length');
  });
});

describe('networks', () => {
  const cases: [string, string][] = [
    ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'mainnet'],
    ['1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA', 'mainnet'],
    ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'tb'],
    ['mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP', 'base58-test'],
    ['bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'regtest'],
  ];
  const accepts: Record<string, string[]> = {
    mainnet: ['mainnet'],
    tb: ['testnet', 'signet'],
    'base58-test': ['testnet', 'signet', 'regtest'],
    regtest: ['regtest'],
  };
  for (const [address, family] of cases) {
    for (const network of ['mainnet', 'testnet', 'signet', 'regtest'] as const) {
      const ok = accepts[family]!.includes(network);
      it(`${address.slice(0, 14)}… with network ${network} is ${ok ? 'valid' : 'wrong_network'}`, () => {
        const result = validateAddress(address, { network });
        if (ok) expect(result).toMatchObject({ valid: true, details: { network } });
        else expect(result).toMatchObject({ valid: false, errors: [{ code: 'wrong_network' }] });
      });
    }
  }
  it('names testnet for tb1 and base58 test addresses when no network is requested (signet shares them)', () => {
    expect(validateAddress(cases[2]![0]).details?.network).toBe('testnet');
    expect(validateAddress(cases[3]![0]).details?.network).toBe('testnet');
    expect(validateAddress(cases[4]![0]).details?.network).toBe('regtest');
  });
  it('reports script types and witness versions', () => {
    expect(validateAddress('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0').details).toEqual({ network: 'mainnet', scriptType: 'p2tr', witnessVersion: 1 });
    expect(validateAddress('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7').details).toEqual({ network: 'testnet', scriptType: 'p2wsh', witnessVersion: 0 });
    expect(validateAddress('BC1SW50QGDZ25J').details).toEqual({ network: 'mainnet', scriptType: 'witness_unknown', witnessVersion: 16 });
  });
});

describe('hostile address input', () => {
  it.each([
    ['empty', '', 'empty'],
    ['leading space', ' bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'whitespace'],
    ['trailing newline', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\n', 'whitespace'],
    ['inner tab', 'bc1qw508d6qejx\ttdg4y5r3zarvary0c5xw7kv8f3t4', 'whitespace'],
    ['no-break space', '\u00a0bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'whitespace'],
    ['10 kB', 'bc1q'.repeat(2500), 'too_long'],
    ['101 characters', '1'.repeat(101), 'too_long'],
    ['mixed case', 'bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'mixed_case'],
    ['Cyrillic с in the prefix', 'bс1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'invalid_characters'],
    ['Cyrillic а in the data', 'bc1qw508d6qejxtdg4y5r3zаrvary0c5xw7kv8f3t4', 'invalid_characters'],
    ['fullwidth digit', '１LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA', 'invalid_characters'],
    ['zero-width joiner', 'bc1qw508d6qejxtdg4y5r3z\u200darvary0c5xw7kv8f3t4', 'invalid_characters'],
    ['NUL', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\u0000', 'invalid_characters'],
    ['Litecoin bech32', 'ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9', 'unknown_prefix'],
  ])('%s → %s', (_name, value, code) => {
    const result = validateAddress(value);
    expect(result.valid).toBe(false);
    expect(result.errors?.[0]?.code).toBe(code);
  });
  it.each([
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { address: 'bc1q' }],
    ['an array', ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4']],
    ['a boolean', true],
    ['a bigint', 1n],
  ])('%s → wrong_type', (_name, value) => {
    expect(validateAddress(value)).toMatchObject({ valid: false, errors: [{ code: 'wrong_type' }] });
  });
});
