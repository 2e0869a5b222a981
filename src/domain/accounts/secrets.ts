/**
 * Credentials handed to clients: 32 random bytes, base64url, with a prefix that says what they are
 * (so leaked ones are recognisable, e.g. by secret scanners). Only their SHA-256 is stored: the
 * secrets have 256 bits of entropy, so a fast hash suffices (no need for argon2 on every request).
 */
import { createHash, randomBytes } from 'node:crypto';

export const API_TOKEN_PREFIX = 'sat_';
export const LOGIN_TOKEN_PREFIX = 'sas_';

const BODY = /^[A-Za-z0-9_-]{43}$/;

export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export type CredentialKind = 'api-token' | 'login-token' | 'cookie';

/** Which kind of credential a bearer or cookie value looks like; null when it cannot be one of ours. */
export function credentialKind(value: string): CredentialKind | null {
  if (value.startsWith(API_TOKEN_PREFIX)) return BODY.test(value.slice(API_TOKEN_PREFIX.length)) ? 'api-token' : null;
  if (value.startsWith(LOGIN_TOKEN_PREFIX)) return BODY.test(value.slice(LOGIN_TOKEN_PREFIX.length)) ? 'login-token' : null;
  return BODY.test(value) ? 'cookie' : null;
}
