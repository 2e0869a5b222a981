/** Transaction ids: 64 hex characters, either case; normalized to lower case (as explorers show them). */
import { hexValue } from './bytes.js';
import { checkString, invalid, neverThrows, valid } from './result.js';
import type { Validator } from './types.js';

const C = 'txid';
export const TXID_LENGTH = 64;

export const validateTxid: Validator = neverThrows(C, (value) => {
  const str = checkString(value, C, TXID_LENGTH);
  if (typeof str !== 'string') return invalid(str);
  for (let i = 0; i < str.length; i++) {
    if (hexValue(str.charCodeAt(i)) < 0) return invalid('invalid_characters', C, `character ${i + 1} is not hexadecimal`);
  }
  if (str.length !== TXID_LENGTH) return invalid('invalid_length', C, `is ${str.length} hex characters, expected ${TXID_LENGTH}`);
  return valid(str.toLowerCase());
});
