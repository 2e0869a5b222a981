/**
 * What a namespace's keys would do in a cache, measured cheaply whatever its policy (the optimizer
 * reads it; issue 7):
 * - ReuseSketch: 1 key in 32, chosen by a hash of the key (so a sampled key is always sampled), is
 *   remembered by a 30-bit hash and its last access time in an LRU of l1Max/32 entries. That is SHARDS
 *   spatial sampling (Waldspurger et al., FAST '15): the sampled keys in a scaled-down LRU hit about as
 *   often as all keys in the full-size one, so the "ghost" hit rate tells the optimizer what caching
 *   would gain while the policy is `off`, and the gaps between accesses give the reuse intervals the
 *   TTL is set from. Only hashes are kept, never a key or a value.
 * - HotKeys: 1 lookup in 8 is counted per key (space-bounded, halved when pruned), so the most
 *   requested keys of a shared namespace can be saved and loaded into L1 at the next start.
 */

import { LRUCache } from 'lru-cache';

/** log2 of the spatial sampling rate: 1 key in 32. */
export const REUSE_SAMPLE_SHIFT = 5;
const SAMPLE_MASK = (1 << REUSE_SAMPLE_SHIFT) - 1;
const MIN_SKETCH_ENTRIES = 8;
/**
 * Reuse intervals are counted in power-of-two buckets: bucket b holds gaps in [2^(b-1), 2^b) ms
 * (bucket 0: under 1 ms); the last one (2^30 ms ≈ 12 days) takes everything longer.
 */
export const REUSE_BUCKETS = 31;

/** Upper bound (ms) of bucket `b`. */
export function reuseBucketUpperMs(b: number): number {
  return 2 ** b;
}

function bucketOf(ms: number): number {
  if (ms < 1) return 0;
  return Math.min(REUSE_BUCKETS - 1, 32 - Math.clz32(ms));
}

/** sampledKey reads only this many characters at the end of a key. */
export const SAMPLE_TAIL = 3;

function mix(c1: number, c2: number, c3: number): boolean {
  let h = Math.imul(c1 ^ Math.imul(c2, 0x9e3779b1) ^ Math.imul(c3, 0x85ebca6b), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h & SAMPLE_MASK) === 0;
}

/**
 * Cheap, key-consistent sampling test over the last SAMPLE_TAIL characters. It runs on every lookup,
 * also under `off`, so it must cost next to nothing: a 7-character version cost the cheapest checks
 * ~10 % (bench/micro/reuse-sketch), mostly by making the caller too big for V8 to inline its compute.
 * Keys that share their last characters are sampled together, which adds variance, not bias.
 */
export function sampledKey(key: string): boolean {
  const n = key.length;
  return mix(key.charCodeAt(n - 1) | 0, key.charCodeAt(n - 2) | 0, key.charCodeAt(n - 3) | 0);
}

/** Character `k` from the end of prefix + value (0 past the start). No closure: this runs on every call. */
function fromEnd(prefix: string, value: string, k: number): number {
  const i = value.length - k;
  return (i >= 0 ? value.charCodeAt(i) : prefix.charCodeAt(prefix.length + i)) | 0;
}

/**
 * sampledKey(prefix + value) without building that string: a caller that would build and flatten the
 * key only to learn it is not sampled (cached-validator's `off` path, 31 calls in 32) asks this instead.
 */
export function sampledKeyParts(prefix: string, value: string): boolean {
  if (value.length >= SAMPLE_TAIL) return sampledKey(value);
  return mix(fromEnd(prefix, value, 1), fromEnd(prefix, value, 2), fromEnd(prefix, value, 3));
}

/** Characters of a key's end that identify it in the sketch (with its length). */
const ID_TAIL = 24;

/**
 * FNV-1a over the length and the last ID_TAIL characters of prefix + value: identifies a sampled key
 * in the sketch. Keys that share their length and end collide, which only blurs the estimate.
 */
function keyId(prefix: string, value: string): number {
  const n = value.length;
  const p = prefix.length;
  let h = Math.imul(0x811c9dc5 ^ (n + p), 0x01000193);
  // The key's last ID_TAIL characters, oldest first: from the prefix while the value is shorter.
  const fromPrefix = Math.min(p, Math.max(0, ID_TAIL - n));
  for (let i = p - fromPrefix; i < p; i++) h = Math.imul(h ^ prefix.charCodeAt(i), 0x01000193);
  for (let i = Math.max(0, n - ID_TAIL); i < n; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  // 30 bits: a small integer, which a Map hashes and stores without boxing.
  return h & 0x3fffffff;
}

export interface ReuseStats {
  /** Sampled lookups (about 1 in 32 of all), and how many found their key in the scaled-down LRU within the TTL. */
  sampledLookups: number;
  sampledHits: number;
  /** Gaps between two accesses of the same sampled key, by bucket (see reuseBucketUpperMs), cumulative. */
  intervals: readonly number[];
}

export class ReuseSketch {
  sampledLookups = 0;
  sampledHits = 0;
  readonly intervals: number[] = new Array<number>(REUSE_BUCKETS).fill(0);
  /**
   * Key hash → last access (ms), least recently used dropped first. lru-cache rather than a Map in
   * insertion order: evicting a Map's oldest entry walks the holes its deletions left (~1.5 µs a call).
   */
  private seen: LRUCache<number, number>;
  private capacity: number;

  constructor(
    l1Max: number,
    private ttlMs: number,
    // Date.now(): millisecond gaps are enough, and it costs a third of performance.now() here.
    private readonly now: () => number = Date.now,
  ) {
    this.capacity = Math.max(MIN_SKETCH_ENTRIES, Math.ceil(l1Max / (SAMPLE_MASK + 1)));
    this.seen = new LRUCache<number, number>({ max: this.capacity });
  }

  /** Follows the namespace's L1 bounds: the sketch models an L1 of that size and TTL. */
  resize(l1Max: number, ttlMs: number): void {
    const capacity = Math.max(MIN_SKETCH_ENTRIES, Math.ceil(l1Max / (SAMPLE_MASK + 1)));
    this.ttlMs = ttlMs;
    if (capacity === this.capacity) return;
    const next = new LRUCache<number, number>({ max: capacity });
    // rentries(): least recently used first, so the most recent survive a shrink.
    for (const [hash, at] of this.seen.rentries()) if (hash !== undefined && at !== undefined) next.set(hash, at);
    this.seen = next;
    this.capacity = capacity;
  }

  observe(key: string): void {
    if (sampledKey(key)) this.record(keyId('', key));
  }

  /** observe(prefix + value) without building that string. */
  observeParts(prefix: string, value: string): void {
    if (sampledKeyParts(prefix, value)) this.record(keyId(prefix, value));
  }

  private record(hash: number): void {
    const now = this.now();
    this.sampledLookups++;
    const last = this.seen.get(hash);
    if (last !== undefined) {
      const gap = now - last;
      const bucket = bucketOf(gap);
      this.intervals[bucket] = (this.intervals[bucket] as number) + 1;
      if (gap <= this.ttlMs) this.sampledHits++;
    }
    this.seen.set(hash, now);
  }

  stats(): ReuseStats {
    return { sampledLookups: this.sampledLookups, sampledHits: this.sampledHits, intervals: [...this.intervals] };
  }

  clear(): void {
    this.seen.clear();
  }
}

/** The value below which `share` of the counted intervals fall (bucket upper bound, ms); undefined when empty. */
export function intervalPercentileMs(buckets: readonly number[], share: number): number | undefined {
  let total = 0;
  for (const n of buckets) total += n;
  if (total === 0) return undefined;
  const wanted = total * share;
  let running = 0;
  for (let b = 0; b < buckets.length; b++) {
    running += buckets[b] as number;
    if (running >= wanted) return reuseBucketUpperMs(b);
  }
  return reuseBucketUpperMs(buckets.length - 1);
}

/** log2 of the temporal sampling rate of HotKeys: 1 lookup in 8. */
const HOT_SAMPLE_MASK = 7;

export class HotKeys {
  private readonly counts = new Map<string, number>();
  /** xorshift32 state: a counter would alias with periodic traffic (4 keys in turn: always the same one). */
  private random = 0x9e3779b9;
  private counted = 0;

  constructor(readonly limit = 1000) {}

  /** Counts 1 call in 8; the Map holds at most 2 × limit keys between prunes. */
  observe(key: string): void {
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x;
    if ((x & HOT_SAMPLE_MASK) !== 0) return;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.counts.size > 2 * this.limit) this.prune();
    // Every 64 × limit counts all counts halve, so old favourites fade.
    if (++this.counted >= 64 * this.limit) {
      this.counted = 0;
      for (const [k, n] of this.counts) this.counts.set(k, n / 2);
    }
  }

  /** Keeps the `limit` most counted keys. */
  private prune(): void {
    const kept = this.top(this.limit);
    const counts = new Map(kept.map((k) => [k, this.counts.get(k) as number]));
    this.counts.clear();
    for (const [k, n] of counts) this.counts.set(k, n);
  }

  /** The `n` most counted keys, most counted first. */
  top(n = this.limit): string[] {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k]) => k);
  }

  get size(): number {
    return this.counts.size;
  }

  clear(): void {
    this.counts.clear();
  }
}
