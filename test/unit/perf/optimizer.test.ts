/**
 * Optimizer decisions on synthetic workloads: targets with a known compute cost and a simulated cache
 * whose hits follow the workload's reuse, so each decision can be checked against the cost model.
 */
import { describe, expect, it } from 'vitest';
import type { CachePolicy } from '../../../src/cache/index.js';
import { TieredCache } from '../../../src/cache/index.js';
import { CachedValidator } from '../../../src/domain/validation/cached-validator.js';
import { CacheOptimizer, type OptimizerTarget } from '../../../src/perf/optimizer.js';
import { validationTargets } from '../../../src/perf/targets.js';

interface SimTarget extends OptimizerTarget {
  /** Simulates `n` lookups with the given share of L1 hits, evictions per miss and L2 hits per L1 miss. */
  traffic(n: number, hitRate: number, evictionsPerMiss?: number, l2HitShare?: number): void;
  state: { policy: CachePolicy; max: number; size: number };
}

function simTarget(name: string, computeUs: number, policy: CachePolicy, max = 10_000): SimTarget {
  const c = { lookups: 0, l1Hits: 0, l2Hits: 0, l2Misses: 0, evictions: 0 };
  const state = { policy, max, size: 0 };
  return {
    name,
    state,
    allowed: ['off', 'l1', 'l1+l2'],
    policy: () => state.policy,
    setPolicy: (p) => {
      state.policy = p;
    },
    computeUs: () => computeUs,
    counters: () => ({ ...c, size: state.size, max: state.max }),
    setL1Max: (m) => {
      state.max = m;
      state.size = Math.min(state.size, m);
    },
    bytesPerEntry: () => 1024,
    traffic(n, hitRate, evictionsPerMiss = 0, l2HitShare = 0.5) {
      if (state.policy === 'off') return;
      const hits = Math.round(n * hitRate);
      c.lookups += n;
      c.l1Hits += hits;
      c.evictions += Math.round((n - hits) * evictionsPerMiss);
      if (state.policy === 'l1+l2') {
        c.l2Hits += Math.round((n - hits) * l2HitShare);
        c.l2Misses += (n - hits) - Math.round((n - hits) * l2HitShare);
      }
      state.size = Math.min(state.max, state.size + (n - hits));
    },
  };
}

const redisUs = 150;
const probes = (pressure = 0.3) => ({ l2RoundTripUs: async () => redisUs, heapPressure: () => pressure });

describe('cache optimizer', () => {
  it('keeps a cheap check out of Redis (l1+l2 → l1)', async () => {
    const cheap = simTarget('validate:address', 2, 'l1+l2');
    const optimizer = new CacheOptimizer(() => [cheap], probes());
    cheap.traffic(10_000, 0.8);
    const decisions = await optimizer.run();
    expect(cheap.state.policy).toBe('l1');
    expect(decisions[0]).toMatchObject({ target: 'validate:address', action: 'policy', from: 'l1+l2', to: 'l1' });
    expect(decisions[0]!.reason).toMatch(/Redis round trip 150\.00 µs/);
  });

  it('shares an expensive check through Redis (l1 → l1+l2)', async () => {
    const expensive = simTarget('validate:xpub', 1500, 'l1');
    const optimizer = new CacheOptimizer(() => [expensive], probes());
    expensive.traffic(10_000, 0.3);
    await optimizer.run();
    expect(expensive.state.policy).toBe('l1+l2');
  });

  it('turns caching off when nothing is reused and the check is cheap', async () => {
    const unique = simTarget('validate:txid', 0.5, 'l1');
    const optimizer = new CacheOptimizer(() => [unique], probes());
    unique.traffic(10_000, 0);
    await optimizer.run();
    expect(unique.state.policy).toBe('off');
  });

  it('tries L1 again after a target has been off for a while', async () => {
    const t = simTarget('validate:txid', 0.5, 'off');
    const optimizer = new CacheOptimizer(() => [t], probes(), { exploreAfterRuns: 3 });
    await optimizer.run();
    await optimizer.run();
    expect(t.state.policy).toBe('off');
    const decisions = await optimizer.run();
    expect(t.state.policy).toBe('l1');
    expect(decisions[0]!.reason).toMatch(/re-measure/);
  });

  it('keeps an l1+l2 target on L2 while the Redis probe has no answer (bench/micro/optimizer)', async () => {
    // A momentary breaker-open used to make the current cost unknown, and l1 replaced l1+l2 "against n/a".
    const expensive = simTarget('validate:xpub', 300, 'l1+l2');
    const optimizer = new CacheOptimizer(() => [expensive], { l2RoundTripUs: async () => undefined, heapPressure: () => 0.3 });
    expensive.traffic(10_000, 0.7);
    expect(await optimizer.run()).toEqual([]);
    expect(expensive.state.policy).toBe('l1+l2');
  });

  it('does not move a target back onto L2 every other run when its try of L2 found nothing (bench/micro/optimizer)', async () => {
    const t = simTarget('validate:descriptor', 600, 'l1');
    const optimizer = new CacheOptimizer(() => [t], probes(), { exploreAfterRuns: 5 });
    t.traffic(10_000, 0.8);
    await optimizer.run();
    expect(t.state.policy).toBe('l1+l2'); // unknown L2 hit share: worth a try
    t.traffic(10_000, 0.8, 0, 0); // one instance, nothing evicted: Redis never has the missing key
    await optimizer.run();
    expect(t.state.policy).toBe('l1');
    for (let run = 1; run < 5; run++) {
      t.traffic(10_000, 0.8);
      await optimizer.run();
      expect(t.state.policy).toBe('l1');
    }
    // The 5th run (exploreAfterRuns) without L2 forgets what it saw: L2 is tried again.
    t.traffic(10_000, 0.8);
    await optimizer.run();
    expect(t.state.policy).toBe('l1+l2');
  });

  it('prices l1 and l1+l2 with the same measured L1 hit cost (bench/micro/optimizer)', async () => {
    // Offered only under 'l1', the measured cost priced l1 and the 0.3 µs default priced l1+l2 in turn.
    const cache = new TieredCache({});
    const validator = new CachedValidator(cache, { txid: 'l1' });
    try {
      const txid = validationTargets(cache, validator).find((t) => t.name === 'validate:txid')!;
      const value = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b';
      for (let i = 0; i < 64; i++) await validator.validate('txid', value);
      const measured = txid.hitUs!();
      expect(measured).toBeGreaterThan(0);
      txid.setPolicy('l1+l2');
      for (let i = 0; i < 64; i++) await validator.validate('txid', value);
      expect(txid.hitUs!()).toBe(measured);
    } finally {
      await cache.close();
    }
  });

  it('keeps the current policy inside the noise margin', async () => {
    // l1 and off cost about the same here: no flapping.
    const t = simTarget('validate:username', 1.0, 'l1');
    const optimizer = new CacheOptimizer(() => [t], probes(), { l1HitUs: 0.3 });
    t.traffic(10_000, 0.55);
    expect(await optimizer.run()).toEqual([]);
    expect(t.state.policy).toBe('l1');
  });

  it('grows a thrashing L1 inside the memory budget and no further', async () => {
    const t = simTarget('derive:range', 800, 'l1', 1000);
    // 1 KiB per entry, 4 MiB budget → at most 4,096 entries.
    const optimizer = new CacheOptimizer(() => [t], probes(), { memoryBudgetMb: 4, minL1Entries: 100 });
    for (let run = 0; run < 6; run++) {
      t.state.size = t.state.max;
      t.traffic(10_000, 0.4, 1);
      await optimizer.run();
    }
    expect(t.state.max).toBeGreaterThan(1000);
    expect(t.state.max * 1024).toBeLessThanOrEqual(4 * 2 ** 20);
    expect(optimizer.history().some((d) => d.action === 'grow')).toBe(true);
    expect(optimizer.history()[0]).toMatchObject({ action: 'keep' });
  });

  it('shrinks L1 under memory pressure', async () => {
    const t = simTarget('validate:xpub', 1500, 'l1+l2', 8000);
    const optimizer = new CacheOptimizer(() => [t], probes(0.95));
    t.traffic(1000, 0.9);
    await optimizer.run();
    expect(t.state.max).toBe(4000);
  });

  it('leaves every policy alone when switched off', async () => {
    const cheap = simTarget('a', 2, 'l1+l2');
    const optimizer = new CacheOptimizer(() => [cheap], probes(), { intervalMs: 1000 });
    optimizer.configure({ enabled: false });
    optimizer.start();
    cheap.traffic(10_000, 0.3);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    optimizer.stop();
    expect(cheap.state.policy).toBe('l1+l2');
    expect(optimizer.history()).toEqual([]);
  });

  it('never changes a target that allows one policy (password)', async () => {
    const t = { ...simTarget('validate:password', 100, 'off'), allowed: ['off'] as const };
    const optimizer = new CacheOptimizer(() => [t], probes(), { exploreAfterRuns: 1 });
    await optimizer.run();
    await optimizer.run();
    expect(t.policy()).toBe('off');
  });
});
