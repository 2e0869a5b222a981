/**
 * Wallet sources → normalized definitions: addresses, SLIP-132 keys and descriptors, with typed
 * errors carrying stable codes (private_key_rejected, wrong_network, invalid_source) as 400s.
 */
import { describe, expect, it } from 'vitest';
import { parseWalletSource, WalletSourceError, type WalletSourceErrorCode } from '../../../src/domain/wallets/wallet-source.js';
import { descriptorChecksum } from '../../../src/validation/descriptor.js';
import vectors from '../../vectors/derivation.json' with { type: 'json' };

const ZPUB = vectors.vectors[0]!.accountKey;
const XPUB86 = vectors.vectors[1]!.accountKey;
const UPUB = vectors.vectors[2]!.accountKey;

function rejects(source: unknown, reason: WalletSourceErrorCode, options = {}) {
  let caught: unknown;
  try {
    parseWalletSource(source, options);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WalletSourceError);
  const error = caught as WalletSourceError;
  expect(error.reason).toBe(reason);
  expect(error.status).toBe(400);
  expect(error.extra.errors?.[0]).toMatchObject({ field: 'source', code: reason });
  return error;
}

describe('address sources', () => {
  it.each([
    ['bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 'mainnet', 'p2wpkh'],
    ['BC1QCR8TE4KR609GCAWUTMRZA0J4XV80JY8Z306FYU', 'mainnet', 'p2wpkh'],
    ['bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr', 'mainnet', 'p2tr'],
    ['37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf', 'mainnet', 'p2sh'],
    ['1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA', 'mainnet', 'p2pkh'],
    ['2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2', 'testnet', 'p2sh'],
  ])('%s → addr() on %s as %s', (source, network, scriptType) => {
    const definition = parseWalletSource(source);
    const body = `addr(${source.startsWith('BC1') ? source.toLowerCase() : source})`;
    expect(definition).toEqual({ kind: 'address', network, scriptType, descriptor: `${body}#${descriptorChecksum(body)}` });
  });

  it('an address of another network than requested is wrong_network', () => {
    rejects('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', 'wrong_network', { network: 'testnet' });
  });

  it('a regtest base58 address is accepted for regtest', () => {
    expect(parseWalletSource('2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2', { network: 'regtest' }).network).toBe('regtest');
  });

  it('an addr() descriptor is accepted, its checksum checked', () => {
    const body = 'addr(1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA)';
    expect(parseWalletSource(`${body}#${descriptorChecksum(body)}`).kind).toBe('address');
    rejects(`${body}#aaaaaaaa`, 'invalid_source');
  });
});

describe('extended public keys', () => {
  it('a zpub becomes wpkh(xpub…/<0;1>/*) with a checksum', () => {
    const d = parseWalletSource(ZPUB);
    expect(d).toMatchObject({ kind: 'xpub', network: 'mainnet', scriptType: 'p2wpkh' });
    expect(d.descriptor).toBe(`wpkh(xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V/<0;1>/*)#${descriptorChecksum(d.descriptor.split('#')[0]!)}`);
  });

  it('a upub becomes sh(wpkh(tpub…)) on testnet, or on the requested signet/regtest', () => {
    expect(parseWalletSource(UPUB).descriptor).toMatch(/^sh\(wpkh\(tpub/);
    expect(parseWalletSource(UPUB, { network: 'signet' }).network).toBe('signet');
    rejects(UPUB, 'wrong_network', { network: 'mainnet' });
  });

  it('an xpub is pkh by default and takes any scriptType', () => {
    expect(parseWalletSource(XPUB86).scriptType).toBe('p2pkh');
    expect(parseWalletSource(XPUB86, { scriptType: 'p2tr' }).descriptor).toMatch(/^tr\(xpub/);
    rejects(XPUB86, 'wrong_network', { network: 'regtest' });
  });

  it('a zpub cannot be made taproot', () => {
    rejects(ZPUB, 'invalid_source', { scriptType: 'p2tr' });
  });

  it('a broken checksum is invalid_source', () => {
    rejects(`${ZPUB.slice(0, -1)}${ZPUB.endsWith('s') ? 't' : 's'}`, 'invalid_source');
  });
});

describe('descriptors', () => {
  const body = `wpkh([73c5da0a/84h/0h/0h]${'xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V'}/<0;1>/*)`;

  it('gets its checksum added, or kept when right', () => {
    const d = parseWalletSource(body);
    expect(d).toEqual({ kind: 'descriptor', network: 'mainnet', scriptType: 'p2wpkh', descriptor: `${body}#${descriptorChecksum(body)}` });
    expect(parseWalletSource(d.descriptor)).toEqual(d);
  });

  it('a wrong checksum, an unsupported script or a SLIP-132 key inside is invalid_source', () => {
    rejects(`${body}#qqqqqqqq`, 'invalid_source');
    rejects('wsh(multi(1,02aa))', 'invalid_source');
    rejects(`wpkh(${ZPUB}/0/*)`, 'invalid_source');
  });

  it('a multipath step with three indexes is invalid_source', () => {
    rejects(body.replace('<0;1>', '<0;1;2>'), 'invalid_source');
  });

  it('the scriptType option must agree with the descriptor', () => {
    rejects(body, 'invalid_source', { scriptType: 'p2tr' });
  });
});

describe('private keys and junk', () => {
  const XPRV = 'xprv9s21ZrQH143K3GJpoapnV8SFfukcVBSfeCficPSGfubmSFDxo1kuHnLisriDvSnRRuL2Qrg5ggqHKNVpxR86QEC8w35uxmGoggxtQTPvfUu';
  const WIF = 'KyZpNDKnfs94vbrwhJneDi77V6jF64PWPF8x5cdJb8ifgg2DUc9d';

  it.each([
    ['an xprv', XPRV],
    ['a zprv', vectors.vectors[0]!.accountXprv!],
    ['a WIF key', WIF],
    ['an xprv inside a descriptor', `wpkh(${XPRV}/0/*)`],
  ])('%s is private_key_rejected, and the message does not repeat it', (_name, source) => {
    const error = rejects(source, 'private_key_rejected');
    expect(JSON.stringify({ message: error.message, extra: error.extra })).not.toContain(source.slice(4, 30));
  });

  it.each([[''], [' bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu'], ['hello'], [42], [null], ['x'.repeat(2000)]])('%j is invalid_source', (source) => {
    rejects(source, 'invalid_source');
  });
});
