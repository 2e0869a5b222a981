/**
 * The cache contract, one suite run against every configuration (STYLE: bentocache reuses one
 * contract suite for every driver). `setup` yields a cache and the policy the namespaces use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CachePolicy, TieredCache } from '../../../src/cache/index.js';
import { uniqueName, waitFor } from '../../helpers/cache.js';

export interface ContractTarget {
  cache: TieredCache;
  policy: CachePolicy;
  teardown(): Promise<void>;
}

export function cacheContract(label: string, setup: () => Promise<ContractTarget>): void {
  describe(`cache contract: ${label}`, () => {
    let target: ContractTarget;
    beforeAll(async () => {
      target = await setup();
    });
    afterAll(async () => {
      await target.teardown();
    });
    const ns = <V>(extra: { l1Max?: number; ttlMs?: number } = {}) =>
      target.cache.namespace<V>(uniqueName('contract'), { policy: target.policy, l1Max: extra.l1Max ?? 100, ttlMs: extra.ttlMs ?? 60_000 });

    it('returns undefined for a key never set, and the value once set', async () => {
      const c = ns<{ n: number }>();
      expect(await c.get('a')).toBeUndefined();
      await c.set('a', { n: 1 });
      expect(await c.get('a')).toEqual({ n: 1 });
      expect(c.peek('a')).toEqual({ n: 1 });
    });

    it('keeps falsy values (0, empty string, false, null) apart from a miss', async () => {
      const c = ns<unknown>();
      await c.setMany([['zero', 0], ['empty', ''], ['no', false], ['nil', null]]);
      expect(await c.getMany(['zero', 'empty', 'no', 'nil', 'none'])).toEqual([0, '', false, null, undefined]);
    });

    it('getMany answers in the order asked, hits and misses mixed', async () => {
      const c = ns<string>();
      await c.setMany([['k1', 'v1'], ['k3', 'v3']]);
      expect(await c.getMany(['k3', 'k2', 'k1', 'k3'])).toEqual(['v3', undefined, 'v1', 'v3']);
      expect(await c.getMany([])).toEqual([]);
    });

    it('peek counts hits and misses, and the hit rate follows', async () => {
      const c = ns<number>();
      await c.set('x', 1);
      c.peek('x');
      c.peek('y');
      const s = c.stats();
      expect(s.l1.hits).toBe(1);
      expect(s.l1.misses).toBe(1);
      expect(s.hitRate).toBe(0.5);
      expect(s.policy).toBe(target.policy);
      expect(s.l1).toMatchObject({ size: 1, max: 100, ttlMs: 60_000 });
    });

    it('invalidate drops one key or several', async () => {
      const c = ns<number>();
      await c.setMany([['a', 1], ['b', 2], ['c', 3]]);
      await c.invalidate('a');
      await c.invalidate(['b']);
      expect(await c.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, 3]);
    });

    it('clear drops the whole namespace and nothing else', async () => {
      const c = ns<number>();
      const other = ns<number>();
      await c.setMany([['a', 1], ['b', 2]]);
      await other.set('a', 9);
      await c.clear();
      expect(await c.getMany(['a', 'b'])).toEqual([undefined, undefined]);
      expect(await other.get('a')).toBe(9);
    });

    it('getOrCompute computes once, then answers from the cache', async () => {
      const c = ns<number>();
      let computed = 0;
      const compute = () => ++computed;
      expect(await c.getOrCompute('k', compute)).toBe(1);
      expect(await c.getOrCompute('k', compute)).toBe(1);
      expect(computed).toBe(1);
    });

    it('100 concurrent misses of one key run one compute (single-flight)', async () => {
      const c = ns<string>();
      let computed = 0;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const compute = async () => {
        computed++;
        await gate;
        return 'value';
      };
      const calls = Array.from({ length: 100 }, () => c.getOrCompute('hot', compute));
      release();
      expect(await Promise.all(calls)).toEqual(Array(100).fill('value'));
      expect(computed).toBe(1);
    });

    it('a failing compute rejects every waiter and caches nothing', async () => {
      const c = ns<number>();
      const boom = async () => {
        throw new Error('compute failed');
      };
      await expect(Promise.all([c.getOrCompute('k', boom), c.getOrCompute('k', boom)])).rejects.toThrow('compute failed');
      expect(await c.getOrCompute('k', () => 7)).toBe(7);
    });

    it('an invalidation while computing keeps the stale result out of the cache', async () => {
      const c = ns<string>();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const first = c.getOrCompute('k', async () => {
        await gate;
        return 'stale';
      });
      await c.invalidate('k');
      release();
      expect(await first).toBe('stale');
      expect(await c.get('k')).toBeUndefined();
    });

    it('entries expire after ttlMs', async () => {
      const c = ns<number>({ ttlMs: 40 });
      await c.set('short', 1);
      expect(await c.get('short')).toBe(1);
      await waitFor(async () => (await c.get('short')) === undefined, 3000, 'expiry');
    });

    it('L1 holds at most l1Max entries and counts evictions', async () => {
      const c = ns<number>({ l1Max: 3 });
      for (let i = 0; i < 5; i++) await c.set(`k${i}`, i);
      const s = c.stats();
      expect(s.l1.size).toBe(3);
      expect(s.l1.evictions).toBe(2);
      expect(c.peek('k4')).toBe(4);
      expect(c.peek('k0')).toBeUndefined();
    });

    it('configure resizes L1 at run time, keeping the most recent entries', async () => {
      const c = ns<number>({ l1Max: 10 });
      for (let i = 0; i < 6; i++) await c.set(`k${i}`, i);
      c.configure({ l1Max: 2, ttlMs: 30_000 });
      expect(c.options).toMatchObject({ l1Max: 2, ttlMs: 30_000, policy: target.policy });
      expect(c.stats().l1).toMatchObject({ size: 2, max: 2, ttlMs: 30_000 });
      expect(c.peek('k5')).toBe(5);
      expect(c.peek('k4')).toBe(4);
    });

    it("policy 'off' caches nothing and getOrCompute always computes", async () => {
      const c = ns<number>();
      await c.set('a', 1);
      c.configure({ policy: 'off' });
      expect(c.peek('a')).toBeUndefined();
      await c.set('b', 2);
      expect(await c.get('b')).toBeUndefined();
      expect(await c.getMany(['a', 'b'])).toEqual([undefined, undefined]);
      let computed = 0;
      await c.getOrCompute('c', () => ++computed);
      await c.getOrCompute('c', () => ++computed);
      expect(computed).toBe(2);
      expect(c.stats().l1.size).toBe(0);
    });

    it('the same name gives the same namespace; bad options are refused', () => {
      const name = uniqueName('same');
      const a = target.cache.namespace(name, { policy: target.policy, l1Max: 5, ttlMs: 1000 });
      expect(target.cache.namespace(name, { policy: 'off', l1Max: 1, ttlMs: 1 })).toBe(a);
      expect(target.cache.namespaces()).toContain(a);
      expect(() => target.cache.namespace(uniqueName('bad'), { policy: target.policy, l1Max: 0, ttlMs: 1000 })).toThrow(RangeError);
      expect(() => a.configure({ ttlMs: -1 })).toThrow(RangeError);
      expect(() => target.cache.namespace(`${name}:sub`, { policy: target.policy, l1Max: 5, ttlMs: 1000 })).toThrow(/overlaps/);
    });

    it('long and unprintable keys work like short ones', async () => {
      const c = ns<string>();
      const long = 'x'.repeat(5000);
      const odd = 'new\nline ünïcode #hash';
      await c.setMany([[long, 'long'], [odd, 'odd'], ['#literal', 'hash-looking']]);
      expect(await c.getMany([long, odd, '#literal'])).toEqual(['long', 'odd', 'hash-looking']);
    });
  });
}
