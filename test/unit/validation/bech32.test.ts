/** BIP-173 / BIP-350 generic bech32 and bech32m strings, decoded by the library's own decoder. */
import { bech32, bech32m } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { bytesToWords, decodeBech32, encodeBech32 } from '../../../src/validation/bech32.js';
import bip173 from '../../vectors/bip173.json' with { type: 'json' };
import bip350 from '../../vectors/bip350.json' with { type: 'json' };

describe('bech32 (BIP-173 vectors)', () => {
  bip173.validBech32.forEach((str, i) => {
    it(`BIP-173 valid ${i + 1}: ${str.slice(0, 40)}`, () => {
      const decoded = decodeBech32(str, 90);
      expect(decoded).toMatchObject({ ok: true, encoding: 'bech32' });
      // Cross-check: @scure/base agrees on prefix and words.
      const other = bech32.decode(str as `${string}1${string}`, 90);
      if (decoded.ok) {
        expect(decoded.hrp).toBe(other.prefix);
        expect([...decoded.words]).toEqual(other.words);
        expect(encodeBech32(decoded.hrp, decoded.words, 'bech32')).toBe(str.toLowerCase());
      }
    });
  });
  bip173.invalidBech32.forEach(({ string, reason }, i) => {
    it(`BIP-173 invalid ${i + 1}: ${reason}`, () => {
      const decoded = decodeBech32(string, 90);
      expect(decoded.ok === false || decoded.encoding !== 'bech32').toBe(true);
      expect(() => bech32.decode(string as `${string}1${string}`, 90)).toThrow();
    });
  });
});

describe('bech32m (BIP-350 vectors)', () => {
  bip350.validBech32m.forEach((str, i) => {
    it(`BIP-350 valid ${i + 1}: ${str.slice(0, 40)}`, () => {
      const decoded = decodeBech32(str, 90);
      expect(decoded).toMatchObject({ ok: true, encoding: 'bech32m' });
      const other = bech32m.decode(str as `${string}1${string}`, 90);
      if (decoded.ok) {
        expect(decoded.hrp).toBe(other.prefix);
        expect([...decoded.words]).toEqual(other.words);
        expect(encodeBech32(decoded.hrp, decoded.words, 'bech32m')).toBe(str.toLowerCase());
      }
    });
  });
  bip350.invalidBech32m.forEach(({ string, reason }, i) => {
    it(`BIP-350 invalid ${i + 1}: ${reason}`, () => {
      const decoded = decodeBech32(string, 90);
      expect(decoded.ok === false || decoded.encoding !== 'bech32m').toBe(true);
    });
  });
  it('no BIP-173 valid string is valid bech32m and vice versa', () => {
    for (const str of bip173.validBech32) expect(decodeBech32(str)).not.toMatchObject({ encoding: 'bech32m' });
    for (const str of bip350.validBech32m) expect(decodeBech32(str)).not.toMatchObject({ encoding: 'bech32' });
  });
});

describe('bech32 helpers', () => {
  it('names the failure with a stable code', () => {
    expect(decodeBech32('A1G7SGD8')).toMatchObject({ ok: false, code: 'invalid_checksum' });
    expect(decodeBech32('pzry9x0s0muk')).toMatchObject({ ok: false, code: 'invalid_characters' });
    expect(decodeBech32('1pzry9x0s0muk')).toMatchObject({ ok: false, code: 'invalid_length' });
    expect(decodeBech32('li1dgmt3')).toMatchObject({ ok: false, code: 'invalid_length' });
    expect(decodeBech32('x1b4n0q5v')).toMatchObject({ ok: false, code: 'invalid_characters' });
    expect(decodeBech32('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7')).toMatchObject({ ok: false, code: 'mixed_case' });
  });
  it('lifts the 90-character limit only when asked', () => {
    const long = encodeBech32('lnbc', new Array(200).fill(3), 'bech32');
    expect(decodeBech32(long)).toMatchObject({ ok: false, code: 'invalid_length' });
    expect(decodeBech32(long, 1000)).toMatchObject({ ok: true });
  });
  it('converts bytes to words like @scure/base', () => {
    const bytes = Uint8Array.from({ length: 37 }, (_, i) => (i * 73) & 0xff);
    expect(bytesToWords(bytes)).toEqual(bech32.toWords(bytes));
  });
});
