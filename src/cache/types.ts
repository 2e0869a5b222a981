/** Public shapes of the tiered cache. Other modules code against these; keep them stable. */
import type { ReuseStats } from './reuse-sketch.js';

export type { ReuseStats };

export type CachePolicy = 'off' | 'l1' | 'l1+l2';
export const CACHE_POLICIES: readonly CachePolicy[] = ['off', 'l1', 'l1+l2'];

export type L2State = 'disabled' | 'closed' | 'open' | 'half-open';

export interface NamespaceOptions {
  policy: CachePolicy;
  /** Most entries kept in L1 (this process). */
  l1Max: number;
  /** L1 time-to-live; also the L2 one unless `l2TtlMs` is given. */
  ttlMs: number;
  l2TtlMs?: number;
  /** Part of every L2 key: bump it when the shape or meaning of the cached values changes. Default 1. */
  version?: number;
}

export interface CacheLogger {
  warn(obj: object, msg?: string): void;
}

export interface TieredCacheOptions {
  /** redis:// or rediss:// URL of the L2; without it the cache is L1 only. */
  redisUrl?: string;
  /** Names this process in invalidation messages (a per-object nonce is appended). */
  instanceId?: string;
  /** Budget of one L2 call; past it the call counts as failed and the breaker opens. Default 50 ms. */
  l2TimeoutMs?: number;
  /** How long the breaker stays open before a probe. Default 1,000 ms. */
  breakerCooldownMs?: number;
  /** First part of every Redis key and of the invalidation channel. Default 'satchel'. */
  keyPrefix?: string;
  logger?: CacheLogger;
}

export interface L1Stats {
  hits: number;
  misses: number;
  evictions: number;
  size: number;
  max: number;
  ttlMs: number;
}

export interface L2Stats {
  hits: number;
  misses: number;
  /** Failed L2 reads and writes (timeouts, connection errors, OOM replies). */
  errors: number;
  state: L2State;
}

export interface NamespaceStats {
  name: string;
  policy: CachePolicy;
  l1: L1Stats;
  l2: L2Stats;
  /** (L1 hits + L2 hits) / lookups, 0 without lookups. */
  hitRate: number;
}

export interface CacheNamespace<V> {
  readonly name: string;
  readonly options: Readonly<NamespaceOptions>;
  /** Runtime change of policy, size or TTLs (the optimizer uses it). */
  configure(patch: Partial<NamespaceOptions>): void;
  /** Synchronous L1-only lookup for hot paths; counts a hit or a miss. */
  peek(key: string): V | undefined;
  /**
   * Records an access of key `prefix + value` in the reuse sketch without a lookup (a caller whose
   * policy is `off` still shows the optimizer its reuse) and without building the key.
   */
  track(prefix: string, value: string): void;
  /** L1, then L2 when the policy is l1+l2; an L2 hit fills L1. */
  get(key: string): Promise<V | undefined>;
  /** L1, then one MGET for the misses. */
  getMany(keys: string[]): Promise<(V | undefined)[]>;
  /** Writes L1 (and L2 when the policy says so). A pure fill: does not publish. */
  set(key: string, value: V): Promise<void>;
  /** Pipelined `set`. */
  setMany(entries: Array<[string, V]>): Promise<void>;
  /** Cached value, or one compute per key however many callers miss at once. */
  getOrCompute(key: string, compute: () => V | Promise<V>): Promise<V>;
  /** Drops L1 and L2 copies and tells the other instances to drop theirs. */
  invalidate(keys: string | string[]): Promise<void>;
  /** The whole namespace, everywhere. */
  clear(): Promise<void>;
  stats(): NamespaceStats;
  /** Sampled reuse of the keys looked up, whatever the policy (see reuse-sketch.ts). */
  reuse(): ReuseStats;
}

/** What a remote instance asked us to drop (emitted as the 'invalidated' event once it is done). */
export interface InvalidationEvent {
  from: string;
  ns: string;
  keys?: string[];
  all?: true;
}
