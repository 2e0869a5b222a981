/**
 * Redis failing under the cache: killed, restarted, full (noeviction + tiny maxmemory), stalled.
 * No call may reject, none may wait longer than the L2 budget, and L2 comes back by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TieredCache } from '../../../src/cache/index.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { inspector, l2Reaches, nextInvalidation, uniqueName } from '../../helpers/cache.js';

const TIMEOUT_MS = 50;
// Slack for a busy CI machine; the point is "bounded", not "fast".
const BOUND_MS = TIMEOUT_MS + 150;
const opts = { policy: 'l1+l2' as const, l1Max: 1000, ttlMs: 60_000 };

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await work();
  return { value, ms: performance.now() - t0 };
}

describe('Redis killed and restarted', () => {
  let redis: RedisServerHandle;
  let cache: TieredCache;
  let warnings: string[];

  beforeAll(async () => {
    redis = await startRedis();
    warnings = [];
    cache = new TieredCache({
      redisUrl: redis.url,
      // Generous: a dead connection fails at once, which is what this test bounds (BOUND_MS).
      l2TimeoutMs: 500,
      breakerCooldownMs: 200,
      logger: { warn: (_obj, msg) => warnings.push(msg ?? '') },
    });
    await cache.ready();
  });
  afterAll(async () => {
    await cache?.close();
    await redis?.stop();
  });

  it('keeps answering from L1 and compute while Redis is down, then uses L2 again once it is back', async () => {
    const ns = cache.namespace<number>(uniqueName('down'), opts);
    await ns.set('before', 1);
    expect(cache.l2State()).toBe('closed');

    await redis.kill();
    await l2Reaches(cache, 'open');
    expect(ns.stats().l2.state).toBe('open');

    // Every operation resolves, quickly, with L1 answers or computed values.
    const ops: Array<() => Promise<unknown>> = [
      () => ns.get('before'),
      () => ns.get('absent'),
      () => ns.getMany(['before', 'absent', 'other']),
      () => ns.set('during', 2),
      () => ns.setMany([['m1', 1], ['m2', 2]]),
      () => ns.getOrCompute('computed', () => 42),
      () => ns.invalidate('m1'),
      () => ns.clear(),
    ];
    for (const op of ops) {
      const { ms } = await timed(op);
      expect(ms).toBeLessThan(BOUND_MS);
    }
    await ns.set('during', 2);
    expect(await ns.get('during')).toBe(2);
    expect(await ns.getOrCompute('again', () => 7)).toBe(7);
    expect(cache.l2State()).toBe('open');
    expect(warnings.some((w) => /unavailable/.test(w))).toBe(true);

    await redis.restart();
    await l2Reaches(cache, 'closed');
    expect(ns.stats().l2.state).toBe('closed');
    // Fresh server: L2 is empty but used again (the set lands in Redis, another lookup path reads it).
    await ns.set('after', 3);
    const raw = await inspector(redis.url);
    try {
      expect(await raw.get(`satchel:v1:${ns.name}:after`)).toBe('3');
      expect(await raw.pttl(`satchel:v1:${ns.name}:after`)).toBeGreaterThan(0);
    } finally {
      raw.disconnect();
    }
  });
});

describe('Redis full (maxmemory reached, noeviction)', () => {
  let redis: RedisServerHandle;
  let cache: TieredCache;

  beforeAll(async () => {
    redis = await startRedis();
    cache = new TieredCache({ redisUrl: redis.url, l2TimeoutMs: 2000 });
    await cache.ready();
  });
  afterAll(async () => {
    await cache?.close();
    await redis?.stop();
  });

  it('counts L2 write errors, never throws, and keeps reading L2', async () => {
    const name = uniqueName('full');
    const ns = cache.namespace<string>(name, opts);
    await ns.set('stored', 'yes');
    const raw = await inspector(redis.url);
    try {
      await raw.config('SET', 'maxmemory', '1');
      await expect(ns.set('k', 'v')).resolves.toBeUndefined();
      await expect(ns.setMany([['a', 'a'], ['b', 'b']])).resolves.toBeUndefined();
      await expect(ns.getOrCompute('c', () => 'computed')).resolves.toBe('computed');
      expect(ns.stats().l2.errors).toBe(3);
      // Redis answered: the breaker stays closed and reads still come from L2.
      expect(cache.l2State()).toBe('closed');
      const other = cache.namespace<string>(name + '-reader', opts);
      expect(await other.get('x')).toBeUndefined();
      expect(other.stats().l2.misses).toBe(1);
      expect(await ns.get('k')).toBe('v');
    } finally {
      await raw.config('SET', 'maxmemory', '0');
      raw.disconnect();
    }
  });
});

describe('Redis stalled (CLIENT PAUSE)', () => {
  let redis: RedisServerHandle;
  let cache: TieredCache;

  beforeAll(async () => {
    redis = await startRedis();
    cache = new TieredCache({ redisUrl: redis.url, l2TimeoutMs: TIMEOUT_MS, breakerCooldownMs: 100 });
    await cache.ready();
  });
  afterAll(async () => {
    await cache?.close();
    await redis?.stop();
  });

  it('a stalled Redis adds at most the L2 budget, then the breaker skips it until it answers again', async () => {
    const ns = cache.namespace<number>(uniqueName('slow'), opts);
    const raw = await inspector(redis.url);
    // Paused clients (this one included) wait until the pause ends on its own.
    await raw.call('CLIENT', 'PAUSE', '600', 'ALL');
    raw.disconnect();

    const first = await timed(() => ns.get('k'));
    expect(first.value).toBeUndefined();
    expect(first.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(first.ms).toBeLessThan(BOUND_MS);
    expect(cache.l2State()).toBe('open');
    expect(ns.stats().l2.errors).toBe(1);

    // Open: no wait at all.
    const second = await timed(() => ns.getOrCompute('k', () => 5));
    expect(second.value).toBe(5);
    expect(second.ms).toBeLessThan(TIMEOUT_MS);

    await l2Reaches(cache, 'closed');
    await ns.set('k', 6);
    expect(ns.stats().l2.errors).toBe(1);
  });
});

describe('Redis unreachable from the start', () => {
  it('ready() resolves, L2 is reported open, and every call still answers', async () => {
    const redis = await startRedis();
    await redis.stop();
    const cache = new TieredCache({ redisUrl: redis.url, l2TimeoutMs: TIMEOUT_MS });
    try {
      await cache.ready();
      expect(cache.l2State()).toBe('open');
      const ns = cache.namespace<number>('startup', opts);
      expect(await ns.getOrCompute('k', () => 1)).toBe(1);
      expect(await ns.get('k')).toBe(1);
    } finally {
      await cache.close();
    }
  });
});

describe('invalidation across an outage', () => {
  let redis: RedisServerHandle;
  let a: TieredCache;
  let b: TieredCache;
  const resyncOf = (cache: TieredCache) => new Promise<void>((resolve) => cache.on('resync', resolve));

  beforeAll(async () => {
    redis = await startRedis();
    a = new TieredCache({ redisUrl: redis.url, l2TimeoutMs: TIMEOUT_MS, breakerCooldownMs: 100 });
    b = new TieredCache({ redisUrl: redis.url, l2TimeoutMs: TIMEOUT_MS, breakerCooldownMs: 100 });
    await Promise.all([a.ready(), b.ready()]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('an invalidation made while Redis stalls is replayed (L2 delete + message) once it answers', async () => {
    const name = uniqueName('replay');
    const na = a.namespace<string>(name, opts);
    const nb = b.namespace<string>(name, opts);
    await na.set('k', 'v1');
    expect(await nb.get('k')).toBe('v1');

    const raw = await inspector(redis.url);
    await raw.call('CLIENT', 'PAUSE', '400', 'ALL');
    await na.get('trip'); // times out: A's breaker opens
    expect(a.l2State()).toBe('open');
    const heard = nextInvalidation(b, (e) => e.ns === name);
    await na.invalidate('k'); // L2 skipped: remembered
    expect(na.peek('k')).toBeUndefined();

    await heard;
    expect(nb.peek('k')).toBeUndefined();
    expect(await raw.exists(`satchel:v1:${name}:k`)).toBe(0);
    raw.disconnect();
  });

  it('after Redis comes back the subscriber is back too; L1 copies that may have missed messages are dropped', async () => {
    const name = uniqueName('resub');
    const na = a.namespace<string>(name, opts);
    const nb = b.namespace<string>(name, opts);
    await na.set('k', 'v1');
    expect(await nb.get('k')).toBe('v1');

    const resynced = resyncOf(b);
    await redis.kill();
    await redis.restart();
    await resynced;
    expect(nb.peek('k')).toBeUndefined();
    await Promise.all([l2Reaches(a, 'closed'), l2Reaches(b, 'closed')]);

    await nb.set('k', 'v2');
    expect(nb.peek('k')).toBe('v2');
    const heard = nextInvalidation(b, (e) => e.ns === name);
    await na.invalidate('k');
    await heard;
    expect(nb.peek('k')).toBeUndefined();
  });
});
