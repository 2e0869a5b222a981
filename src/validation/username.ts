/**
 * Usernames (SPEC: Accounts): 3–32 characters from [a-z0-9_.-], unique without regard to case, so upper
 * case is accepted and normalized to lower case. Anything else, look-alike Unicode letters included, is
 * refused rather than folded.
 */
import { checkString, invalid, neverThrows, valid } from './result.js';
import type { Validator } from './types.js';

const C = 'username';
export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 32;
const ALLOWED = /^[a-zA-Z0-9_.-]*$/;

export const validateUsername: Validator = neverThrows(C, (value) => {
  const str = checkString(value, C, USERNAME_MAX_LENGTH);
  if (typeof str !== 'string') return invalid(str);
  if (!ALLOWED.test(str)) return invalid('invalid_characters', C, 'may contain only letters a–z, digits, "_", "." and "-"');
  if (str.length < USERNAME_MIN_LENGTH) return invalid('too_short', C, `must be at least ${USERNAME_MIN_LENGTH} characters`);
  return valid(str.toLowerCase());
});
