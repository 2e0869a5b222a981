/**
 * The performance cluster store over Redis (src/perf/cluster.ts): per instance, its latest state as
 * one JSON string that expires STATE_TTL_MS after the last publication, and its history as two capped
 * lists (one-second points for 15 min, ten-second points for 24 h); a sorted set of instance ids by
 * last publication, pruned after 24 h. Every key carries a TTL (SPEC: Run modes, noeviction). Its own
 * connection, without an offline queue and with a short command timeout: while Redis is down a
 * publication fails at once instead of piling up.
 */
import { Redis } from 'ioredis';
import { SECONDS_KEPT, STATE_TTL_MS, TENS_KEPT, type HistoryBatch, type InstanceState, type PerfClusterStore } from '../../perf/cluster.js';
import type { HistoryPoint } from '../../perf/history.js';

const DAY_MS = 24 * 3600_000;
const SECONDS_TTL_MS = SECONDS_KEPT * 1000;

export interface RedisPerfClusterStoreOptions {
  /** Key prefix (default "satchel"); keys are `<prefix>:perf:…`. */
  prefix?: string;
  onError?: (error: unknown) => void;
  now?: () => number;
}

function parse<T>(raw: string | null | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export class RedisPerfClusterStore implements PerfClusterStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly now: () => number;

  constructor(url: string, options: RedisPerfClusterStoreOptions = {}) {
    this.prefix = `${options.prefix ?? 'satchel'}:perf`;
    this.now = options.now ?? Date.now;
    this.redis = new Redis(url, {
      connectionName: `${options.prefix ?? 'satchel'}-perf`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1_000,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    this.redis.on('error', (error) => options.onError?.(error));
  }

  private key(kind: 'state' | 'h1' | 'h10', instance: string): string {
    // Instance ids are free text (INSTANCE_ID): encoded, so no id can reach another's keys.
    return `${this.prefix}:${kind}:${encodeURIComponent(instance)}`;
  }

  private get instancesKey(): string {
    return `${this.prefix}:instances`;
  }

  async publish(state: InstanceState, history: HistoryBatch): Promise<void> {
    const now = this.now();
    const multi = this.redis.multi();
    multi.set(this.key('state', state.instance), JSON.stringify(state), 'PX', STATE_TTL_MS);
    multi.zadd(this.instancesKey, now, state.instance);
    multi.zremrangebyscore(this.instancesKey, '-inf', now - DAY_MS);
    multi.pexpire(this.instancesKey, DAY_MS);
    const lists: Array<[key: string, points: HistoryPoint[], kept: number, ttlMs: number]> = [
      [this.key('h1', state.instance), history.seconds, SECONDS_KEPT, SECONDS_TTL_MS],
      [this.key('h10', state.instance), history.tens, TENS_KEPT, DAY_MS],
    ];
    for (const [key, points, kept, ttlMs] of lists) {
      if (points.length === 0) continue;
      multi.rpush(key, ...points.map((p) => JSON.stringify(p)));
      multi.ltrim(key, -kept, -1);
      multi.pexpire(key, ttlMs);
    }
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async instances(): Promise<Array<{ instance: string; lastSeenAt: number }>> {
    const flat = await this.redis.zrangebyscore(this.instancesKey, this.now() - DAY_MS, '+inf', 'WITHSCORES');
    const out: Array<{ instance: string; lastSeenAt: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ instance: flat[i]!, lastSeenAt: Number(flat[i + 1]) });
    return out;
  }

  async state(instance: string): Promise<InstanceState | undefined> {
    return parse<InstanceState>(await this.redis.get(this.key('state', instance)));
  }

  async points(instance: string, resolutionS: 1 | 10): Promise<HistoryPoint[]> {
    const raw = await this.redis.lrange(this.key(resolutionS === 1 ? 'h1' : 'h10', instance), 0, -1);
    return raw.map((item) => parse<HistoryPoint>(item)).filter((p): p is HistoryPoint => p !== undefined);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
