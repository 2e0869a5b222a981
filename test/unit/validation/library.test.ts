/**
 * The library as a whole: the registry, hostile input against every type (never throws, never slow,
 * never echoes a secret), batch validation and its throughput, the code catalogue and browser safety.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { batchValidate } from '../../../src/validation/batch.js';
import { checksum32, sha256 } from '../../../src/validation/checksum-sha256.js';
import { toHex } from '../../../src/validation/bytes.js';
import { isValidationType, validate, validators, VALIDATION_CODES, VALIDATION_TYPES, type ValidationType } from '../../../src/validation/index.js';
import bip350 from '../../vectors/bip350.json' with { type: 'json' };

const SRC = new URL('../../../src/validation/', import.meta.url).pathname;

const SAMPLES: Record<ValidationType, string> = {
  address: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
  xpub: 'xpub6BosfCnifzxcFwrSzQiqu2DBVTshkCXacvNsWGYJVVhhawA7d4R5WSWGFNbi8Aw6ZRc1brxMyWMzG3DSSSSoekkudhUd9yLb6qx39T9nMdj',
  descriptor: 'wpkh([d34db33f/84h/0h/0h]xpub6DJ2dNUysrn5Vt36jH2KLBT2i1auw1tTSSomg8PhqNiUtx8QX2SvC9nrHu81fT41fvDUnhMjEzQgXnQjKEu3oaqMSzhSrHMxyyoEAmUHQbY/0/*)#cjjspncu',
  txid: '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b',
  username: 'satoshi',
  password: 'correct horse battery staple',
  amount: '',
  bolt11:
    'lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh',
};
const STRING_TYPES = VALIDATION_TYPES.filter((t) => t !== 'amount');

describe('registry', () => {
  it('has one validator per type and knows the types', () => {
    expect(Object.keys(validators).sort()).toEqual([...VALIDATION_TYPES].sort());
    for (const type of VALIDATION_TYPES) expect(isValidationType(type)).toBe(true);
    for (const other of ['iban', '', 'ADDRESS', 5, null, undefined, {}]) expect(isValidationType(other)).toBe(false);
  });
  it('validates a known-good sample of every type', () => {
    for (const type of STRING_TYPES) expect(validate(type, SAMPLES[type]), type).toMatchObject({ valid: true });
    expect(validate('amount', 1000)).toEqual({ valid: true, normalized: '1000' });
  });
  it('reports an unknown type instead of throwing', () => {
    expect(validate('iban' as ValidationType, 'x')).toMatchObject({ valid: false, errors: [{ code: 'wrong_type' }] });
  });
});

describe('hostile input, every type', () => {
  const hostile: [string, unknown][] = [
    ['empty string', ''],
    ['a space', ' '],
    ['10 kB of "a"', 'a'.repeat(10_000)],
    ['10 kB of emoji', '🔥'.repeat(5_000)],
    ['1 MB', 'q'.repeat(1_000_000)],
    ['NUL bytes', '\u0000'.repeat(40)],
    ['right-to-left override', '\u202ebc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'],
    ['a number', 100],
    ['NaN', Number.NaN],
    ['null', null],
    ['undefined', undefined],
    ['an object', { toString: () => SAMPLES.address }],
    ['an array', [SAMPLES.address]],
    ['a boolean', true],
    ['a bigint', 10n],
    ['a symbol', Symbol('x')],
    ['a function', () => SAMPLES.address],
    ['an object with a throwing getter', Object.defineProperty({}, 'length', { get: () => { throw new Error('boom'); } })],
  ];
  for (const type of VALIDATION_TYPES) {
    for (const [name, value] of hostile) {
      // Legitimately valid: a number of sats, and a password that merely contains a format character.
      if ((type === 'amount' && name === 'a number') || (type === 'password' && name === 'right-to-left override')) continue;
      it(`${type}: ${name} is invalid, with a code and a message naming the type`, () => {
        const result = validate(type, value);
        expect(result.valid).toBe(false);
        expect(result.errors).toHaveLength(1);
        const [error] = result.errors!;
        expect(Object.keys(VALIDATION_CODES)).toContain(error!.code);
        expect(error!.message.startsWith(`${type}: `)).toBe(true);
        expect(error!.code).not.toBe('internal_error');
      });
    }
    if (type !== 'amount') {
      it(`${type}: whitespace around a valid value is refused, not trimmed`, () => {
        for (const padded of [` ${SAMPLES[type]}`, `${SAMPLES[type]} `, `\t${SAMPLES[type]}`, `${SAMPLES[type]}\r\n`]) {
          // Passwords may contain spaces (NIST SP 800-63B), but no control characters.
          const expected = type === 'password' && !/[\t\r\n]/.test(padded);
          expect(validate(type, padded).valid, JSON.stringify(padded.slice(0, 3))).toBe(expected);
        }
      });
      it(`${type}: 10 kB and 1 MB strings are refused in well under a millisecond each`, () => {
        const big = 'b'.repeat(1_000_000);
        const start = performance.now();
        for (let i = 0; i < 1000; i++) validate(type, big);
        expect((performance.now() - start) / 1000).toBeLessThan(0.5);
      });
    }
  }
  it('no result for a private key contains it, whatever the type', () => {
    const xprv = 'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi';
    const wif = 'L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1';
    for (const type of VALIDATION_TYPES) {
      for (const secret of [xprv, wif, `wpkh(${xprv}/0/*)`, `pkh(${wif})`]) {
        const text = JSON.stringify(validate(type, secret));
        expect(text).not.toContain(xprv.slice(4, 30));
        expect(text).not.toContain(wif.slice(4, 30));
      }
    }
  });
});

describe('batchValidate', () => {
  it('judges each value on its own, in order', () => {
    const values: unknown[] = [SAMPLES.address, ' x', null, 42, bip350.validAddresses[7]!.address, 'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7'];
    const results = batchValidate('address', values, { network: 'mainnet' });
    expect(results.map((r) => r.valid)).toEqual([true, false, false, false, true, false]);
    expect(results.map((r) => r.errors?.[0]?.code)).toEqual([undefined, 'whitespace', 'wrong_type', 'wrong_type', undefined, 'wrong_network']);
    expect(results).toEqual(values.map((v) => validate('address', v, { network: 'mainnet' })));
  });
  it('handles every type and an empty batch', () => {
    expect(batchValidate('amount', [1, '1', 1.5, 0])).toMatchObject([{ valid: true }, { errors: [{ code: 'wrong_type' }] }, { errors: [{ code: 'not_integer' }] }, { errors: [{ code: 'out_of_range' }] }]);
    expect(batchValidate('txid', [])).toEqual([]);
  });
  it('judges 100,000 mixed addresses in one call (base58 and bech32, valid and not)', () => {
    const mix = [
      'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
      '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA',
      '37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf',
      'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
      'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7',
      'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5',
      '1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabB',
      ' not an address',
    ];
    const values = Array.from({ length: 100_000 }, (_, i) => mix[i % mix.length]);
    const expected = batchValidate('address', mix).map((r) => r.valid);
    expect(expected).toEqual([true, true, true, true, true, false, false, false]);
    // Speed is measured in bench/micro/validation.bench.ts (≥ 100,000 addresses/s), not here.
    const results = batchValidate('address', values);
    expect(results).toHaveLength(100_000);
    expect(results[5]!.valid).toBe(false);
    expect(results[8]!.valid).toBe(true);
  });
});

describe('checksum SHA-256', () => {
  it('equals @noble/hashes sha256 and double sha256 for every length 0–300', () => {
    for (let length = 0; length <= 300; length++) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
      const reference = nobleSha256(data);
      expect(toHex(sha256(data))).toBe(toHex(reference));
      const double = nobleSha256(reference);
      expect(checksum32(data)).toBe(((double[0]! << 24) | (double[1]! << 16) | (double[2]! << 8) | double[3]!) >>> 0);
    }
  });
});

describe('code catalogue and browser safety', () => {
  const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));
  const sources = files.map((f) => [f, readFileSync(join(SRC, f), 'utf8')] as const);
  it('every catalogued code is used by a validator', () => {
    const code = sources.filter(([f]) => f !== 'codes.ts').map(([, s]) => s).join('\n');
    for (const name of Object.keys(VALIDATION_CODES)) expect(code, name).toContain(`'${name}'`);
  });
  it.each(files)('%s imports nothing from Node and uses no Buffer', (file) => {
    const source = readFileSync(join(SRC, file), 'utf8');
    expect(source).not.toMatch(/from ['"]node:|require\(|\bBuffer\b|process\./);
  });
});
