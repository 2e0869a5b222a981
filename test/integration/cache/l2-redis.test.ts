/** What L2 adds over L1, checked against a real redis-server: sharing, MGET, key layout, TTLs. */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TieredCache } from '../../../src/cache/index.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { allKeys, inspector, uniqueName, waitFor } from '../../helpers/cache.js';

let redis: RedisServerHandle;
let a: TieredCache;
let b: TieredCache;
let raw: Redis;

beforeAll(async () => {
  redis = await startRedis();
  a = new TieredCache({ redisUrl: redis.url, instanceId: 'a', l2TimeoutMs: 2000 });
  b = new TieredCache({ redisUrl: redis.url, instanceId: 'b', l2TimeoutMs: 2000 });
  await Promise.all([a.ready(), b.ready()]);
  raw = await inspector(redis.url);
});
afterAll(async () => {
  raw?.disconnect();
  await a?.close();
  await b?.close();
  await redis?.stop();
});

const opts = { policy: 'l1+l2' as const, l1Max: 100, ttlMs: 60_000 };

describe('L2 (Redis)', () => {
  it('an L1 miss is answered by L2 and fills L1: second lookup is an L1 hit', async () => {
    const name = uniqueName('layers');
    await a.namespace<string>(name, opts).set('k', 'v');
    const nb = b.namespace<string>(name, opts);
    expect(nb.peek('k')).toBeUndefined();
    expect(await nb.get('k')).toBe('v');
    expect(nb.peek('k')).toBe('v');
    const s = nb.stats();
    expect(s.l1).toMatchObject({ hits: 1, misses: 2 });
    expect(s.l2).toMatchObject({ hits: 1, misses: 0, errors: 0, state: 'closed' });
    expect(s.hitRate).toBeCloseTo(2 / 3);
  });

  it('a miss in both layers counts an L1 and an L2 miss', async () => {
    const n = a.namespace<string>(uniqueName('miss'), opts);
    expect(await n.get('absent')).toBeUndefined();
    expect(n.stats().l1.misses).toBe(1);
    expect(n.stats().l2.misses).toBe(1);
  });

  it('getMany asks L2 once (MGET) for all the L1 misses', async () => {
    const name = uniqueName('mget');
    const entries = Array.from({ length: 50 }, (_, i) => [`k${i}`, i] as [string, number]);
    await a.namespace<number>(name, opts).setMany(entries);
    const nb = b.namespace<number>(name, opts);
    await nb.set('k0', 0);
    const before = Number((await raw.info('commandstats')).match(/cmdstat_mget:calls=(\d+)/)?.[1] ?? 0);
    const got = await nb.getMany([...entries.map(([k]) => k), 'missing']);
    const after = Number((await raw.info('commandstats')).match(/cmdstat_mget:calls=(\d+)/)?.[1] ?? 0);
    expect(got).toEqual([...entries.map(([, v]) => v), undefined]);
    expect(after - before).toBe(1);
    expect(nb.stats().l2).toMatchObject({ hits: 49, misses: 1 });
    expect(nb.stats().l1.size).toBe(50);
  });

  it("policy 'l1' never touches Redis", async () => {
    const name = uniqueName('local');
    const n = a.namespace<string>(name, { ...opts, policy: 'l1' });
    await n.set('k', 'v');
    await n.getOrCompute('c', () => 'computed');
    await n.invalidate('k');
    expect(await allKeys(raw, `satchel:v1:${name}:*`)).toEqual([]);
    expect(n.stats().l2).toMatchObject({ hits: 0, misses: 0, errors: 0, state: 'disabled' });
  });

  it('keys are prefix:vVERSION:ns:key, hashed when long or unprintable; values are JSON', async () => {
    const name = uniqueName('layout');
    const n = a.namespace<object>(name, { ...opts, version: 3 });
    const long = 'y'.repeat(65);
    await n.setMany([['short-key', { a: 1 }], [long, { b: 2 }], ['tab\there', { c: 3 }]]);
    const keys = (await allKeys(raw, `satchel:v3:${name}:*`)).sort();
    expect(keys).toHaveLength(3);
    expect(keys).toContain(`satchel:v3:${name}:short-key`);
    expect(keys.filter((k) => /:#[A-Za-z0-9_-]{27}$/.test(k))).toHaveLength(2);
    expect(JSON.parse((await raw.get(`satchel:v3:${name}:short-key`)) ?? 'null')).toEqual({ a: 1 });
  });

  it('a new version does not read the values of the old one', async () => {
    const name = uniqueName('version');
    await a.namespace<string>(name, opts).set('k', 'old');
    const nb = b.namespace<string>(name, opts);
    nb.configure({ version: 2 });
    expect(await nb.get('k')).toBeUndefined();
  });

  it('every key written carries a TTL (Redis runs with noeviction)', async () => {
    const name = uniqueName('ttl');
    const n = a.namespace<number>(name, { ...opts, l2TtlMs: 120_000 });
    await n.set('one', 1);
    await n.setMany([['two', 2], ['three', 3]]);
    await n.getOrCompute('four', () => 4);
    const keys = await allKeys(raw);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const key of keys) {
      const pttl = await raw.pttl(key);
      expect(pttl, key).toBeGreaterThan(0);
    }
    expect(await raw.pttl(`satchel:v1:${name}:one`)).toBeGreaterThan(60_000);
  });

  it('L2 entries expire after l2TtlMs', async () => {
    const name = uniqueName('l2ttl');
    await a.namespace<number>(name, { ...opts, l2TtlMs: 50 }).set('k', 1);
    const nb = b.namespace<number>(name, opts);
    await waitFor(async () => (await raw.exists(`satchel:v1:${name}:k`)) === 0, 3000, 'the L2 key to expire');
    expect(await nb.get('k')).toBeUndefined();
  });

  it('clear removes the namespace from Redis (SCAN + UNLINK) and leaves others', async () => {
    const name = uniqueName('clear');
    const other = uniqueName('clear-other');
    const n = a.namespace<number>(name, opts);
    await n.setMany(Array.from({ length: 1500 }, (_, i) => [`k${i}`, i] as [string, number]));
    await a.namespace<number>(other, opts).set('k', 1);
    await n.clear();
    expect(await allKeys(raw, `satchel:v1:${name}:*`)).toEqual([]);
    expect(await allKeys(raw, `satchel:v1:${other}:*`)).toHaveLength(1);
    expect(n.stats().l2.errors).toBe(0);
  });

  it('getOrCompute on one instance is an L2 hit on the other', async () => {
    const name = uniqueName('share');
    let computed = 0;
    await a.namespace<number>(name, opts).getOrCompute('k', () => ++computed);
    expect(await b.namespace<number>(name, opts).getOrCompute('k', () => ++computed)).toBe(1);
    expect(computed).toBe(1);
  });
});
