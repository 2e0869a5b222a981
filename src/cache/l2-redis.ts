/**
 * L2: the Redis driver, a thin facade over ioredis. It knows nothing about breakers or budgets (see
 * l2-guard.ts); it only fails fast: no offline queue, no per-request retries, reconnects by itself.
 */
import { Redis } from 'ioredis';

export interface L2Driver {
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  /** Every key gets a TTL: Redis runs with noeviction (SPEC: Run modes). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  setMany(entries: ReadonlyArray<readonly [key: string, value: string, ttlMs: number]>): Promise<void>;
  del(keys: string[]): Promise<void>;
  /** SCAN + UNLINK of every key matching a glob pattern; resolves to the number unlinked. */
  deleteMatching(pattern: string): Promise<number>;
  publish(channel: string, message: string): Promise<void>;
  ping(): Promise<void>;
}

export class L2NotConnectedError extends Error {
  constructor(status: string) {
    super(`Redis connection not ready (status ${status})`);
    this.name = 'L2NotConnectedError';
  }
}

export interface RedisClientOptions {
  connectionName: string;
  onError: (error: Error) => void;
}

/** Capped exponential backoff: 50 ms, 100 ms, … up to 1 s between reconnect attempts, forever. */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 10), 1000);
}

export function createRedisClient(url: string, options: RedisClientOptions): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelay,
    connectTimeout: 2000,
    connectionName: options.connectionName,
  });
  client.on('error', options.onError);
  return client;
}

export class RedisL2 implements L2Driver {
  constructor(readonly client: Redis) {}

  private ready(): void {
    // Fail before queueing anything: a command on a dead connection must cost nothing.
    if (this.client.status !== 'ready') throw new L2NotConnectedError(this.client.status);
  }

  async get(key: string): Promise<string | null> {
    this.ready();
    return this.client.get(key);
  }

  async mget(keys: string[]): Promise<(string | null)[]> {
    this.ready();
    if (keys.length === 0) return [];
    return this.client.mget(keys);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.ready();
    await this.client.set(key, value, 'PX', ttlMs);
  }

  async setMany(entries: ReadonlyArray<readonly [string, string, number]>): Promise<void> {
    this.ready();
    if (entries.length === 0) return;
    const pipeline = this.client.pipeline();
    for (const [key, value, ttlMs] of entries) pipeline.set(key, value, 'PX', ttlMs);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  async del(keys: string[]): Promise<void> {
    this.ready();
    if (keys.length > 0) await this.client.unlink(...keys);
  }

  async deleteMatching(pattern: string): Promise<number> {
    this.ready();
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await this.client.unlink(...keys);
    } while (cursor !== '0');
    return removed;
  }

  async publish(channel: string, message: string): Promise<void> {
    this.ready();
    await this.client.publish(channel, message);
  }

  async ping(): Promise<void> {
    this.ready();
    await this.client.ping();
  }
}
