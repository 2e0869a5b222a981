/**
 * Amounts in satoshis: a JSON number that is an integer from 1 to 2,100,000,000,000,000 (21 million
 * BTC). Types are never coerced (SPEC: HTTP API): "100", true and null are `wrong_type`.
 */
import { describeType, invalid, neverThrows, valid } from './result.js';
import type { Validator } from './types.js';

const C = 'amount';
export const MAX_SATS = 2_100_000_000_000_000;

export const validateAmount: Validator = neverThrows(C, (value) => {
  if (typeof value !== 'number') return invalid('wrong_type', C, `expected a number of sats, got ${describeType(value)}`);
  if (Number.isNaN(value)) return invalid('not_integer', C, 'is not a number (NaN)');
  if (!Number.isFinite(value)) return invalid('out_of_range', C, `must be between 1 and ${MAX_SATS} sats`);
  if (!Number.isInteger(value)) return invalid('not_integer', C, 'must be a whole number of sats');
  if (value < 1 || value > MAX_SATS) return invalid('out_of_range', C, `must be between 1 and ${MAX_SATS} sats`);
  return valid(String(value));
});
