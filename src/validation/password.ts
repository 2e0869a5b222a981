/**
 * Passwords (SPEC: Accounts; NIST SP 800-63B style): 12–128 Unicode code points, not a common password,
 * not the username, no composition rules. Spaces and any printable Unicode are allowed; control
 * characters and unpaired surrogates are not (they do not survive UTF-8 hashing intact). The password
 * never appears in a result: no `normalized`, no `details`, and messages that do not quote it.
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import { describeType, invalid, neverThrows, valid } from './result.js';
import type { Validator } from './types.js';

const C = 'password';
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

let common: ReadonlySet<string> | undefined;

/** The zxcvbn-ts common-password list, built on first use rather than at import time. */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
}

export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.toLowerCase());
}

export const validatePassword: Validator = neverThrows(C, (value, options) => {
  if (typeof value !== 'string') return invalid('wrong_type', C, `expected a string, got ${describeType(value)}`);
  if (value.length === 0) return invalid('empty', C, 'is empty');
  // A code point takes at most two UTF-16 units: past this, it is too long whatever it holds.
  if (value.length > 2 * PASSWORD_MAX_LENGTH) return invalid('too_long', C, `must be at most ${PASSWORD_MAX_LENGTH} characters`);
  let codePoints = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x20 || (unit >= 0x7f && unit < 0xa0)) return invalid('invalid_characters', C, 'contains a control character');
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return invalid('invalid_characters', C, 'contains an unpaired surrogate');
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return invalid('invalid_characters', C, 'contains an unpaired surrogate');
    }
    codePoints++;
  }
  if (codePoints < PASSWORD_MIN_LENGTH) return invalid('too_short', C, `must be at least ${PASSWORD_MIN_LENGTH} characters`);
  if (codePoints > PASSWORD_MAX_LENGTH) return invalid('too_long', C, `must be at most ${PASSWORD_MAX_LENGTH} characters`);
  const username = options?.username;
  if (typeof username === 'string' && username.length > 0 && value.toLowerCase() === username.toLowerCase()) {
    return invalid('same_as_username', C, 'must not be the same as the username');
  }
  if (isCommonPassword(value)) return invalid('common_password', C, 'is too common; choose one that is not on lists of leaked passwords');
  return valid();
});
