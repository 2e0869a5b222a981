/** Pub/sub invalidation between two instances sharing one redis-server (SPEC: L1 copies dropped via pub/sub). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TieredCache, type InvalidationEvent } from '../../../src/cache/index.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { nextInvalidation, uniqueName } from '../../helpers/cache.js';

let redis: RedisServerHandle;
let a: TieredCache;
let b: TieredCache;

beforeAll(async () => {
  redis = await startRedis();
  // Same configured instance id on purpose: each object still has its own identity on the bus.
  a = new TieredCache({ redisUrl: redis.url, instanceId: 'app', l2TimeoutMs: 2000 });
  b = new TieredCache({ redisUrl: redis.url, instanceId: 'app', l2TimeoutMs: 2000 });
  await Promise.all([a.ready(), b.ready()]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

const opts = { policy: 'l1+l2' as const, l1Max: 100, ttlMs: 60_000 };

async function shared(name: string) {
  const na = a.namespace<string>(name, opts);
  const nb = b.namespace<string>(name, opts);
  await na.set('k', 'v1');
  expect(await nb.get('k')).toBe('v1');
  expect(nb.peek('k')).toBe('v1');
  return { na, nb };
}

describe('invalidation between instances', () => {
  it('invalidate on A drops the L1 copy on B, and B reads the new value', async () => {
    const name = uniqueName('inv');
    const { na, nb } = await shared(name);
    const heard = nextInvalidation(b, (e) => e.ns === name);
    await na.invalidate('k');
    expect(await heard).toEqual<InvalidationEvent>({ from: a.instanceId, ns: name, keys: ['k'] });
    expect(nb.peek('k')).toBeUndefined();
    await na.set('k', 'v2');
    expect(await nb.get('k')).toBe('v2');
  });

  it('clear on A empties the namespace on B', async () => {
    const name = uniqueName('clear');
    const { na, nb } = await shared(name);
    const heard = nextInvalidation(b, (e) => e.ns === name);
    await na.clear();
    expect(await heard).toMatchObject({ ns: name, all: true });
    expect(nb.stats().l1.size).toBe(0);
    expect(await nb.get('k')).toBeUndefined();
  });

  it('an instance ignores its own messages', async () => {
    const name = uniqueName('own');
    const { na } = await shared(name);
    const own: InvalidationEvent[] = [];
    const listener = (e: InvalidationEvent) => own.push(e);
    a.on('invalidated', listener);
    const heardByB = nextInvalidation(b, (e) => e.ns === name);
    await na.invalidate('k');
    await heardByB;
    // B got the message, so A's subscriber (same server, same channel) has had it too by the next round trip.
    await a.namespace<string>(name, opts).get('sync');
    a.off('invalidated', listener);
    expect(own).toEqual([]);
  });

  it('set is a pure fill: it publishes nothing', async () => {
    const name = uniqueName('fill');
    const { na, nb } = await shared(name);
    const seen: InvalidationEvent[] = [];
    const listener = (e: InvalidationEvent) => seen.push(e);
    b.on('invalidated', listener);
    await na.set('k', 'v2');
    // A later invalidation of another key arrives, so anything published before it would have too.
    const marker = nextInvalidation(b, (e) => e.ns === name && e.keys?.[0] === 'marker');
    await na.invalidate('marker');
    await marker;
    b.off('invalidated', listener);
    expect(seen.map((e) => e.keys)).toEqual([['marker']]);
    expect(nb.peek('k')).toBe('v1');
  });
});
