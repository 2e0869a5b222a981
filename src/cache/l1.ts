/** L1: the in-process driver, an lru-cache bounded by entries and TTL, with its own counters. */
import { LRUCache } from 'lru-cache';
import type { L1Stats } from './types.js';

// lru-cache refuses null/undefined values: a cached null is stored as this box.
const NULL_BOX: object = Object.freeze({ null: true });

export class L1Store<V> {
  hits = 0;
  misses = 0;
  evictions = 0;
  private lru: LRUCache<string, NonNullable<unknown>>;
  private maxEntries: number;
  private ttl: number;

  constructor(max: number, ttlMs: number) {
    this.maxEntries = max;
    this.ttl = ttlMs;
    this.lru = this.build(max, ttlMs);
  }

  private build(max: number, ttlMs: number): LRUCache<string, NonNullable<unknown>> {
    return new LRUCache<string, NonNullable<unknown>>({
      max,
      ttl: ttlMs,
      // 0: read the clock on each lookup instead of arming a timer to cache it.
      ttlResolution: 0,
      updateAgeOnGet: false,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.evictions++;
      },
    });
  }

  /** Counts a hit or a miss. */
  get(key: string): V | undefined {
    const boxed = this.lru.get(key);
    if (boxed === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return (boxed === NULL_BOX ? null : boxed) as V;
  }

  /** Present and fresh; counts nothing. */
  has(key: string): boolean {
    return this.lru.has(key);
  }

  set(key: string, value: V): void {
    if (value === undefined) this.lru.delete(key);
    else this.lru.set(key, value === null ? NULL_BOX : (value as NonNullable<unknown>));
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  /** New bounds: rebuilds the LRU, keeping the most recent entries and their remaining lifetimes. */
  resize(max: number, ttlMs: number): void {
    if (max === this.maxEntries && ttlMs === this.ttl) return;
    const old = this.lru;
    const next = this.build(max, ttlMs);
    // rkeys(): least recently used first, so the most recent end up on top and survive a shrink.
    for (const key of old.rkeys()) {
      const value = old.peek(key);
      const remaining = old.getRemainingTTL(key);
      if (value === undefined || remaining <= 0) continue;
      next.set(key, value, { ttl: Math.min(remaining, ttlMs) });
    }
    this.lru = next;
    this.maxEntries = max;
    this.ttl = ttlMs;
  }

  stats(): L1Stats {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      size: this.lru.size,
      max: this.maxEntries,
      ttlMs: this.ttl,
    };
  }
}
