/** Counters of one namespace's L2 traffic and the derived figures reported by `stats()`. */
import type { L1Stats, L2State, L2Stats, NamespaceStats, CachePolicy } from './types.js';

export class L2Counters {
  hits = 0;
  misses = 0;
  errors = 0;

  snapshot(state: L2State): L2Stats {
    return { hits: this.hits, misses: this.misses, errors: this.errors, state };
  }
}

/** Every lookup passes L1 first, so L1 hits + misses is the number of lookups. */
export function hitRate(l1: Pick<L1Stats, 'hits' | 'misses'>, l2Hits: number): number {
  const lookups = l1.hits + l1.misses;
  return lookups === 0 ? 0 : (l1.hits + l2Hits) / lookups;
}

export function namespaceStats(name: string, policy: CachePolicy, l1: L1Stats, l2: L2Stats): NamespaceStats {
  return { name, policy, l1, l2, hitRate: hitRate(l1, l2.hits) };
}
