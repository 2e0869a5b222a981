/** The tiered cache: L1 in process (lru-cache), L2 in Redis (ioredis), pub/sub invalidation. Server-only. */
export { TieredCache } from './tiered-cache.js';
export { CACHE_POLICIES } from './types.js';
export type {
  CacheLogger,
  CacheNamespace,
  CachePolicy,
  InvalidationEvent,
  L1Stats,
  L2State,
  L2Stats,
  NamespaceOptions,
  NamespaceStats,
  ReuseStats,
  TieredCacheOptions,
} from './types.js';
export { hitRate } from './stats.js';
export { HOT_KEYS_LIMIT } from './namespace.js';
export { intervalPercentileMs, REUSE_BUCKETS, REUSE_SAMPLE_SHIFT, reuseBucketUpperMs, SAMPLE_TAIL, sampledKey, sampledKeyParts } from './reuse-sketch.js';
export type { WarmResult } from './tiered-cache.js';
