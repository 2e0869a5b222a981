/** The accounts' rules that are numbers or small pure functions: scopes by role, throttle windows, limits. */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Role, Scope } from './principal.js';

/** OWASP Authentication Cheat Sheet: lock out by account and by source, for a window, not forever. */
export interface ThrottlePolicy {
  accountLimit: number;
  clientLimit: number;
  windowMs: number;
}
export const LOGIN_THROTTLE_POLICY: ThrottlePolicy = Object.freeze({ accountLimit: 5, clientLimit: 20, windowMs: 15 * 60_000 });

export const MAX_BULK_USERS = 1_000;
export const MAX_TOKEN_NAME_LENGTH = 64;
/** last_used_at is written at most this often per token, so a busy token costs no write per request. */
export const TOKEN_TOUCH_INTERVAL_MS = 60_000;

export function scopesForRole(role: Role): Scope[] {
  return role === 'admin' ? ['read', 'write', 'admin'] : ['read', 'write'];
}

/** A token keeps only the scopes its owner's current role still allows (a demoted admin loses `admin`). */
export function effectiveScopes(tokenScopes: readonly Scope[], role: Role): Scope[] {
  const allowed = scopesForRole(role);
  return tokenScopes.filter((scope) => allowed.includes(scope));
}

/** Throttle counters name an account by a hash of its lower-cased name (any name, existing or not). */
export function accountThrottleKey(username: string): string {
  return createHash('sha256').update(username.toLowerCase()).digest('base64url').slice(0, 32);
}

/** IPv6 clients are counted per /64, the block one subscriber usually holds; IPv4 per address. */
export function clientThrottleKey(ip: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4mapped) return v4mapped[1]!;
  if (isIP(ip) !== 6) return ip.slice(0, 64);
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const full = [...headParts, ...Array.from({ length: Math.max(0, missing) }, () => '0'), ...tailParts];
  return `${full.slice(0, 4).map((part) => part.padStart(4, '0')).join(':')}::/64`;
}
