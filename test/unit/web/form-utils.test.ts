import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ValidateOptions, ValidationResult, ValidationType } from '../../../src/validation/types.js';

// The cache is what is under test here, so the library is replaced by a counting stand-in.
const calls: Array<{ type: ValidationType; value: unknown; options?: ValidateOptions }> = [];
vi.mock('../../../src/validation/index.js', () => ({
  validate: (type: ValidationType, value: unknown, options?: ValidateOptions): ValidationResult => {
    calls.push({ type, value, options });
    if (value === 'bad') return { valid: false, errors: [{ code: 'invalid_checksum', message: 'checksum mismatch' }] };
    return { valid: true, details: { network: options?.network ?? 'mainnet' } };
  },
}));

const {
  BoundedCache,
  CLIENT_CACHE_SIZE,
  cachedClientValidate,
  clientValidationCache,
  describeIssue,
  fieldErrorsFromProblem,
  formatDetails,
  splitLines,
  toValidationInput,
  trimForValidation,
  validateLines,
} = await import('../../../web/lib/formUtils.js');

beforeEach(() => {
  calls.length = 0;
  clientValidationCache.clear();
});

describe('trimForValidation', () => {
  it('removes spaces, tabs, newlines and zero-width characters at both ends only', () => {
    expect(trimForValidation('  bc1q x \t\r\n')).toBe('bc1q x');
    expect(trimForValidation('\u200Bbc1q\u00A0\uFEFF')).toBe('bc1q');
    expect(trimForValidation('')).toBe('');
  });
});

describe('splitLines', () => {
  it('trims each line, drops empty ones and keeps 1-based line numbers', () => {
    expect(splitLines(' a \n\n  \r\nb\rc\n')).toEqual([
      { line: 1, value: 'a' },
      { line: 4, value: 'b' },
      { line: 5, value: 'c' },
    ]);
  });

  it('returns nothing for blank text', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('\n \n\t')).toEqual([]);
  });
});

describe('toValidationInput', () => {
  it('parses amount text as a number: fractions stay fractions, other text is NaN', () => {
    expect(toValidationInput('amount', ' 50000 ')).toBe(50000);
    expect(toValidationInput('amount', '1.5')).toBe(1.5);
    expect(toValidationInput('amount', '21e14')).toBe(2_100_000_000_000_000);
    expect(toValidationInput('amount', '12 sats')).toBeNaN();
    expect(toValidationInput('amount', '0x10')).toBeNaN();
    expect(toValidationInput('amount', '')).toBe('');
  });

  it('only trims values of other types', () => {
    expect(toValidationInput('txid', ' 00ff ')).toBe('00ff');
    expect(toValidationInput('username', ' 123 ')).toBe('123');
  });
});

describe('describeIssue', () => {
  it('uses the message, else a phrase for a known code, else the code made readable', () => {
    expect(describeIssue({ code: 'invalid_checksum', message: 'Bech32 checksum mismatch' })).toBe('Bech32 checksum mismatch');
    expect(describeIssue({ code: 'wrong_network', message: '' })).toBe('Valid, but for another network');
    expect(describeIssue({ code: 'too_long' })).toBe('Too long');
  });

  it('prefixes the line of a problem item', () => {
    expect(describeIssue({ code: 'invalid_txid', message: 'not a txid', line: 7 })).toBe('Line 7: not a txid');
  });
});

describe('fieldErrorsFromProblem', () => {
  it('keeps the first message per field and collects the rest', () => {
    expect(
      fieldErrorsFromProblem([
        { field: 'username', code: 'taken', message: 'Username taken' },
        { field: 'username', code: 'x', message: 'second' },
        { code: 'other', message: 'General problem' },
      ]),
    ).toEqual({ fields: { username: 'Username taken' }, other: ['General problem'] });
  });
});

describe('formatDetails', () => {
  it('lists network and script type first with readable labels', () => {
    expect(formatDetails({ depth: 3, scriptType: 'p2wpkh', network: 'mainnet', extra: null })).toEqual([
      { key: 'network', label: 'Network', value: 'mainnet' },
      { key: 'scriptType', label: 'Script type', value: 'p2wpkh' },
      { key: 'depth', label: 'Depth', value: '3' },
    ]);
    expect(formatDetails(undefined)).toEqual([]);
  });
});

describe('BoundedCache', () => {
  it('drops the least recently used entry beyond its bound', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new BoundedCache(0)).toThrow(RangeError);
  });
});

describe('cachedClientValidate', () => {
  it('validates a repeated value once and returns the same result', () => {
    const first = cachedClientValidate('address', 'bc1qexample');
    const second = cachedClientValidate('address', 'bc1qexample');
    expect(second).toBe(first);
    expect(calls).toHaveLength(1);
  });

  it('keys on type, network and the JS type of the value', () => {
    cachedClientValidate('amount', 100);
    cachedClientValidate('amount', '100');
    cachedClientValidate('txid', 100);
    cachedClientValidate('amount', 100, { network: 'testnet' });
    cachedClientValidate('amount', 100, { network: 'testnet', username: 'alice' });
    expect(calls).toHaveLength(5);
    expect(cachedClientValidate('amount', 100, { network: 'testnet' }).details).toEqual({ network: 'testnet' });
    expect(calls).toHaveLength(5);
  });

  it('never caches passwords', () => {
    cachedClientValidate('password', 'correct horse battery staple');
    cachedClientValidate('password', 'correct horse battery staple');
    expect(calls).toHaveLength(2);
    expect(clientValidationCache.size).toBe(0);
  });

  it(`holds at most ${CLIENT_CACHE_SIZE} results`, () => {
    for (let i = 0; i < CLIENT_CACHE_SIZE + 50; i++) cachedClientValidate('txid', `v${i}`);
    expect(clientValidationCache.size).toBe(CLIENT_CACHE_SIZE);
  });
});

describe('validateLines', () => {
  it('counts valid and invalid lines and keeps their line numbers', () => {
    const report = validateLines('address', 'ok1\n\nbad\n ok2 ');
    expect(report.valid).toBe(2);
    expect(report.invalid).toBe(1);
    expect(report.rows.map((r) => [r.line, r.value, r.result.valid])).toEqual([
      [1, 'ok1', true],
      [3, 'bad', false],
      [4, 'ok2', true],
    ]);
  });

  it('reuses the previous results for unchanged lines and redoes them when the network changes', () => {
    const first = validateLines('password', 'one\ntwo'); // passwords skip the shared cache
    expect(calls).toHaveLength(2);
    validateLines('password', 'one\ntwo\nthree', undefined, first.memo);
    expect(calls).toHaveLength(3);
    validateLines('password', 'one\ntwo', { network: 'signet' }, first.memo);
    expect(calls).toHaveLength(5);
  });

  it('parses amount lines as numbers', () => {
    validateLines('amount', '42\nabc');
    expect(calls.map((c) => c.value)).toEqual([42, Number.NaN]);
  });
});
