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
      for (let i = 0; i < 128; i++) await validator.validate('txid', value);
      txid.beginRun!();
      const measured = txid.hitUs!();
      expect(measured).toBeGreaterThan(0);
      txid.setPolicy('l1+l2');
      for (let i = 0; i < 64; i++) await validator.validate('txid', value);
      // A new run (validationTargets is called anew each run) still offers what was measured under l1.
      const next = validationTargets(cache, validator).find((t) => t.name === 'validate:txid')!;
      next.beginRun!();
      expect(next.hitUs!()).toBe(measured);
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

/** Distinct valid txids (hex of a counter, padded). */
const txid = (i: number) => i.toString(16).padStart(64, '0');

describe('cache optimizer: windows, reuse tracking, TTLs, warming', () => {
  it('flips l1 → off within two intervals when a high-reuse workload turns into no reuse (real validator)', async () => {
    const cache = new TieredCache({});
    const validator = new CachedValidator(cache, { xpub: 'l1' });
    const XPUB = 'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8';
    // xpub-shaped values with a bad checksum: a base58 decode per compute, many times an L1 hit.
    const value = (i: number) => `${XPUB.slice(0, -7)}${i.toString(36).padStart(7, 'a')}`;
    try {
      // Margin 0: without reuse, off saves the two L1 touches of every miss, whatever the timings say.
      const optimizer = new CacheOptimizer(() => validationTargets(cache, validator), probes(), { minLookups: 200, margin: 0 });
      for (let run = 0; run < 3; run++) {
        for (let i = 0; i < 2000; i++) await validator.validate('xpub', value(i % 20)); // 99 % reuse
        await optimizer.run();
      }
      expect(validator.policy('xpub')).toBe('l1');
      let runs = 0;
      for (let unique = 1_000_000; validator.policy('xpub') === 'l1' && runs < 2; runs++) {
        for (let i = 0; i < 2000; i++) await validator.validate('xpub', value(unique++)); // no reuse
        await optimizer.run();
      }
      expect(validator.policy('xpub')).toBe('off');
      expect(runs).toBeLessThanOrEqual(2);
      expect(optimizer.history().find((d) => d.action === 'policy')).toMatchObject({ target: 'validate:xpub', from: 'l1', to: 'off', reason: expect.stringMatching(/reuse 0 %/) });
    } finally {
      await cache.close();
    }
  });

  it('switches an off target back to l1 when its sampled keys show reuse and computing costs enough', async () => {
    const cache = new TieredCache({});
    const validator = new CachedValidator(cache, { xpub: 'off' });
    const XPUB = 'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8';
    try {
      // No Redis: l1+l2 costs what l1 costs, so l1 (the current-cheaper-by-margin rule) is chosen.
      const optimizer = new CacheOptimizer(() => validationTargets(cache, validator), { l2RoundTripUs: async () => undefined, heapPressure: () => 0.3 }, { minLookups: 100, exploreAfterRuns: 1000 });
      const ns = cache.namespaces().find((n) => n.name === 'validate:xpub')!;
      // 1,000 distinct xpub-shaped values (cheap invalid checksums) would not reuse; the same few do.
      const values = Array.from({ length: 200 }, (_, i) => `${XPUB.slice(0, -6)}${i.toString(36).padStart(6, 'a')}`);
      for (let round = 0; round < 10; round++) for (const value of values) await validator.validate('xpub', value);
      expect(ns.reuse().sampledLookups).toBeGreaterThan(50);
      expect(ns.reuse().sampledHits / ns.reuse().sampledLookups).toBeGreaterThan(0.8);
      expect(ns.stats().l1.hits + ns.stats().l1.misses).toBe(0); // off: no lookups counted, nothing cached
      await optimizer.run();
      expect(validator.policy('xpub')).toBe('l1');
      expect(optimizer.history().find((d) => d.action === 'policy')).toMatchObject({ action: 'policy', from: 'off', to: 'l1', reason: expect.stringMatching(/reuse (8|9)\d %/) });
    } finally {
      await cache.close();
    }
  });

  it('sets the TTL from the high percentile of reuse gaps, within the floor and the owner’s TTL', async () => {
    const t = { ...simTarget('validate:descriptor', 300, 'l1'), ttlMs: 3_600_000 };
    const buckets = new Array<number>(31).fill(0);
    const target: OptimizerTarget = {
      ...t,
      counters: () => ({ ...t.counters(), reuseIntervals: [...buckets] }),
      ttl: { ceiling: 3_600_000, current: () => t.ttlMs, set: (ms) => void (t.ttlMs = ms) },
    };
    const optimizer = new CacheOptimizer(() => [target], probes(), { minReuseSamples: 50, minTtlMs: 60_000 });
    // 95 % of gaps under 2^17 ms (~131 s), the rest under 2^18: p95 → 131 s → 256 s (power of two seconds).
    buckets[17] = 950;
    buckets[18] = 50;
    await optimizer.run();
    expect(t.ttlMs).toBe(256_000);
    expect(optimizer.history()[0]).toMatchObject({ action: 'ttl', from: '3600000', to: '256000', reason: expect.stringMatching(/95th percentile of 1000 sampled reuse gaps/) });
    // Short gaps: never below the floor.
    buckets[5] = 100_000;
    await optimizer.run();
    expect(t.ttlMs).toBe(60_000);
    // Long gaps: never above the owner's TTL.
    buckets[29] = 10_000_000;
    await optimizer.run();
    expect(t.ttlMs).toBe(3_600_000);
  });

  it('sets a real namespace’s L1 TTL from observed reuse and leaves Redis’s TTL as the owner set it', async () => {
    const cache = new TieredCache({});
    const validator = new CachedValidator(cache, { txid: 'l1' });
    try {
      // A margin of 99 %: the policy stays l1 whatever this busy machine makes the timings say.
      const optimizer = new CacheOptimizer(() => validationTargets(cache, validator), probes(), { minReuseSamples: 20, margin: 0.99 });
      for (let i = 0; i < 20_000; i++) await validator.validate('txid', txid(i % 500)); // gaps of milliseconds
      await optimizer.run();
      const ns = cache.namespaces().find((n) => n.name === 'validate:txid')!;
      expect(ns.options.ttlMs).toBe(60_000);
      expect(ns.options.l2TtlMs).toBe(3_600_000);
      expect(optimizer.history().find((d) => d.action === 'ttl')).toMatchObject({ target: 'validate:txid', from: '3600000', to: '60000' });
    } finally {
      await cache.close();
    }
  });

  it('logs each namespace warmed at start as a decision, and saves hot keys on shutdown', async () => {
    const saved: string[] = [];
    const optimizer = new CacheOptimizer(() => [], {
      ...probes(),
      warm: async () => [{ namespace: 'validate:xpub', listed: 1000, loaded: 812, ms: 12.3 }],
      saveHotKeys: async () => (saved.push('saved'), ['validate:xpub']),
    });
    const decisions = await optimizer.warmUp();
    expect(decisions).toEqual([expect.objectContaining({ target: 'validate:xpub', action: 'warm', to: '812', reason: expect.stringMatching(/^warmed 812 keys into L1 from Redis \(of the 1000 hottest/) })]);
    await optimizer.shutdown();
    expect(saved).toEqual(['saved']);
    optimizer.configure({ enabled: false });
    expect(await optimizer.warmUp()).toEqual([]);
  });
});
