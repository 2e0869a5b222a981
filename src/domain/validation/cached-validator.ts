/**
 * Cached validation (the original plan's SecurityPerformanceOptimizer, SPEC: Validation). One cache
 * namespace per type, `validate:<type>`, keyed `${network ?? '*'}|${value}`; policies follow cost:
 * a Redis round trip costs far more than a bech32 checksum, so cheap checks stay in L1, while EC point
 * checks (xpub, descriptor) and signature recovery (bolt11) are shared through L2.
 *
 * Secrets never reach a cache key or value: passwords are never cached whatever the policy asks,
 * values that look like private keys skip the cache, and no result with `private_key_rejected` is kept.
 * While a type's policy is `off`, 1 key in 32 still feeds the namespace's reuse sketch (a hash, never
 * the value; never a password or anything that looks like a private key), so the optimizer can see
 * the hit rate caching would have.
 */
import { SAMPLE_TAIL, sampledKey, type CacheNamespace, type CachePolicy, type TieredCache } from '../../cache/index.js';
import { batchValidate, isLikelySecret, validate as validateValue } from '../../validation/index.js';
import { VALIDATION_TYPES, type ValidateOptions, type ValidationResult, type ValidationType } from '../../validation/types.js';

export const DEFAULT_VALIDATION_POLICIES: Readonly<Record<ValidationType, CachePolicy>> = Object.freeze({
  address: 'l1',
  txid: 'l1',
  username: 'l1',
  // Amounts arrive as numbers, which are checked directly (nanoseconds) and never cached.
  amount: 'off',
  xpub: 'l1+l2',
  descriptor: 'l1+l2',
  bolt11: 'l1+l2',
  password: 'off',
});

/** Bump when a validator's verdicts change, so results cached in Redis by an older release are not reused. */
export const VALIDATION_CACHE_VERSION = 1;
/** Longer values are validated every time: caching them would cost more memory than it saves. */
export const MAX_CACHED_VALUE_LENGTH = 4096;
const L1_MAX = 10_000;
// Verdicts are pure functions of (type, network, value): the TTL only bounds how long memory is held.
const TTL_MS = 60 * 60 * 1000;
/** Time 1 call in 16 per type, so that measuring stays cheaper than what it measures. */
const SAMPLE_MASK = 15;

export type CachedValidationResult = ValidationResult & { cached: boolean };

/** Cumulative timing sums of one type (the optimizer windows them: see perf/targets.ts). */
export interface ValidationCostSamples {
  /** µs spent computing, over that many timed computes. */
  uncachedUs: number;
  uncachedSamples: number;
  /** µs spent answering L1 hits under policy `l1`, over that many timed hits. */
  l1HitUs: number;
  l1HitSamples: number;
}

export interface CachedValidatorOptions {
  /** Benchmarks only: `false` leaves the `off` path without reuse tracking, to measure what it costs. */
  reuseTracking?: boolean;
}

export interface ValidationTypeStats {
  calls: number;
  cacheHits: number;
  meanUsUncached: number;
  meanUsCached: number;
  policy: CachePolicy;
}

export interface BatchValidationOutcome {
  results: ValidationResult[];
  stats: { valid: number; invalid: number; cacheHits: number };
}

interface TypeState {
  /** Undefined for password: it has no cache at all. */
  ns: CacheNamespace<CachedValidationResult> | undefined;
  calls: number;
  computes: number;
  cacheHits: number;
  uncachedUs: number;
  uncachedSamples: number;
  cachedUs: number;
  cachedSamples: number;
  l1HitUs: number;
  l1HitSamples: number;
}

/** Cache keys are `${network ?? '*'}|${value}`. */
function keyPrefix(options: ValidateOptions | undefined): string {
  const network = options?.network;
  return network === undefined ? '*|' : `${network}|`;
}


function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function storable(result: ValidationResult): boolean {
  return !result.errors?.some((e) => e.code === 'private_key_rejected');
}

/** What the cache keeps: the verdict marked as cached and frozen, so a hit is returned without copying. */
function cacheEntry(result: ValidationResult): CachedValidationResult {
  return deepFreeze({ ...result, cached: true });
}

export class CachedValidator {
  private readonly states: Record<ValidationType, TypeState>;
  private readonly reuseTracking: boolean;

  constructor(cache: TieredCache, policies: Partial<Record<ValidationType, CachePolicy>> = {}, options: CachedValidatorOptions = {}) {
    this.reuseTracking = options.reuseTracking ?? true;
    // No prototype: a type name such as "__proto__" from a caller must find nothing.
    const states = Object.create(null) as Record<ValidationType, TypeState>;
    for (const type of VALIDATION_TYPES) {
      let ns: CacheNamespace<CachedValidationResult> | undefined;
      if (type !== 'password') {
        const policy = policies[type] ?? DEFAULT_VALIDATION_POLICIES[type];
        ns = cache.namespace<CachedValidationResult>(`validate:${type}`, { policy, l1Max: L1_MAX, ttlMs: TTL_MS, version: VALIDATION_CACHE_VERSION });
        if (ns.options.policy !== policy) ns.configure({ policy });
      }
      states[type] = { ns, calls: 0, computes: 0, cacheHits: 0, uncachedUs: 0, uncachedSamples: 0, cachedUs: 0, cachedSamples: 0, l1HitUs: 0, l1HitSamples: 0 };
    }
    this.states = states;
  }

  /** Changes a type's policy at run time; refused (returns false) for password, which is never cached. */
  setPolicy(type: ValidationType, policy: CachePolicy): boolean {
    const ns = this.states[type]?.ns;
    if (!ns) return policy === 'off';
    ns.configure({ policy });
    return true;
  }

  policy(type: ValidationType): CachePolicy {
    return this.states[type]?.ns?.options.policy ?? 'off';
  }

  /** Cache key, or undefined when the value must not or need not be cached. */
  private keyFor(state: TypeState, value: unknown, options: ValidateOptions | undefined): string | undefined {
    if (state.ns === undefined || typeof value !== 'string' || value.length > MAX_CACHED_VALUE_LENGTH || isLikelySecret(value)) return undefined;
    return keyPrefix(options) + value;
  }

  /**
   * Policy 'l1' stays synchronous up to the returned promise: a cached check costs a key, an LRU
   * lookup and no copy, never more than checking again.
   */
  validate(type: ValidationType, value: unknown, options?: ValidateOptions): Promise<CachedValidationResult> {
    const state = this.states[type];
    if (state === undefined) return Promise.resolve({ ...validateValue(type, value, options), cached: false });
    // The 1st, 17th, 33rd… call of the type is timed (on a hit); computes are sampled on their own count.
    const sampled = (state.calls++ & SAMPLE_MASK) === 0;
    const t0 = sampled ? performance.now() : 0;
    const ns = state.ns;
    const policy = ns?.options.policy ?? 'off';
    if (policy === 'off') {
      const result = this.compute(state, type, value, options);
      // After the compute and kept to one small test (31 calls in 32 end there): placed before it, it
      // took the compute's place in V8's inlining budget and cost more than it does.
      if (ns !== undefined && this.reuseTracking && typeof value === 'string' && value.length >= SAMPLE_TAIL && sampledKey(value)) this.track(ns, value, options);
      return Promise.resolve({ ...result, cached: false });
    }
    const key = this.keyFor(state, value, options);
    if (key !== undefined && ns !== undefined) {
      if (policy === 'l1') {
        const hit = ns.peek(key);
        if (hit !== undefined) {
          state.cacheHits++;
          if (sampled) this.sampleL1Hit(state, t0);
          // Entries warmed from Redis at start arrive as plain JSON: freeze them like our own.
          return Promise.resolve(deepFreeze(hit));
        }
        const result = this.compute(state, type, value, options);
        if (storable(result)) void ns.set(key, cacheEntry(result));
        return Promise.resolve({ ...result, cached: false });
      }
      if (policy === 'l1+l2') return this.validateShared(state, ns, key, type, value, options, sampled, t0);
    }
    return Promise.resolve({ ...this.compute(state, type, value, options), cached: false });
  }

  /**
   * Policy `off`, a sampled key: only these pay for the secret check, and only those reach the sketch.
   * The key ends with the value, so from SAMPLE_TAIL characters on the value alone decides whether the
   * key is sampled (shorter values are invalid for every cached type and are not tracked).
   */
  private track(ns: CacheNamespace<CachedValidationResult>, value: string, options: ValidateOptions | undefined): void {
    if (value.length <= MAX_CACHED_VALUE_LENGTH && !isLikelySecret(value)) ns.track(keyPrefix(options), value);
  }

  private async validateShared(
    state: TypeState,
    ns: CacheNamespace<CachedValidationResult>,
    key: string,
    type: ValidationType,
    value: unknown,
    options: ValidateOptions | undefined,
    sampled: boolean,
    t0: number,
  ): Promise<CachedValidationResult> {
    const hit = await ns.get(key);
    if (hit !== undefined) {
      state.cacheHits++;
      if (sampled) this.sampleCached(state, t0, 1);
      // An L2 hit arrives as fresh JSON; freeze it like the entries this process made.
      return deepFreeze(hit);
    }
    const result = this.compute(state, type, value, options);
    if (storable(result)) await ns.set(key, cacheEntry(result));
    return { ...result, cached: false };
  }

  async validateBatch(type: ValidationType, values: unknown[], options?: ValidateOptions): Promise<BatchValidationOutcome> {
    const state = this.states[type];
    const results = new Array<ValidationResult>(values.length);
    let cacheHits = 0;
    if (state === undefined) {
      for (let i = 0; i < values.length; i++) results[i] = validateValue(type, values[i], options);
      return { results, stats: tally(results, 0) };
    }
    state.calls += values.length;
    const ns = state.ns;
    const policy = ns?.options.policy ?? 'off';
    const todo: number[] = [];
    const todoKeys: Array<string | undefined> = [];
    const t0 = performance.now();
    let lookups = 0;

    if (ns === undefined || policy === 'off') {
      for (let i = 0; i < values.length; i++) {
        const value = values[i];
        if (ns !== undefined && this.reuseTracking && typeof value === 'string' && value.length >= SAMPLE_TAIL && sampledKey(value)) this.track(ns, value, options);
        todo.push(i);
        todoKeys.push(undefined);
      }
    } else if (policy === 'l1') {
      for (let i = 0; i < values.length; i++) {
        const key = this.keyFor(state, values[i], options);
        const hit = key === undefined ? undefined : ns.peek(key);
        if (key !== undefined) lookups++;
        if (hit !== undefined) {
          results[i] = deepFreeze(hit);
          cacheHits++;
        } else {
          todo.push(i);
          todoKeys.push(key);
        }
      }
    } else {
      const cacheable: number[] = [];
      const keys: string[] = [];
      for (let i = 0; i < values.length; i++) {
        const key = this.keyFor(state, values[i], options);
        if (key === undefined) {
          todo.push(i);
          todoKeys.push(undefined);
        } else {
          cacheable.push(i);
          keys.push(key);
        }
      }
      lookups = keys.length;
      const found = keys.length > 0 ? await ns.getMany(keys) : [];
      for (let j = 0; j < cacheable.length; j++) {
        const i = cacheable[j] as number;
        const hit = found[j];
        if (hit !== undefined) {
          results[i] = deepFreeze(hit);
          cacheHits++;
        } else {
          todo.push(i);
          todoKeys.push(keys[j]);
        }
      }
    }
    const t1 = performance.now();
    if (cacheHits > 0) {
      const ms = ((t1 - t0) * cacheHits) / Math.max(lookups, 1);
      this.sampleCached(state, t0, cacheHits, ms);
      if (policy === 'l1') {
        state.l1HitUs += ms * 1000;
        state.l1HitSamples += cacheHits;
      }
    }
    state.cacheHits += cacheHits;

    if (todo.length > 0) {
      const computed = batchValidate(type, todo.map((i) => values[i]), options);
      state.uncachedUs += (performance.now() - t1) * 1000;
      state.uncachedSamples += todo.length;
      const fills: Array<[string, CachedValidationResult]> = [];
      for (let j = 0; j < todo.length; j++) {
        const result = computed[j] as ValidationResult;
        results[todo[j] as number] = result;
        const key = todoKeys[j];
        if (key !== undefined && storable(result)) fills.push([key, cacheEntry(result)]);
      }
      if (ns !== undefined && fills.length > 0) await ns.setMany(fills);
    }
    return { results, stats: tally(results, cacheHits) };
  }

  stats(): Record<ValidationType, ValidationTypeStats> {
    const out = {} as Record<ValidationType, ValidationTypeStats>;
    for (const type of VALIDATION_TYPES) {
      const s = this.states[type];
      out[type] = {
        calls: s.calls,
        cacheHits: s.cacheHits,
        meanUsUncached: s.uncachedSamples === 0 ? 0 : s.uncachedUs / s.uncachedSamples,
        meanUsCached: s.cachedSamples === 0 ? 0 : s.cachedUs / s.cachedSamples,
        policy: this.policy(type),
      };
    }
    return out;
  }

  /** Cumulative timing sums of `type`, for windowed means. */
  costSamples(type: ValidationType): ValidationCostSamples {
    const s = this.states[type];
    return { uncachedUs: s.uncachedUs, uncachedSamples: s.uncachedSamples, l1HitUs: s.l1HitUs, l1HitSamples: s.l1HitSamples };
  }

  private compute(state: TypeState, type: ValidationType, value: unknown, options: ValidateOptions | undefined): ValidationResult {
    if ((state.computes++ & SAMPLE_MASK) !== 0) return validateValue(type, value, options);
    const t = performance.now();
    const result = validateValue(type, value, options);
    state.uncachedUs += (performance.now() - t) * 1000;
    state.uncachedSamples++;
    return result;
  }

  private sampleL1Hit(state: TypeState, t0: number): void {
    const us = (performance.now() - t0) * 1000;
    state.cachedUs += us;
    state.cachedSamples++;
    state.l1HitUs += us;
    state.l1HitSamples++;
  }

  /** `ms` defaults to the time since `t0`, spread over `count` answers. */
  private sampleCached(state: TypeState, t0: number, count: number, ms = performance.now() - t0): void {
    state.cachedUs += ms * 1000;
    state.cachedSamples += count;
  }
}

function tally(results: ValidationResult[], cacheHits: number): BatchValidationOutcome['stats'] {
  let valid = 0;
  for (const r of results) if (r.valid) valid++;
  return { valid, invalid: results.length - valid, cacheHits };
}

/** SPEC names: `cachedValidate` / `cachedBatchValidate` are the validator's methods as functions. */
export function cachedValidate(validator: CachedValidator, type: ValidationType, value: unknown, options?: ValidateOptions): Promise<CachedValidationResult> {
  return validator.validate(type, value, options);
}

export function cachedBatchValidate(validator: CachedValidator, type: ValidationType, values: unknown[], options?: ValidateOptions): Promise<BatchValidationOutcome> {
  return validator.validateBatch(type, values, options);
}
