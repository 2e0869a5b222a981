/**
 * Login throttling shared by every instance through Redis (SPEC: "with Redis down, login throttling …
 * falls back to the database: fail closed, never open"). Each counter is one key, incremented and given
 * its window as TTL in one Lua script (atomic; every key expires). Failures are also written to the
 * database, so when Redis is unreachable the database counts carry on from where they were; when
 * both are unreachable the error propagates and the sign-in is refused.
 */
import { Redis } from 'ioredis';
import type { LoginThrottle, ThrottleKeys, ThrottleVerdict } from '../../domain/accounts/ports.js';
import type { ThrottlePolicy } from '../../domain/accounts/policy.js';
import { throttleRowKeys, verdictOf } from '../db/login-throttle.js';

// KEYS: counters; ARGV[1]: window in ms. Returns count, remaining ms for each key.
const RECORD = `
local out = {}
for i = 1, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  out[#out + 1] = n
  out[#out + 1] = ttl
end
return out`;

const READ = `
local out = {}
for i = 1, #KEYS do
  out[#out + 1] = tonumber(redis.call('GET', KEYS[i]) or '0')
  out[#out + 1] = redis.call('PTTL', KEYS[i])
end
return out`;

export const THROTTLE_KEY_PREFIX = 'satchel:login-fail:';

/**
 * A connection for limits: no offline queue and a short command timeout, so a Redis that is down or
 * hung answers with an error at once (and the database takes over) instead of holding the sign-in.
 */
export function connectLimitsRedis(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 2_000,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

export interface RedisLoginThrottleOptions {
  policy: ThrottlePolicy;
  prefix?: string;
  /** Called when Redis fails and the database answered instead. */
  onFallback?: (error: unknown) => void;
}

export class RedisLoginThrottle implements LoginThrottle {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly database: LoginThrottle,
    private readonly options: RedisLoginThrottleOptions,
  ) {
    this.prefix = options.prefix ?? THROTTLE_KEY_PREFIX;
  }

  private keysOf(keys: ThrottleKeys): [string, string] {
    const rows = throttleRowKeys(keys);
    return [`${this.prefix}${rows.account}`, `${this.prefix}${rows.client}`];
  }

  private verdict(reply: unknown): ThrottleVerdict {
    const [accountCount, accountMs, clientCount, clientMs] = (reply as Array<number | string>).map(Number);
    return verdictOf([
      { count: accountCount ?? 0, limit: this.options.policy.accountLimit, remainingMs: accountMs ?? 0 },
      { count: clientCount ?? 0, limit: this.options.policy.clientLimit, remainingMs: clientMs ?? 0 },
    ]);
  }

  private async viaRedis<T>(work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    if (this.redis.status !== 'ready') return { ok: false };
    try {
      return { ok: true, value: await work() };
    } catch (error) {
      this.options.onFallback?.(error);
      return { ok: false };
    }
  }

  /**
   * The stricter of Redis and the database: a Redis that came back empty (restart without persistence,
   * failover) has forgotten lock-outs the database still holds, and must not reopen them.
   */
  async check(keys: ThrottleKeys): Promise<ThrottleVerdict> {
    const [fromRedis, fromDatabase] = await Promise.all([
      this.viaRedis(async () => this.verdict(await this.redis.eval(READ, 2, ...this.keysOf(keys)))),
      this.database.check(keys),
    ]);
    if (!fromRedis.ok) return fromDatabase;
    return fromRedis.value.retryAfterS >= fromDatabase.retryAfterS ? fromRedis.value : fromDatabase;
  }

  async recordFailure(keys: ThrottleKeys): Promise<ThrottleVerdict> {
    const [fromRedis, fromDatabase] = await Promise.all([
      this.viaRedis(async () =>
        this.verdict(await this.redis.eval(RECORD, 2, ...this.keysOf(keys), String(this.options.policy.windowMs))),
      ),
      this.database.recordFailure(keys),
    ]);
    if (!fromRedis.ok) return fromDatabase;
    const strictest = fromRedis.value.retryAfterS >= fromDatabase.retryAfterS ? fromRedis.value : fromDatabase;
    return strictest;
  }

  async recordSuccess(keys: ThrottleKeys): Promise<void> {
    await Promise.all([this.viaRedis(() => this.redis.del(this.keysOf(keys)[0])), this.database.recordSuccess(keys)]);
  }
}
