/**
 * Address derivation: the published BIP-44/49/84/86 vectors (test/vectors/derivation.json, each its
 * own named test), every SLIP-132 prefix through wallet-source, networks, ranges, and 1,000
 * addresses per script type cross-checked against bitcoinjs-lib + bip32 — over both KeyCrypto
 * implementations (libsecp256k1 + node:crypto, and pure @noble).
 */
import { createBase58check, hex } from '@scure/base';
import { HDKey } from '@scure/bip32';
import { sha256 } from '@noble/hashes/sha2.js';
import BIP32Factory from 'bip32';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { loadNativeKeyCrypto } from '../../../src/adapters/crypto/native-key-crypto.js';
import { DerivationError, createAddressEncoder, deriveAddresses, deriveChild } from '../../../src/domain/wallets/derivation.js';
import type { KeyCrypto } from '../../../src/domain/wallets/key-crypto.js';
import { nobleKeyCrypto } from '../../../src/domain/wallets/noble-key-crypto.js';
import type { ScriptType } from '../../../src/domain/wallets/script-types.js';
import { createWalletDeriver } from '../../../src/domain/wallets/wallet-deriver.js';
import { parseWalletSource } from '../../../src/domain/wallets/wallet-source.js';
import { parseExtendedPublicKey } from '../../../src/validation/xpub.js';
import vectors from '../../vectors/derivation.json' with { type: 'json' };

const native = loadNativeKeyCrypto();
const cryptos: KeyCrypto[] = [nobleKeyCrypto, ...(native ? [native] : [])];
const b58 = createBase58check(sha256);

/** Private versions of the SLIP-132 prefixes used by the vectors, for neutering the account xprv. */
const PRIVATE_VERSIONS: Record<string, { private: number; public: number }> = {
  zprv: { private: 0x04b2430c, public: 0x04b24746 },
  uprv: { private: 0x044a4e28, public: 0x044a5262 },
  xprv: { private: 0x0488ade4, public: 0x0488b21e },
};

function accountNode(key: string) {
  const parsed = parseExtendedPublicKey(key);
  if (!parsed.ok) throw new Error(parsed.issue.message);
  return { publicKey: parsed.value.publicKey, chainCode: parsed.value.chainCode };
}

function reversion(key: string, version: number): string {
  const raw = b58.decode(key).slice();
  new DataView(raw.buffer).setUint32(0, version);
  return b58.encode(raw);
}

it('native libsecp256k1 binding loads on this platform (the server path)', () => {
  expect(native?.name).toBe('libsecp256k1+node:crypto');
});

describe('BIP test vectors', () => {
  for (const vector of vectors.vectors) {
    if ('accountXprv' in vector && vector.accountXprv) {
      it(`${vector.name}: the account key is the public half of the published ${vector.accountPath} xprv`, () => {
        const versions = PRIVATE_VERSIONS[vector.accountXprv.slice(0, 4)]!;
        expect(HDKey.fromExtendedKey(vector.accountXprv, versions).publicExtendedKey).toBe(vector.accountKey);
      });
    }
    for (const expected of vector.addresses) {
      for (const crypto of cryptos) {
        it(`${vector.name}: ${vector.accountPath}/${expected.chain}/${expected.index} = ${expected.address} (${crypto.name})`, () => {
          const chain = deriveChild(crypto, accountNode(vector.accountKey), expected.chain);
          const child = deriveChild(crypto, chain, expected.index);
          if ('pubkey' in expected && expected.pubkey) expect(hex.encode(child.publicKey)).toBe(expected.pubkey);
          if ('internalKey' in expected && expected.internalKey) expect(hex.encode(child.publicKey.subarray(1))).toBe(expected.internalKey);
          const format = { scriptType: vector.scriptType as ScriptType, network: vector.network as 'mainnet' | 'testnet' };
          const [derived] = deriveAddresses(crypto, chain, format, expected.index, 1);
          expect(derived!.address).toBe(expected.address);
          if ('scriptPubKey' in expected && expected.scriptPubKey) expect(hex.encode(derived!.scriptPubKey)).toBe(expected.scriptPubKey);
          if ('outputKey' in expected && expected.outputKey) expect(hex.encode(derived!.scriptPubKey.subarray(2))).toBe(expected.outputKey);
        });
      }
    }
    it(`${vector.name}: the same addresses from the account key as a wallet source`, () => {
      const definition = parseWalletSource(vector.accountKey, { scriptType: vector.scriptType as ScriptType });
      expect(definition.network).toBe(vector.network);
      expect(definition.scriptType).toBe(vector.scriptType);
      const deriver = createWalletDeriver(definition, cryptos.at(-1)!);
      for (const expected of vector.addresses) {
        const [a] = deriver.derive(expected.chain as 0 | 1, expected.index, 1);
        expect(a).toMatchObject({ chain: expected.chain, index: expected.index, address: expected.address, path: `${expected.chain}/${expected.index}` });
      }
    });
  }
});

describe('SLIP-132 prefixes', () => {
  const bip84 = vectors.vectors.find((v) => v.name.startsWith('BIP-84'))!;
  const first = bip84.addresses[0]!.address;
  const cases: Array<[string, number, string, ScriptType]> = [
    ['xpub', 0x0488b21e, 'pkh(', 'p2pkh'],
    ['ypub', 0x049d7cb2, 'sh(wpkh(', 'p2sh-p2wpkh'],
    ['zpub', 0x04b24746, 'wpkh(', 'p2wpkh'],
    ['tpub', 0x043587cf, 'pkh(', 'p2pkh'],
    ['upub', 0x044a5262, 'sh(wpkh(', 'p2sh-p2wpkh'],
    ['vpub', 0x045f1cf6, 'wpkh(', 'p2wpkh'],
  ];
  for (const [prefix, version, fn, scriptType] of cases) {
    it(`${prefix} → ${fn}${prefix.startsWith('x') || prefix.startsWith('y') || prefix.startsWith('z') ? 'xpub' : 'tpub'}…/<0;1>/*)`, () => {
      const key = reversion(bip84.accountKey, version);
      expect(key.startsWith(prefix)).toBe(true);
      const definition = parseWalletSource(key);
      expect(definition.kind).toBe('xpub');
      expect(definition.scriptType).toBe(scriptType);
      const standard = ['xpub', 'ypub', 'zpub'].includes(prefix) ? 'xpub' : 'tpub';
      expect(definition.descriptor).toMatch(new RegExp(`^${fn.replace(/\(/g, '\\(')}${standard}[1-9A-HJ-NP-Za-km-z]+/<0;1>/\\*\\)+#[a-z0-9]{8}$`));
      expect(definition.network).toBe(standard === 'xpub' ? 'mainnet' : 'testnet');
      if (prefix === 'zpub') expect(createWalletDeriver(definition, nobleKeyCrypto).derive(0, 0, 1)[0]!.address).toBe(first);
    });
  }
  for (const [prefix, version] of [['Ypub', 0x0295b43f], ['Zpub', 0x02aa7ed3], ['Upub', 0x024289ef], ['Vpub', 0x02575483]] as const) {
    it(`${prefix} (multisig) is refused as invalid_source`, () => {
      expect(() => parseWalletSource(reversion(bip84.accountKey, version))).toThrow(expect.objectContaining({ reason: 'invalid_source' }));
    });
  }
  it('xpub with scriptType tr → tr(xpub…/<0;1>/*) deriving the BIP-86 addresses', () => {
    const bip86 = vectors.vectors.find((v) => v.name.startsWith('BIP-86'))!;
    const definition = parseWalletSource(bip86.accountKey, { scriptType: 'p2tr' });
    expect(definition.descriptor.startsWith(`tr(${bip86.accountKey}/<0;1>/*)#`)).toBe(true);
    const deriver = createWalletDeriver(definition, cryptos.at(-1)!);
    expect(deriver.derive(1, 0, 1)[0]!.address).toBe(bip86.addresses[2]!.address);
  });
});

describe('networks', () => {
  const vpub = reversion(vectors.vectors.find((v) => v.name.startsWith('BIP-84'))!.accountKey, 0x045f1cf6);
  for (const [network, hrp] of [['testnet', 'tb1q'], ['signet', 'tb1q'], ['regtest', 'bcrt1q']] as const) {
    it(`a vpub on ${network} derives ${hrp}… addresses`, () => {
      const definition = parseWalletSource(vpub, { network });
      expect(definition.network).toBe(network);
      const [a] = createWalletDeriver(definition, nobleKeyCrypto).derive(0, 0, 1);
      expect(a!.address.startsWith(hrp)).toBe(true);
    });
  }
  it('testnet P2PKH and P2SH addresses use the m/2 prefixes', () => {
    const tpub = reversion(vectors.vectors.find((v) => v.name.startsWith('BIP-44'))!.accountKey, 0x043587cf);
    const p2pkh = createWalletDeriver(parseWalletSource(tpub, { network: 'regtest' }), nobleKeyCrypto).derive(0, 0, 1)[0]!;
    expect(p2pkh.address).toMatch(/^[mn]/);
    const p2sh = createWalletDeriver(parseWalletSource(tpub, { network: 'signet', scriptType: 'p2sh-p2wpkh' }), nobleKeyCrypto).derive(0, 0, 1)[0]!;
    expect(p2sh.address).toMatch(/^2/);
  });
});

describe('ranges', () => {
  const crypto = cryptos.at(-1)!;
  const chain = deriveChild(crypto, accountNode(vectors.vectors[0]!.accountKey), 0);
  const format = { scriptType: 'p2wpkh', network: 'mainnet' } as const;

  it('any window equals the same slice of a longer run', () => {
    const all = deriveAddresses(crypto, chain, format, 0, 1000);
    expect(deriveAddresses(crypto, chain, format, 500, 20)).toEqual(all.slice(500, 520));
    expect(all[999]!.index).toBe(999);
  });

  it('refuses more than 1,000 at once, negative starts and hardened indexes', () => {
    expect(() => deriveAddresses(crypto, chain, format, 0, 1001)).toThrow(DerivationError);
    expect(() => deriveAddresses(crypto, chain, format, -1, 1)).toThrow(DerivationError);
    expect(() => deriveAddresses(crypto, chain, format, 2 ** 31 - 5, 10)).toThrow(DerivationError);
    expect(deriveAddresses(crypto, chain, format, 2 ** 31 - 1, 1)).toHaveLength(1);
  });

  it('a descriptor with one chain has no change chain; a non-ranged one has one address', () => {
    const key = vectors.vectors[0]!;
    const xpub = reversion(key.accountKey, 0x0488b21e);
    const receiveOnly = createWalletDeriver(parseWalletSource(`wpkh(${xpub}/0/*)`), crypto);
    expect(receiveOnly.chains).toEqual([0]);
    expect(receiveOnly.derive(0, 0, 1)[0]!.address).toBe(key.addresses[0]!.address);
    expect(receiveOnly.derive(1, 0, 5)).toEqual([]);
    const one = createWalletDeriver(parseWalletSource(`wpkh([73c5da0a/84h/0h/0h]${xpub}/1/0)`), crypto);
    expect(one.ranged).toBe(false);
    expect(one.derive(0, 0, 20)).toEqual([expect.objectContaining({ address: key.addresses[2]!.address, path: 'm/84h/0h/0h/1/0' })]);
  });

  it('paths start at the master when the descriptor has a key origin', () => {
    const key = vectors.vectors[0]!;
    const xpub = reversion(key.accountKey, 0x0488b21e);
    const deriver = createWalletDeriver(parseWalletSource(`wpkh([73c5da0a/84h/0h/0h]${xpub}/<0;1>/*)`), crypto);
    expect(deriver.derive(1, 7, 1)[0]!.path).toBe('m/84h/0h/0h/1/7');
  });

  it('native and @noble implementations agree on 200 taproot addresses', () => {
    if (!native) return;
    const bip86 = accountNode(vectors.vectors[1]!.accountKey);
    const tr = { scriptType: 'p2tr', network: 'mainnet' } as const;
    const a = deriveAddresses(native, deriveChild(native, bip86, 0), tr, 0, 200);
    const b = deriveAddresses(nobleKeyCrypto, deriveChild(nobleKeyCrypto, bip86, 0), tr, 0, 200);
    expect(a).toEqual(b);
  });
});

describe('cross-check against bitcoinjs-lib + bip32 (1,000 addresses per script type)', () => {
  bitcoin.initEccLib(ecc);
  const bip32 = BIP32Factory(ecc);
  const crypto = cryptos.at(-1)!;
  const reference: Record<ScriptType, (pubkey: Uint8Array) => string> = {
    p2pkh: (pubkey) => bitcoin.payments.p2pkh({ pubkey }).address!,
    'p2sh-p2wpkh': (pubkey) => bitcoin.payments.p2sh({ redeem: bitcoin.payments.p2wpkh({ pubkey }) }).address!,
    p2wpkh: (pubkey) => bitcoin.payments.p2wpkh({ pubkey }).address!,
    p2tr: (pubkey) => bitcoin.payments.p2tr({ internalPubkey: pubkey.subarray(1) }).address!,
  };
  for (const vector of vectors.vectors.filter((v) => v.network === 'mainnet')) {
    const scriptType = vector.scriptType as ScriptType;
    it(`${scriptType}: 800 receive + 200 change addresses of ${vector.accountPath}`, () => {
      const xpub = reversion(vector.accountKey, 0x0488b21e);
      const deriver = createWalletDeriver(parseWalletSource(xpub, { scriptType }), crypto);
      const ours = [...deriver.derive(0, 0, 800), ...deriver.derive(1, 0, 200)];
      const account = bip32.fromBase58(xpub);
      const receive = account.derive(0);
      const change = account.derive(1);
      const theirs = ours.map((a) => reference[scriptType]((a.chain === 0 ? receive : change).derive(a.index).publicKey));
      expect(ours.map((a) => a.address)).toEqual(theirs);
      const encode = createAddressEncoder(crypto, { scriptType, network: 'mainnet' });
      expect(hex.encode(bitcoin.address.toOutputScript(ours[5]!.address))).toBe(ours[5]!.scriptPubKey);
      expect(encode).toBeTypeOf('function');
    });
  }
});
