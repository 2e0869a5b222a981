/**
 * Extended public keys: BIP-32 vectors 1–5 (cross-checked with the bip32 package), SLIP-132 prefixes,
 * private keys refused without being echoed, and isLikelySecret.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';
import { HDKey } from '@scure/bip32';
import { NETWORK, p2pkh, p2sh, p2wpkh, TEST_NETWORK } from '@scure/btc-signer';
import BIP32Factory from 'bip32';
import * as ecc from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/validation/bytes.js';
import type { ValidationResult } from '../../../src/validation/types.js';
import { isLikelySecret, parseExtendedPublicKey, validateXpub, XPUB_VERSIONS } from '../../../src/validation/xpub.js';
import bip32Vectors from '../../vectors/bip32.json' with { type: 'json' };
import slip132 from '../../vectors/slip132.json' with { type: 'json' };

const bip32 = BIP32Factory(ecc);
const b58c = createBase58check(sha256);

/** A private key must appear nowhere in a result, not even in part. */
function expectNoEcho(result: ValidationResult, secret: string) {
  const text = JSON.stringify(result);
  expect(result.normalized).toBeUndefined();
  expect(result.details).toBeUndefined();
  for (let i = 0; i + 12 <= secret.length; i += 6) expect(text).not.toContain(secret.slice(i, i + 12));
}

function reversion(key: string, version: number): string {
  const bytes = b58c.decode(key);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(0, version);
  return b58c.encode(bytes);
}

describe('BIP-32 test vectors 1–4', () => {
  for (const vector of bip32Vectors.vectors) {
    for (const chain of vector.chains ?? []) {
      it(`BIP-32 vector ${vector.vector} chain ${chain.chain}: ext pub is valid and agrees with bip32`, () => {
        const result = validateXpub(chain.extPub);
        expect(result.valid).toBe(true);
        expect(result.normalized).toBe(chain.extPub);
        const reference = bip32.fromBase58(chain.extPub);
        expect(result.details).toEqual({
          network: 'mainnet',
          scriptType: 'p2pkh',
          depth: reference.depth,
          fingerprint: toHex(reference.fingerprint),
          parentFingerprint: reference.parentFingerprint.toString(16).padStart(8, '0'),
          childIndex: reference.index,
          prefix: 'xpub',
        });
        const parsed = parseExtendedPublicKey(chain.extPub);
        if (!parsed.ok) throw new Error(parsed.issue.message);
        expect(toHex(parsed.value.chainCode)).toBe(toHex(reference.chainCode));
        expect(toHex(parsed.value.publicKey)).toBe(toHex(reference.publicKey));
        expect(parsed.value.version).toBe(0x0488b21e);
      });
      it(`BIP-32 vector ${vector.vector} chain ${chain.chain}: ext prv is refused and not echoed`, () => {
        const result = validateXpub(chain.extPrv);
        expect(result).toMatchObject({ valid: false, errors: [{ code: 'private_key_rejected' }] });
        expectNoEcho(result, chain.extPrv);
        expect(isLikelySecret(chain.extPrv)).toBe(true);
        expect(isLikelySecret(chain.extPub)).toBe(false);
      });
    }
  }
});

describe('BIP-32 test vector 5 (invalid keys)', () => {
  const expected: Record<string, string> = {
    'pubkey version / prvkey mismatch': 'private_key_rejected',
    'prvkey version / pubkey mismatch': 'private_key_rejected',
    'invalid pubkey prefix 04': 'invalid_public_key',
    'invalid prvkey prefix 04': 'private_key_rejected',
    'invalid pubkey prefix 01': 'invalid_public_key',
    'invalid prvkey prefix 01': 'private_key_rejected',
    'zero depth with non-zero parent fingerprint': 'invalid_parent_fingerprint',
    'zero depth with non-zero index': 'invalid_child_index',
    'unknown extended key version': 'unknown_version',
    'private key 0 not in 1..n-1': 'private_key_rejected',
    'private key n not in 1..n-1': 'private_key_rejected',
    'invalid pubkey 020000000000000000000000000000000000000000000000000000000000000007': 'invalid_public_key',
    'invalid checksum': 'private_key_rejected',
  };
  const vector5 = bip32Vectors.vectors.find((v) => v.vector === 5)!;
  vector5.invalid!.forEach(({ key, reason }, i) => {
    // A private key (by version or by its 0x00 key byte) is refused as such, whatever else is wrong.
    const code = key.startsWith('xprv') ? 'private_key_rejected' : expected[reason];
    it(`BIP-32 vector 5 invalid ${i + 1}: ${reason} → ${code}`, () => {
      const result = validateXpub(key);
      expect(result).toMatchObject({ valid: false, errors: [{ code }] });
      expect(result.normalized).toBeUndefined();
      expect(result.details).toBeUndefined();
      expect(() => bip32.fromBase58(key)).toThrow();
      if (code === 'private_key_rejected') expectNoEcho(result, key);
    });
  });
});

describe('SLIP-132 prefixes', () => {
  const addressOf = {
    'p2pkh': (pub: Uint8Array, net: typeof NETWORK) => p2pkh(pub, net).address,
    'p2sh-p2wpkh': (pub: Uint8Array, net: typeof NETWORK) => p2sh(p2wpkh(pub, net), net).address,
    'p2wpkh': (pub: Uint8Array, net: typeof NETWORK) => p2wpkh(pub, net).address,
  } as const;

  slip132.keys.forEach((key) => {
    const prefix = key.public.slice(0, 4);
    it(`SLIP-132 ${prefix} ${key.path} (${key.source.split(' (')[0]}) is valid and its parts derive the published address`, () => {
      const result = validateXpub(key.public);
      const version = [...XPUB_VERSIONS.entries()].find(([, v]) => v.prefix === prefix)!;
      expect(result).toMatchObject({ valid: true, details: { prefix, network: version[1].network, scriptType: version[1].scriptType } });
      const parsed = parseExtendedPublicKey(key.public);
      if (!parsed.ok) throw new Error(parsed.issue.message);
      const p = parsed.value;
      expect(result.details?.depth).toBe(key.path === 'm' ? 0 : 3);
      if (key.firstReceiveAddress === undefined) return;
      // Rebuild the node from the parsed parts and derive /0/0: a wrong chain code or key would not match.
      const node = new HDKey({ publicKey: p.publicKey, chainCode: p.chainCode, depth: p.depth, index: p.childIndex, parentFingerprint: p.parentFingerprint });
      const child = node.deriveChild(0).deriveChild(0).publicKey!;
      const net = p.network === 'mainnet' ? NETWORK : TEST_NETWORK;
      expect(addressOf[p.scriptType as keyof typeof addressOf](child, net)).toBe(key.firstReceiveAddress);
    });
    it(`SLIP-132 ${key.private.slice(0, 4)} ${key.path} is refused as a private key`, () => {
      const result = validateXpub(key.private);
      expect(result).toMatchObject({ valid: false, errors: [{ code: 'private_key_rejected' }] });
      expectNoEcho(result, key.private);
      expect(isLikelySecret(key.private)).toBe(true);
    });
  });

  slip132.versions.forEach((row) => {
    const known = XPUB_VERSIONS.get(Number(row.public))!;
    it(`SLIP-132 table: ${row.publicPrefix} (${row.public}) re-versioned from the BIP-44 xpub`, () => {
      const key = reversion(slip132.keys[0]!.public, Number(row.public));
      expect(key.startsWith(row.publicPrefix)).toBe(true);
      expect(known.prefix).toBe(row.publicPrefix);
      expect(known.network).toBe(row.coin === 'Bitcoin' ? 'mainnet' : 'testnet');
      const result = validateXpub(key);
      expect(result).toMatchObject({ valid: true, details: { prefix: row.publicPrefix, network: known.network, scriptType: known.scriptType } });
      // Same key material as the original: same fingerprint.
      expect(result.details?.fingerprint).toBe(validateXpub(slip132.keys[0]!.public).details?.fingerprint);
    });
    it(`SLIP-132 table: ${row.privatePrefix} (${row.private}) is refused as a private key`, () => {
      const key = reversion(slip132.keys[0]!.private, Number(row.private));
      expect(key.startsWith(row.privatePrefix)).toBe(true);
      const result = validateXpub(key);
      expect(result).toMatchObject({ valid: false, errors: [{ code: 'private_key_rejected' }] });
      expectNoEcho(result, key);
      expect(isLikelySecret(key)).toBe(true);
    });
  });

  it('refuses the ypub quoted in the task brief, which differs from SLIP-132 in its last 48 characters (bad checksum)', () => {
    const misquoted = 'ypub6Ww3ibxVfGzLrAH1PNcjyAWenMTbbAosGNB6VvmSEgytSER9azLDWCxoJwW7Ykco4Lqwvb24ZT2XhGdwD8vXtoYFtLdKxRXqQQhokYbY5QCN';
    expect(validateXpub(misquoted).errors?.[0]?.code).toBe('invalid_checksum');
  });

  it('tpub-family keys are valid on testnet, signet and regtest, xpub-family only on mainnet', () => {
    const xpub = slip132.keys[0]!.public;
    const tpub = reversion(xpub, 0x043587cf);
    expect(validateXpub(xpub, { network: 'mainnet' }).valid).toBe(true);
    for (const network of ['testnet', 'signet', 'regtest'] as const) {
      expect(validateXpub(xpub, { network })).toMatchObject({ valid: false, errors: [{ code: 'wrong_network' }] });
      expect(validateXpub(tpub, { network })).toMatchObject({ valid: true, details: { network } });
    }
    expect(validateXpub(tpub)).toMatchObject({ valid: true, details: { network: 'testnet', prefix: 'tpub' } });
    expect(validateXpub(tpub, { network: 'mainnet' }).errors?.[0]?.code).toBe('wrong_network');
  });
});

describe('parseExtendedPublicKey', () => {
  it('matches @scure/bip32 on 300 random keys at random depths', () => {
    const root = HDKey.fromMasterSeed(Uint8Array.from({ length: 32 }, (_, i) => i * 7));
    let node = root;
    for (let i = 0; i < 300; i++) {
      node = i % 50 === 0 ? root : node.deriveChild((i * 2654435761) >>> (i % 2 === 0 ? 1 : 0));
      const parsed = parseExtendedPublicKey(node.publicExtendedKey);
      if (!parsed.ok) throw new Error(parsed.issue.message);
      expect(parsed.value.depth).toBe(node.depth);
      expect(parsed.value.childIndex).toBe(node.index);
      expect(parsed.value.parentFingerprint).toBe(node.parentFingerprint);
      expect(toHex(parsed.value.publicKey)).toBe(toHex(node.publicKey!));
      expect(toHex(parsed.value.chainCode)).toBe(toHex(node.chainCode!));
      expect(parseInt(parsed.value.fingerprint, 16)).toBe(node.fingerprint);
      expect(isLikelySecret(node.publicExtendedKey)).toBe(false);
      expect(isLikelySecret(node.privateExtendedKey)).toBe(true);
    }
  });
  it('returns an issue instead of throwing', () => {
    expect(parseExtendedPublicKey('')).toMatchObject({ ok: false });
    expect(parseExtendedPublicKey('xpub')).toMatchObject({ ok: false });
    expect(parseExtendedPublicKey('0OIl')).toMatchObject({ ok: false, issue: { code: 'invalid_characters' } });
    // A valid base58check payload of the wrong length (an address).
    expect(parseExtendedPublicKey('1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA')).toMatchObject({ ok: false, issue: { code: 'invalid_length' } });
  });
});

describe('isLikelySecret', () => {
  const wifs = [
    'L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1', // BIP-380, compressed mainnet
    '5KYZdUEo39z3FPrtuX2QbbwGnNP5zTd7yyr2SC1j299sBCnWjss', // BIP-380, uncompressed mainnet
    'KyZpNDKnfs94vbrwhJneDi77V6jF64PWPF8x5cdJb8ifgg2DUc9d', // BIP-84
    'cULrpoZGXiuC19Uhvykx7NugygA3k86b3hmdCeyvHYQZSxojGyXJ', // BIP-49, testnet
  ];
  it.each(wifs)('flags the WIF key %s alone and inside descriptors', (wif) => {
    expect(isLikelySecret(wif)).toBe(true);
    expect(isLikelySecret(`wpkh(${wif})`)).toBe(true);
    expect(isLikelySecret(`pkh([deadbeef/1/2'/3/4']${wif})#abcdefgh`)).toBe(true);
    expect(isLikelySecret(`tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,pkh(${wif}))`)).toBe(true);
    // A mistyped secret is still a secret.
    expect(isLikelySecret(wif.slice(0, -1) + (wif.endsWith('2') ? '3' : '2'))).toBe(true);
  });
  it('flags private extended keys inside descriptors', () => {
    expect(isLikelySecret('sh(wpkh(xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi/10/20/30/40/*))')).toBe(true);
    expect(isLikelySecret('wpkh([ffffffff/13h]tprv8ZgxMBicQKsPd9TeAdPADNnSyH9SSUUbTVeFszDE23Ki6TBB5nCefAdHkK8Fm3qMQR6sHwA56zqRmKmxnHk37JkiFzvncDqoKmPWubu7hDF/0/*)')).toBe(true);
  });
  it.each([
    'xpub6BosfCnifzxcFwrSzQiqu2DBVTshkCXacvNsWGYJVVhhawA7d4R5WSWGFNbi8Aw6ZRc1brxMyWMzG3DSSSSoekkudhUd9yLb6qx39T9nMdj',
    'wpkh([d34db33f/84h/0h/0h]xpub6DJ2dNUysrn5Vt36jH2KLBT2i1auw1tTSSomg8PhqNiUtx8QX2SvC9nrHu81fT41fvDUnhMjEzQgXnQjKEu3oaqMSzhSrHMxyyoEAmUHQbY/0/*)#cjjspncu',
    'pkh(04a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd5b8dec5235a0fa8722476c7709c02559e3aa73aa03918ba2d492eea75abea235)',
    'tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)',
    'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3',
    '3EktnHQD7RiAE6uzMj2ZifT9YgRrkSgzQX',
    'e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734',
    'lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh',
    `xpub6${'aZprv'}${'a'.repeat(100)}`,
    '',
  ])('does not flag public data: %s', (value) => {
    expect(isLikelySecret(value)).toBe(false);
  });
  it('is fast on 10 kB of hostile input', () => {
    const hostile = 'xprv'.repeat(2500);
    const start = performance.now();
    for (let i = 0; i < 100; i++) isLikelySecret(hostile);
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe('hostile xpub input', () => {
  it.each([
    ['empty', '', 'empty'],
    ['leading space', ` ${slip132.keys[0]!.public}`, 'whitespace'],
    ['trailing newline', `${slip132.keys[0]!.public}\n`, 'whitespace'],
    ['10 kB', 'x'.repeat(10_000), 'too_long'],
    ['Cyrillic х', `х${slip132.keys[0]!.public.slice(1)}`, 'invalid_characters'],
    ['lower-cased (has l, not base58)', slip132.keys[0]!.public.toLowerCase(), 'invalid_characters'],
    ['one character changed', `${slip132.keys[0]!.public.slice(0, 50)}Z${slip132.keys[0]!.public.slice(51)}`, 'invalid_checksum'],
  ])('%s → %s', (_name, value, code) => {
    expect(validateXpub(value)).toMatchObject({ valid: false, errors: [{ code }] });
  });
  it.each([42, null, undefined, {}, [], true])('%s → wrong_type', (value) => {
    expect(validateXpub(value)).toMatchObject({ valid: false, errors: [{ code: 'wrong_type' }] });
  });
  it('names a private key as such even with whitespace around it, and never echoes it', () => {
    const xprv = slip132.keys[0]!.private;
    const result = validateXpub(` ${xprv} `);
    expect(result.errors?.[0]?.code).toBe('private_key_rejected');
    expectNoEcho(result, xprv);
  });
});
