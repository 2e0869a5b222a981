/** Adapts what the optimizer may tune (today: the validation caches) to its OptimizerTarget shape. */
import type { CacheNamespace, TieredCache } from '../cache/index.js';
import type { CachedValidator, ValidationCostSamples } from '../domain/validation/cached-validator.js';
import { VALIDATION_TYPES, type ValidationType } from '../validation/types.js';
import type { OptimizerTarget } from './optimizer.js';

/** A cached verdict: key (~60 B), a small frozen object (~200 B) and lru-cache's bookkeeping. */
const VALIDATION_ENTRY_BYTES = 400;
/** Weight of the newest interval in the cost averages: a change shows ¾ of its size within two runs. */
export const COST_EWMA_ALPHA = 0.5;
/** Timed samples an interval needs before its mean counts (1 call in 16 is timed). */
const MIN_COST_SAMPLES = 4;

/**
 * Per-interval means of the validator's cumulative timing sums, averaged over the last intervals
 * (EWMA): the optimizer decides from what calls cost now, not since start. Kept per validator and
 * type across runs (validationTargets is called anew each run), so the L1 hit cost measured under
 * `l1` still prices `l1` after the policy moved away from it.
 */
export class CostWindow {
  computeUs: number | undefined;
  l1HitUs: number | undefined;
  private last: ValidationCostSamples = { uncachedUs: 0, uncachedSamples: 0, l1HitUs: 0, l1HitSamples: 0 };

  /** Closes the interval ending at `now` (cumulative sums). */
  roll(now: ValidationCostSamples): void {
    const last = this.last;
    this.last = { ...now };
    this.computeUs = ewma(this.computeUs, now.uncachedUs - last.uncachedUs, now.uncachedSamples - last.uncachedSamples);
    this.l1HitUs = ewma(this.l1HitUs, now.l1HitUs - last.l1HitUs, now.l1HitSamples - last.l1HitSamples);
  }
}

function ewma(previous: number | undefined, us: number, samples: number): number | undefined {
  if (samples < MIN_COST_SAMPLES) return previous;
  const mean = us / samples;
  return previous === undefined ? mean : COST_EWMA_ALPHA * mean + (1 - COST_EWMA_ALPHA) * previous;
}

const windows = new WeakMap<CachedValidator, Map<ValidationType, CostWindow>>();

function costWindow(validator: CachedValidator, type: ValidationType): CostWindow {
  let byType = windows.get(validator);
  if (!byType) windows.set(validator, (byType = new Map()));
  let window = byType.get(type);
  if (!window) byType.set(type, (window = new CostWindow()));
  return window;
}

/** The namespace's TTL as the optimizer sets it; the owner's TTL is the ceiling, and stays Redis's TTL. */
function ttlControl(ns: CacheNamespace<unknown>): OptimizerTarget['ttl'] {
  const owner = ns.options;
  const ceiling = owner.ttlMs;
  const l2TtlMs = owner.l2TtlMs ?? owner.ttlMs;
  return {
    ceiling,
    current: () => ns.options.ttlMs,
    // Only L1's TTL moves: the reuse the sketch sees is this process's, and L2 serves every instance.
    set: (ms) => ns.configure({ ttlMs: ms, l2TtlMs }),
  };
}

const ceilings = new WeakMap<CacheNamespace<unknown>, OptimizerTarget['ttl']>();

export function validationTargets(cache: TieredCache, validator: CachedValidator): OptimizerTarget[] {
  const byName = new Map(cache.namespaces().map((ns) => [ns.name, ns]));
  return VALIDATION_TYPES.flatMap((type: ValidationType) => {
    const ns = byName.get(`validate:${type}`);
    if (!ns) return [];
    const costs = costWindow(validator, type);
    let ttl = ceilings.get(ns);
    if (!ttl) ceilings.set(ns, (ttl = ttlControl(ns)));
    const cacheable = type !== 'password' && type !== 'amount';
    const target: OptimizerTarget = {
      name: ns.name,
      // Passwords are never cached; amounts are numbers, which the validator never caches.
      allowed: cacheable ? ['off', 'l1', 'l1+l2'] : ['off'],
      policy: () => validator.policy(type),
      setPolicy: (policy) => void validator.setPolicy(type, policy),
      beginRun: () => costs.roll(validator.costSamples(type)),
      computeUs: () => costs.computeUs,
      // Timed under 'l1' only (under l1+l2 a "hit" may be a Redis hit), and offered whatever the policy:
      // offered only under 'l1', it priced l1 with the measured cost and l1+l2 with the 0.3 µs default in
      // turn, and the policy flapped between them every run (bench/micro/optimizer).
      hitUs: () => costs.l1HitUs,
      counters: () => {
        const s = ns.stats();
        const reuse = ns.reuse();
        return {
          lookups: s.l1.hits + s.l1.misses,
          l1Hits: s.l1.hits,
          l2Hits: s.l2.hits,
          l2Misses: s.l2.misses,
          evictions: s.l1.evictions,
          size: s.l1.size,
          max: s.l1.max,
          ghostHits: reuse.sampledHits,
          ghostLookups: reuse.sampledLookups,
          reuseIntervals: reuse.intervals,
        };
      },
      setL1Max: (max) => ns.configure({ l1Max: max }),
      bytesPerEntry: () => VALIDATION_ENTRY_BYTES,
      ...(cacheable ? { ttl } : {}),
    };
    return [target];
  });
}
