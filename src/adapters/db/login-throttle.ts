/**
 * Login throttling counted in the database (login_failures): shared by every instance on one
 * PostgreSQL, and the fallback when Redis is absent or down. A fixed window per key that starts at its
 * first failure (the repository's atomic upsert does the counting). Errors propagate: the caller must
 * refuse the sign-in when counts cannot be read (fail closed).
 */
import type { Kysely } from 'kysely';
import type { LoginThrottle, ThrottleKeys, ThrottleVerdict } from '../../domain/accounts/ports.js';
import type { ThrottlePolicy } from '../../domain/accounts/policy.js';
import { clearLoginFailures, getLoginFailure, purgeLoginFailures, recordLoginFailure } from './repositories/login-failures.js';
import type { Schema } from './schema.js';

export function throttleRowKeys(keys: ThrottleKeys): { account: string; client: string } {
  return { account: `user:${keys.account}`, client: `ip:${keys.client}` };
}

/** Blocked when a counter reached its limit inside its window; Retry-After is the longest wait among those. */
export function verdictOf(
  counts: Array<{ count: number; limit: number; remainingMs: number }>,
): ThrottleVerdict {
  let retryAfterMs = 0;
  for (const { count, limit, remainingMs } of counts) {
    if (count >= limit && remainingMs > 0) retryAfterMs = Math.max(retryAfterMs, remainingMs);
  }
  return { blocked: retryAfterMs > 0, retryAfterS: Math.ceil(retryAfterMs / 1000) };
}

export class DatabaseLoginThrottle implements LoginThrottle {
  private lastPurge = 0;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async check(keys: ThrottleKeys): Promise<ThrottleVerdict> {
    const rowKeys = throttleRowKeys(keys);
    const now = this.now();
    const [account, client] = await Promise.all([getLoginFailure(this.db, rowKeys.account), getLoginFailure(this.db, rowKeys.client)]);
    const remaining = (windowStart: number | undefined) => (windowStart === undefined ? 0 : windowStart + this.policy.windowMs - now);
    return verdictOf([
      { count: account?.count ?? 0, limit: this.policy.accountLimit, remainingMs: remaining(account?.windowStart) },
      { count: client?.count ?? 0, limit: this.policy.clientLimit, remainingMs: remaining(client?.windowStart) },
    ]);
  }

  async recordFailure(keys: ThrottleKeys): Promise<ThrottleVerdict> {
    const rowKeys = throttleRowKeys(keys);
    const now = this.now();
    const { windowMs } = this.policy;
    const accountCount = await recordLoginFailure(this.db, rowKeys.account, now, windowMs);
    const clientCount = await recordLoginFailure(this.db, rowKeys.client, now, windowMs);
    await this.purgeNowAndThen(now);
    const [account, client] = await Promise.all([getLoginFailure(this.db, rowKeys.account), getLoginFailure(this.db, rowKeys.client)]);
    const remaining = (windowStart: number | undefined) => (windowStart === undefined ? 0 : windowStart + windowMs - now);
    return verdictOf([
      { count: accountCount, limit: this.policy.accountLimit, remainingMs: remaining(account?.windowStart) },
      { count: clientCount, limit: this.policy.clientLimit, remainingMs: remaining(client?.windowStart) },
    ]);
  }

  async recordSuccess(keys: ThrottleKeys): Promise<void> {
    await clearLoginFailures(this.db, throttleRowKeys(keys).account);
  }

  /** Old windows are dropped at most once a minute, by whichever instance counts a failure. */
  private async purgeNowAndThen(now: number): Promise<void> {
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    await purgeLoginFailures(this.db, now - this.policy.windowMs, now);
  }
}
