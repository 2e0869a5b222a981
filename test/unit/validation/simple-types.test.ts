/** txid, username, password and amount: the rules of SPEC "Accounts" and "Validation". */
import { dictionary } from '@zxcvbn-ts/language-common';
import { describe, expect, it } from 'vitest';
import { validateAmount } from '../../../src/validation/amount.js';
import { validatePassword } from '../../../src/validation/password.js';
import { validateTxid } from '../../../src/validation/txid.js';
import { validateUsername } from '../../../src/validation/username.js';

const TXID = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b'; // the genesis coinbase

describe('txid', () => {
  it('accepts 64 hex characters and normalizes to lower case', () => {
    expect(validateTxid(TXID)).toEqual({ valid: true, normalized: TXID });
    expect(validateTxid(TXID.toUpperCase())).toEqual({ valid: true, normalized: TXID });
  });
  it.each([
    ['63 characters', TXID.slice(1), 'invalid_length'],
    ['65 characters', `${TXID}0`, 'too_long'],
    ['a g', `${TXID.slice(0, 63)}g`, 'invalid_characters'],
    ['0x prefix', `0x${TXID.slice(2)}`, 'invalid_characters'],
    ['Cyrillic а', `${TXID.slice(0, 63)}а`, 'invalid_characters'],
    ['fullwidth digit', `${TXID.slice(0, 63)}０`, 'invalid_characters'],
    ['leading space', ` ${TXID.slice(1)}`, 'whitespace'],
    ['trailing newline', `${TXID.slice(1)}\n`, 'whitespace'],
    ['empty', '', 'empty'],
    ['10 kB', 'a'.repeat(10_000), 'too_long'],
  ])('refuses %s with %s', (_name, value, code) => {
    expect(validateTxid(value)).toMatchObject({ valid: false, errors: [{ code }] });
  });
  it.each([42, null, undefined, {}, [TXID], true])('refuses %s with wrong_type', (value) => {
    expect(validateTxid(value)).toMatchObject({ valid: false, errors: [{ code: 'wrong_type' }] });
  });
});

describe('username', () => {
  it.each([
    ['alice', 'alice'],
    ['Alice', 'alice'],
    ['BOB_42', 'bob_42'],
    ['a.b-c', 'a.b-c'],
    ['abc', 'abc'],
    ['x'.repeat(32), 'x'.repeat(32)],
    ['...', '...'],
  ])('accepts %s as %s', (value, normalized) => {
    expect(validateUsername(value)).toEqual({ valid: true, normalized });
  });
  it.each([
    ['2 characters', 'ab', 'too_short'],
    ['33 characters', 'x'.repeat(33), 'too_long'],
    ['Cyrillic а (looks like a)', 'аlice', 'invalid_characters'],
    ['Greek ο (looks like o)', 'bοb', 'invalid_characters'],
    ['accented letter', 'josé', 'invalid_characters'],
    ['dotless ı (upper-cases to I)', 'alıce', 'invalid_characters'],
    ['Kelvin sign (lower-cases to k)', 'mar\u212a', 'invalid_characters'],
    ['fullwidth letters', 'ａｌｉｃｅ', 'invalid_characters'],
    ['at sign', 'alice@example', 'invalid_characters'],
    ['slash', 'a/b', 'invalid_characters'],
    ['NUL', 'ali\u0000ce', 'invalid_characters'],
    ['zero-width space', 'ali\u200bce', 'invalid_characters'],
    ['inner space', 'ali ce', 'whitespace'],
    ['leading space', ' alice', 'whitespace'],
    ['trailing tab', 'alice\t', 'whitespace'],
    ['empty', '', 'empty'],
    ['10 kB', 'a'.repeat(10_000), 'too_long'],
  ])('refuses %s with %s', (_name, value, code) => {
    expect(validateUsername(value)).toMatchObject({ valid: false, errors: [{ code }] });
  });
  it.each([42, null, undefined, {}, ['alice'], true])('refuses %s with wrong_type', (value) => {
    expect(validateUsername(value)).toMatchObject({ valid: false, errors: [{ code: 'wrong_type' }] });
  });
});

describe('password', () => {
  const secret = 'Tr0ub4dor&3-horse-staple';

  function expectSilent(result: ReturnType<typeof validatePassword>, password: string) {
    expect(result.normalized).toBeUndefined();
    expect(result.details).toBeUndefined();
    if (password.length >= 4) expect(JSON.stringify(result)).not.toContain(password.slice(0, 12));
  }

  it('accepts 12–128 characters with no composition rules, and returns nothing but valid', () => {
    for (const value of [secret, 'correct horse battery staple', 'a'.repeat(12).replace(/^a/, 'q') + 'zz', '🔑'.repeat(12), 'x'.repeat(128), 'pass phrase with spaces ok']) {
      expect(validatePassword(value)).toEqual({ valid: true });
    }
  });
  it('counts code points, not UTF-16 units', () => {
    expect(validatePassword('🔑'.repeat(11)).errors?.[0]?.code).toBe('too_short');
    expect(validatePassword('🔑'.repeat(128))).toEqual({ valid: true });
    expect(validatePassword('🔑'.repeat(129)).errors?.[0]?.code).toBe('too_long');
  });
  it.each([
    ['11 characters', 'abcdefghijk', 'too_short'],
    ['129 characters', 'x'.repeat(129), 'too_long'],
    ['10 kB', 'x'.repeat(10_000), 'too_long'],
    ['empty', '', 'empty'],
    ['a control character', 'abcdefghijkl\u0007', 'invalid_characters'],
    ['a lone surrogate', 'abcdefghijkl\ud800', 'invalid_characters'],
    ['a lone low surrogate', '\udc00abcdefghijkl', 'invalid_characters'],
  ])('refuses %s with %s', (_name, value, code) => {
    const result = validatePassword(value);
    expect(result).toMatchObject({ valid: false, errors: [{ code }] });
    expectSilent(result, value);
  });
  it('refuses every common password of 12+ characters in the zxcvbn-ts list, in any case', () => {
    const long = dictionary['passwords-common'].filter((p) => [...p].length >= 12 && [...p].length <= 128 && !/[\u0000-\u001f]/.test(p));
    expect(long.length).toBeGreaterThan(10);
    for (const password of long) {
      const result = validatePassword(password);
      expect(result.errors?.[0]?.code, password).toBe('common_password');
      expectSilent(result, password);
      expect(validatePassword(password.toUpperCase()).errors?.[0]?.code).toBe('common_password');
    }
  });
  it('refuses the username, ignoring case, and never echoes either', () => {
    const result = validatePassword('AliceInWonderland', { username: 'aliceinwonderland' });
    expect(result).toMatchObject({ valid: false, errors: [{ code: 'same_as_username' }] });
    expect(JSON.stringify(result).toLowerCase()).not.toContain('aliceinwonderland');
    expect(validatePassword(secret, { username: 'alice' })).toEqual({ valid: true });
  });
  it.each([12345678901234, null, undefined, {}, [secret], true])('refuses %s with wrong_type', (value) => {
    expect(validatePassword(value)).toMatchObject({ valid: false, errors: [{ code: 'wrong_type' }] });
  });
});

describe('amount', () => {
  it.each([1, 100, 2_100_000_000_000_000, 546])('accepts %d sats', (value) => {
    expect(validateAmount(value)).toEqual({ valid: true, normalized: String(value) });
  });
  it.each([
    ['"100"', '100', 'wrong_type'],
    ['true', true, 'wrong_type'],
    ['null', null, 'wrong_type'],
    ['undefined', undefined, 'wrong_type'],
    ['a bigint', 100n, 'wrong_type'],
    ['an object', { sats: 1 }, 'wrong_type'],
    ['an array', [1], 'wrong_type'],
    ['1.5', 1.5, 'not_integer'],
    ['NaN', Number.NaN, 'not_integer'],
    ['Infinity', Number.POSITIVE_INFINITY, 'out_of_range'],
    ['-Infinity', Number.NEGATIVE_INFINITY, 'out_of_range'],
    ['-1', -1, 'out_of_range'],
    ['0', 0, 'out_of_range'],
    ['-0', -0, 'out_of_range'],
    ['21e14 + 1', 2_100_000_000_000_001, 'out_of_range'],
    ['1e21', 1e21, 'out_of_range'],
    ['2^53 + 2', 2 ** 53 + 2, 'out_of_range'],
  ])('refuses %s with %s', (_name, value, code) => {
    expect(validateAmount(value)).toMatchObject({ valid: false, errors: [{ code }] });
  });
});
