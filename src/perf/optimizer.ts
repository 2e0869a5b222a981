/**
 * The cache auto-optimizer. Every interval, for each cached thing it can tune, it compares what a call
 * costs computed against what it costs served from L1 or from Redis, given the reuse it observes, and
 * sets the policy (`off`, `l1`, `l1+l2`); it grows L1 while the hit rate is low and evictions are high
 * (within the memory budget) and shrinks it under memory pressure. Every decision keeps its reason.
 *
 * Cost model per lookup (µs), with h1 the L1 hit rate (observed, or a ghost estimate while `off`) and
 * h2 the share of L1 misses Redis could answer:
 *   off:    C
 *   l1:     h1·L1 + (1−h1)·(L1 + C + L1)
 *   l1+l2:  h1·L1 + (1−h1)·(L1 + R + (1−h2)·(C + L1))      (the L2 write is pipelined, off the path)
 * A policy is only switched when it wins by more than the noise margin, so a cheap check never pays a
 * Redis round trip and a flapping workload does not flap the policy. Every figure is the last
 * interval's (costs: an average over the last intervals, see targets.ts), so a change of workload is
 * seen at the next run, not diluted by everything since start.
 *
 * TTLs follow reuse: the high percentile of the sampled gaps between two accesses of one key, rounded
 * up to a power of two seconds, clamped between `minTtlMs` and the TTL the namespace's owner gave
 * (an upper bound of staleness the optimizer never exceeds). At start it warms L1 from the hottest keys
 * the last instance saved in Redis, and it saves this instance's every `persistEveryMs`.
 */
import { intervalPercentileMs, type CachePolicy, type WarmResult } from '../cache/index.js';

export interface OptimizerTarget {
  name: string;
  /** Policies this target may take (password validation: only `off`). */
  allowed: readonly CachePolicy[];
  policy(): CachePolicy;
  setPolicy(policy: CachePolicy): void;
  /** Measured mean cost of computing one value, µs (undefined until sampled). */
  computeUs(): number | undefined;
  /** Measured mean cost of a cache hit, µs, when the target measures it (else settings.l1HitUs). */
  hitUs?(): number | undefined;
  /**
   * Lookups and L1 hits so far (cumulative), and the L1 max/size/evictions. `ghost*`: sampled lookups
   * and would-be hits of the reuse sketch (counted whatever the policy); `reuseIntervals`: its
   * cumulative counts of reuse gaps per power-of-two bucket (see cache/reuse-sketch.ts).
   */
  counters(): {
    lookups: number;
    l1Hits: number;
    l2Hits: number;
    l2Misses: number;
    evictions: number;
    size: number;
    max: number;
    ghostHits?: number;
    ghostLookups?: number;
    reuseIntervals?: readonly number[];
  };
  setL1Max(max: number): void;
  /** Rough bytes per L1 entry (key + value + overhead). */
  bytesPerEntry(): number;
  /** Called once at the start of every run, before anything is read (targets.ts closes its cost window). */
  beginRun?(): void;
  /** The L1 TTL, if the optimizer may set it; `ceiling` is the owner's TTL, never exceeded. */
  ttl?: { current(): number; ceiling: number; set(ms: number): void };
}

/** Things the optimizer does outside a target: Redis probe, heap, hot-key warming. */
export interface OptimizerProbes {
  l2RoundTripUs(): Promise<number | undefined>;
  heapPressure(): number;
  /** Loads the hot keys the last instance saved into L1 (TieredCache.warm). */
  warm?(budgetMs: number): Promise<WarmResult[]>;
  /** Saves this instance's hot keys (TieredCache.saveHotKeys). */
  saveHotKeys?(): Promise<string[]>;
}

export interface OptimizerSettings {
  enabled: boolean;
  intervalMs: number;
  /** A policy must be cheaper by this fraction to replace the current one. */
  margin: number;
  /** Lookups needed in an interval before a target is judged. */
  minLookups: number;
  /** Cost of an L1 hit, µs (measured at start, refreshed on demand). */
  l1HitUs: number;
  /** L1 memory budget for all targets, MB (CACHE_MEMORY_MB). */
  memoryBudgetMb: number;
  /** Grow L1 when the hit rate is below this and evictions are high. */
  growBelowHitRate: number;
  maxL1Entries: number;
  minL1Entries: number;
  /**
   * A target switched `off` is tried with `l1` again after this many runs, to re-measure its reuse —
   * only when it has no reuse sketch telling the would-be hit rate.
   */
  exploreAfterRuns: number;
  /** TTL = this percentile of the sampled reuse gaps (rounded up to a power of two seconds)… */
  ttlPercentile: number;
  /** …once that many gaps were seen (decayed by half each run), and never below this. */
  minReuseSamples: number;
  minTtlMs: number;
  /** How often the hot keys are saved for the next start (0: only at shutdown). */
  persistEveryMs: number;
  /** Time allowed for warming L1 at start, all namespaces together. */
  warmBudgetMs: number;
}

export interface Decision {
  at: string;
  target: string;
  action: 'policy' | 'grow' | 'shrink' | 'keep' | 'ttl' | 'warm';
  from?: string;
  to?: string;
  reason: string;
  /** Expected µs per lookup under each policy when decided. */
  expectedUs?: Partial<Record<CachePolicy, number>>;
}

interface Window {
  lookups: number;
  l1Hits: number;
  l2Hits: number;
  l2Misses: number;
  evictions: number;
  ghostHits: number;
  ghostLookups: number;
  reuseIntervals: readonly number[];
}

const EMPTY_WINDOW: Window = { lookups: 0, l1Hits: 0, l2Hits: 0, l2Misses: 0, evictions: 0, ghostHits: 0, ghostLookups: 0, reuseIntervals: [] };

const seconds = (ms: number) => (ms >= 3_600_000 && ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

export class CacheOptimizer {
  settings: OptimizerSettings;
  private readonly previous = new Map<string, Window>();
  private readonly decisions: Decision[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastRunAt: string | undefined;
  /** Runs since each target was last switched off (reuse cannot be observed while off). */
  private readonly offFor = new Map<string, number>();
  /**
   * The share of L1 misses Redis answered when a target last used L2, and the runs since. It stands in
   * for the 0.5 prior while the target is off L2, until exploreAfterRuns: otherwise a target whose
   * try of L2 found nothing (keys never evicted, one instance) was moved back onto L2 every other run.
   */
  private readonly seenH2 = new Map<string, { h2: number; runs: number }>();
  /** Reuse gaps per bucket, halved each run before the window's are added: recent reuse weighs most. */
  private readonly reuse = new Map<string, number[]>();
  private lastSavedAt = Date.now();

  constructor(
    private readonly targets: () => OptimizerTarget[],
    private readonly probes: OptimizerProbes,
    settings: Partial<OptimizerSettings> = {},
  ) {
    this.settings = {
      enabled: true,
      intervalMs: 10_000,
      margin: 0.1,
      minLookups: 200,
      l1HitUs: 0.3,
      memoryBudgetMb: 64,
      growBelowHitRate: 0.8,
      maxL1Entries: 1_000_000,
      minL1Entries: 1_000,
      exploreAfterRuns: 30,
      ttlPercentile: 0.95,
      minReuseSamples: 50,
      minTtlMs: 60_000,
      persistEveryMs: 60_000,
      warmBudgetMs: 2000,
      ...settings,
    };
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.settings.enabled) void this.run();
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops, then saves the hot keys one last time so the next instance starts warm. */
  async shutdown(): Promise<void> {
    this.stop();
    if (this.settings.enabled) await this.saveHotKeys(new Date(), true);
  }

  /**
   * Loads into L1 the hot keys the last instance saved (before the server listens, so the first
   * requests are L1 hits); each namespace warmed is logged as a decision. Bounded by warmBudgetMs.
   */
  async warmUp(now = new Date()): Promise<Decision[]> {
    if (!this.settings.enabled || !this.probes.warm) return [];
    const results = await this.probes.warm(this.settings.warmBudgetMs);
    return results.map((r) =>
      this.log({
        at: now.toISOString(),
        target: r.namespace,
        action: 'warm',
        to: String(r.loaded),
        reason: `warmed ${r.loaded} keys into L1 from Redis (of the ${r.listed} hottest the last instance saved) in ${r.ms.toFixed(0)} ms`,
      }),
    );
  }

  private async saveHotKeys(now: Date, force = false): Promise<void> {
    if (!this.probes.saveHotKeys) return;
    const every = this.settings.persistEveryMs;
    if (!force && (every <= 0 || now.getTime() - this.lastSavedAt < every)) return;
    this.lastSavedAt = now.getTime();
    await this.probes.saveHotKeys();
  }

  configure(patch: Partial<OptimizerSettings>): void {
    const restart = patch.intervalMs !== undefined && patch.intervalMs !== this.settings.intervalMs && this.timer;
    this.settings = { ...this.settings, ...patch };
    if (restart) {
      this.stop();
      this.start();
    }
  }

  view() {
    return {
      enabled: this.settings.enabled,
      settings: this.settings,
      lastRunAt: this.lastRunAt ?? null,
      policies: Object.fromEntries(this.targets().map((t) => [t.name, t.policy()])),
      decisions: this.decisions.slice(0, 50),
    };
  }

  history(): Decision[] {
    return [...this.decisions];
  }

  /** One optimisation pass; returns the decisions it took (also kept in the log). */
  async run(now = new Date()): Promise<Decision[]> {
    this.lastRunAt = now.toISOString();
    const l2Us = await this.probes.l2RoundTripUs();
    const pressure = this.probes.heapPressure();
    const taken: Decision[] = [];
    const targets = this.targets();
    const budgetBytes = this.settings.memoryBudgetMb * 2 ** 20;
    let usedBytes = targets.reduce((sum, t) => sum + t.counters().size * t.bytesPerEntry(), 0);

    for (const target of targets) {
      target.beginRun?.();
      const c = target.counters();
      const prev = this.previous.get(target.name) ?? EMPTY_WINDOW;
      const intervals = c.reuseIntervals ?? [];
      const w: Window = {
        lookups: c.lookups - prev.lookups,
        l1Hits: c.l1Hits - prev.l1Hits,
        l2Hits: c.l2Hits - prev.l2Hits,
        l2Misses: c.l2Misses - prev.l2Misses,
        evictions: c.evictions - prev.evictions,
        ghostHits: (c.ghostHits ?? 0) - prev.ghostHits,
        ghostLookups: (c.ghostLookups ?? 0) - prev.ghostLookups,
        reuseIntervals: intervals.map((n, b) => n - (prev.reuseIntervals[b] ?? 0)),
      };
      this.previous.set(target.name, {
        lookups: c.lookups,
        l1Hits: c.l1Hits,
        l2Hits: c.l2Hits,
        l2Misses: c.l2Misses,
        evictions: c.evictions,
        ghostHits: c.ghostHits ?? 0,
        ghostLookups: c.ghostLookups ?? 0,
        reuseIntervals: [...intervals],
      });
      const decision = this.decide(target, w, l2Us, now);
      if (decision) taken.push(decision);
      const ttl = this.decideTtl(target, w, now);
      if (ttl) taken.push(ttl);

      // Size: grow while misses come from evictions, within the budget; shrink under heap pressure.
      const current = target.policy();
      if (current === 'off') continue;
      const hitRate = w.lookups ? w.l1Hits / w.lookups : 1;
      const perEntry = target.bytesPerEntry();
      if (pressure > 0.85 && c.max > this.settings.minL1Entries) {
        const max = Math.max(this.settings.minL1Entries, Math.floor(c.max / 2));
        target.setL1Max(max);
        usedBytes -= Math.max(0, c.size - max) * perEntry;
        taken.push(this.log({ at: now.toISOString(), target: target.name, action: 'shrink', from: String(c.max), to: String(max), reason: `heap ${Math.round(pressure * 100)} % used: halving L1` }));
      } else if (
        w.lookups >= this.settings.minLookups &&
        hitRate < this.settings.growBelowHitRate &&
        w.evictions > 0.2 * (w.lookups - w.l1Hits) &&
        c.size >= c.max * 0.95
      ) {
        const room = Math.floor((budgetBytes - usedBytes) / perEntry);
        const max = Math.min(this.settings.maxL1Entries, c.max * 2, c.max + Math.max(0, room));
        if (max > c.max) {
          target.setL1Max(max);
          usedBytes += (max - c.max) * perEntry;
          taken.push(this.log({ at: now.toISOString(), target: target.name, action: 'grow', from: String(c.max), to: String(max), reason: `hit rate ${(hitRate * 100).toFixed(0)} % with ${w.evictions} evictions: doubling L1 within the ${this.settings.memoryBudgetMb} MB budget` }));
        } else {
          taken.push(this.log({ at: now.toISOString(), target: target.name, action: 'keep', reason: `would grow L1 but the ${this.settings.memoryBudgetMb} MB budget is used` }));
        }
      }
    }
    await this.saveHotKeys(now);
    return taken;
  }

  /**
   * TTL from reuse: the `ttlPercentile` of the recent reuse gaps, rounded up to a power of two seconds
   * (so small drifts change nothing), within [minTtlMs, the owner's TTL].
   */
  private decideTtl(target: OptimizerTarget, w: Window, now: Date): Decision | undefined {
    if (!target.ttl || w.reuseIntervals.length === 0) return undefined;
    const decayed = (this.reuse.get(target.name) ?? []).map((n) => n / 2);
    w.reuseIntervals.forEach((n, b) => (decayed[b] = (decayed[b] ?? 0) + n));
    this.reuse.set(target.name, decayed);
    const samples = decayed.reduce((sum, n) => sum + n, 0);
    if (samples < this.settings.minReuseSamples || target.policy() === 'off') return undefined;
    const percentileMs = intervalPercentileMs(decayed, this.settings.ttlPercentile) ?? 0;
    const { ceiling } = target.ttl;
    const floor = Math.min(this.settings.minTtlMs, ceiling);
    const rounded = 1000 * 2 ** Math.ceil(Math.log2(Math.max(1, percentileMs / 1000)));
    const ttl = Math.min(ceiling, Math.max(floor, rounded));
    const current = target.ttl.current();
    if (ttl === current) return undefined;
    target.ttl.set(ttl);
    const pct = Math.round(this.settings.ttlPercentile * 100);
    return this.log({
      at: now.toISOString(),
      target: target.name,
      action: 'ttl',
      from: String(current),
      to: String(ttl),
      reason: `${pct}th percentile of ${Math.round(samples)} sampled reuse gaps ≤ ${seconds(percentileMs)}: L1 TTL ${seconds(current)} → ${seconds(ttl)} (kept within ${seconds(floor)}–${seconds(ceiling)})`,
    });
  }

  private decide(target: OptimizerTarget, w: Window, l2Us: number | undefined, now: Date): Decision | undefined {
    const C = target.computeUs();
    const current = target.policy();
    if (C === undefined || target.allowed.length < 2) return undefined;
    if (current === 'off' && w.ghostLookups === 0 && target.allowed.includes('l1')) {
      const runs = (this.offFor.get(target.name) ?? 0) + 1;
      this.offFor.set(target.name, runs);
      if (runs < this.settings.exploreAfterRuns) return undefined;
      this.offFor.delete(target.name);
      target.setPolicy('l1');
      return this.log({ at: now.toISOString(), target: target.name, action: 'policy', from: 'off', to: 'l1', reason: `off for ${runs} runs: trying L1 again to re-measure reuse` });
    }
    // Reuse: observed L1 hit rate when caching, the ghost's estimate while off.
    const h1 = current === 'off' ? (w.ghostLookups >= this.settings.minLookups / 4 ? w.ghostHits / w.ghostLookups : undefined) : w.lookups >= this.settings.minLookups ? w.l1Hits / w.lookups : undefined;
    if (h1 === undefined) return undefined;
    const L1 = target.hitUs?.() ?? this.settings.l1HitUs;
    const h2 = this.l2HitShare(target.name, w);
    const expected: Partial<Record<CachePolicy, number>> = {
      off: C,
      l1: h1 * L1 + (1 - h1) * (2 * L1 + C),
    };
    // Redis unavailable (no probe answer): the guard skips L2, so l1+l2 costs what l1 costs. Leaving it
    // out made an l1+l2 target's current cost unknown, and any other policy then replaced it.
    expected['l1+l2'] = l2Us === undefined ? expected.l1 : h1 * L1 + (1 - h1) * (L1 + l2Us + (1 - h2) * (C + L1));
    let best: CachePolicy = current;
    for (const policy of target.allowed) {
      const cost = expected[policy];
      const bestCost = expected[best];
      if (cost === undefined) continue;
      if (bestCost === undefined || cost < bestCost * (policy === current ? 1 : 1 - this.settings.margin)) best = policy;
    }
    if (best === current) return undefined;
    target.setPolicy(best);
    const fmt = (n: number | undefined) => (n === undefined ? 'n/a' : `${n.toFixed(2)} µs`);
    return this.log({
      at: now.toISOString(),
      target: target.name,
      action: 'policy',
      from: current,
      to: best,
      expectedUs: expected,
      reason: `compute ${fmt(C)}, L1 hit ${fmt(L1)}, Redis round trip ${fmt(l2Us)}, reuse ${(h1 * 100).toFixed(0)} %: expected ${fmt(expected[best])} per lookup with ${best} against ${fmt(expected[current])} with ${current}`,
    });
  }

  /** Observed in this window when L2 was used; else the last observation (for a while); else 0.5. */
  private l2HitShare(name: string, w: Window): number {
    const l2Lookups = w.l2Hits + w.l2Misses;
    if (l2Lookups > 0) {
      const h2 = w.l2Hits / l2Lookups;
      this.seenH2.set(name, { h2, runs: 0 });
      return h2;
    }
    const seen = this.seenH2.get(name);
    if (seen && ++seen.runs < this.settings.exploreAfterRuns) return seen.h2;
    this.seenH2.delete(name);
    return 0.5;
  }

  private log(decision: Decision): Decision {
    this.decisions.unshift(decision);
    this.decisions.length = Math.min(this.decisions.length, 500);
    return decision;
  }
}
