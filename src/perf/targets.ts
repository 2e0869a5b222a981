/** Adapts what the optimizer may tune (today: the validation caches) to its OptimizerTarget shape. */
import type { TieredCache } from '../cache/index.js';
import type { CachedValidator } from '../domain/validation/cached-validator.js';
import { VALIDATION_TYPES, type ValidationType } from '../validation/types.js';
import type { OptimizerTarget } from './optimizer.js';

/** A cached verdict: key (~60 B), a small frozen object (~200 B) and lru-cache's bookkeeping. */
const VALIDATION_ENTRY_BYTES = 400;

export function validationTargets(cache: TieredCache, validator: CachedValidator): OptimizerTarget[] {
  const byName = new Map(cache.namespaces().map((ns) => [ns.name, ns]));
  return VALIDATION_TYPES.flatMap((type: ValidationType) => {
    const ns = byName.get(`validate:${type}`);
    if (!ns) return [];
    let lastL1HitUs: number | undefined;
    const target: OptimizerTarget = {
      name: ns.name,
      // Passwords are never cached; amounts are numbers, which the validator never caches.
      allowed: type === 'password' || type === 'amount' ? ['off'] : ['off', 'l1', 'l1+l2'],
      policy: () => validator.policy(type),
      setPolicy: (policy) => void validator.setPolicy(type, policy),
      computeUs: () => {
        const s = validator.stats()[type];
        return s.meanUsUncached > 0 ? s.meanUsUncached : undefined;
      },
      // The validator's cached mean is an L1 hit only under 'l1' (under l1+l2 it includes Redis hits). The
      // figure last seen under 'l1' is offered whatever the policy: offered only under 'l1', it priced l1
      // with the measured cost and l1+l2 with the 0.3 µs default in turn, and the policy flapped
      // between them every run (bench/micro/optimizer).
      hitUs: () => {
        const s = validator.stats()[type];
        if (s.policy === 'l1' && s.meanUsCached > 0) lastL1HitUs = s.meanUsCached;
        return lastL1HitUs;
      },
      counters: () => {
        const s = ns.stats();
        return {
          lookups: s.l1.hits + s.l1.misses,
          l1Hits: s.l1.hits,
          l2Hits: s.l2.hits,
          l2Misses: s.l2.misses,
          evictions: s.l1.evictions,
          size: s.l1.size,
          max: s.l1.max,
        };
      },
      setL1Max: (max) => ns.configure({ l1Max: max }),
      bytesPerEntry: () => VALIDATION_ENTRY_BYTES,
    };
    return [target];
  });
}
