/**
 * One cache namespace: L1 (this process) in front of L2 (Redis) per its policy. All L2 traffic goes
 * through the host's guard, so nothing here ever waits on a dead Redis or rejects because of it.
 */
import { keyPart, namespaceKeyPrefix, namespacePattern } from './keys.js';
import { L1Store } from './l1.js';
import { SKIPPED, type L2Guard } from './l2-guard.js';
import { HotKeys, ReuseSketch, type ReuseStats } from './reuse-sketch.js';
import { SingleFlight } from './single-flight.js';
import { L2Counters, namespaceStats } from './stats.js';
import { CACHE_POLICIES, type CacheLogger, type CacheNamespace, type CachePolicy, type L2State, type NamespaceOptions, type NamespaceStats } from './types.js';

/** Most keys of one namespace saved for warming the next start (issue 7: "top 1,000"). */
export const HOT_KEYS_LIMIT = 1000;

/** What a namespace needs from the TieredCache that owns it. */
export interface NamespaceHost {
  readonly keyPrefix: string;
  readonly guard: L2Guard | undefined;
  readonly logger: CacheLogger | undefined;
  l2State(): L2State;
  /** Deletes the L2 copies and tells the other instances (all keys when `keys` is undefined). */
  propagate(ns: Namespace<unknown>, keys: string[] | undefined): Promise<void>;
  /** MGET budget for n keys. */
  bulkBudgetMs(n: number): number;
}

function positiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`cache namespace option ${name} must be a positive integer, got ${String(value)}`);
  }
}

export function normalizeOptions(options: NamespaceOptions): Readonly<NamespaceOptions> {
  if (!CACHE_POLICIES.includes(options.policy)) throw new RangeError(`cache policy must be one of ${CACHE_POLICIES.join(', ')}, got ${String(options.policy)}`);
  positiveInteger('l1Max', options.l1Max);
  positiveInteger('ttlMs', options.ttlMs);
  if (options.l2TtlMs !== undefined) positiveInteger('l2TtlMs', options.l2TtlMs);
  const version = options.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 0) throw new RangeError(`cache namespace option version must be a non-negative integer, got ${String(version)}`);
  const out: NamespaceOptions = { policy: options.policy, l1Max: options.l1Max, ttlMs: options.ttlMs, version };
  if (options.l2TtlMs !== undefined) out.l2TtlMs = options.l2TtlMs;
  return Object.freeze(out);
}

export class Namespace<V> implements CacheNamespace<V> {
  private opts: Readonly<NamespaceOptions>;
  // Read on every lookup: kept as plain fields rather than derived from `opts`.
  private policy: CachePolicy;
  private keyBase: string;
  private readonly l1: L1Store<V>;
  readonly l2Counters = new L2Counters();
  private readonly flights = new SingleFlight<V>();
  /** Reuse of this namespace's keys whatever the policy (the optimizer reads it; see reuse-sketch.ts). */
  private readonly sketch: ReuseSketch;
  /** Most requested keys while the policy is l1+l2: saved to Redis, loaded into L1 at the next start. */
  readonly hot = new HotKeys(HOT_KEYS_LIMIT);
  /** Bumped by every invalidation: a fill that started before one must not land after it. */
  private epoch = 0;

  constructor(
    readonly name: string,
    options: NamespaceOptions,
    private readonly host: NamespaceHost,
  ) {
    this.opts = normalizeOptions(options);
    this.policy = this.opts.policy;
    this.keyBase = namespaceKeyPrefix(host.keyPrefix, this.opts.version ?? 1, name);
    this.l1 = new L1Store<V>(this.opts.l1Max, this.opts.ttlMs);
    this.sketch = new ReuseSketch(this.opts.l1Max, this.opts.ttlMs);
  }

  get options(): Readonly<NamespaceOptions> {
    return this.opts;
  }

  get usesL2(): boolean {
    return this.policy === 'l1+l2' && this.host.guard !== undefined;
  }

  storageKey(key: string): string {
    return this.keyBase + keyPart(key);
  }

  storagePattern(): string {
    return namespacePattern(this.host.keyPrefix, this.opts.version ?? 1, this.name);
  }

  private get l2TtlMs(): number {
    return this.opts.l2TtlMs ?? this.opts.ttlMs;
  }

  configure(patch: Partial<NamespaceOptions>): void {
    const previous = this.opts;
    const next = normalizeOptions({ ...previous, ...patch });
    this.opts = next;
    this.policy = next.policy;
    this.keyBase = namespaceKeyPrefix(this.host.keyPrefix, next.version ?? 1, this.name);
    if (next.policy === 'off' || next.version !== previous.version) this.dropLocal(undefined);
    if (next.policy !== 'l1+l2' || next.version !== previous.version) this.hot.clear();
    this.l1.resize(next.l1Max, next.ttlMs);
    this.sketch.resize(next.l1Max, next.ttlMs);
  }

  /** Under `off` it only feeds the reuse sketch, so the optimizer can see what caching would gain. */
  peek(key: string): V | undefined {
    this.sketch.observe(key);
    if (this.policy === 'off') return undefined;
    if (this.policy === 'l1+l2') this.hot.observe(key);
    return this.l1.get(key);
  }

  /** Records an access of key `prefix + value` in the reuse sketch, without a lookup or building the key. */
  track(prefix: string, value: string): void {
    this.sketch.observeParts(prefix, value);
  }

  async get(key: string): Promise<V | undefined> {
    this.sketch.observe(key);
    if (this.policy === 'off') return undefined;
    if (this.policy === 'l1+l2') this.hot.observe(key);
    const local = this.l1.get(key);
    if (local !== undefined || !this.usesL2) return local;
    return this.readL2(key);
  }

  async getMany(keys: string[]): Promise<(V | undefined)[]> {
    const out = new Array<V | undefined>(keys.length).fill(undefined);
    for (const key of keys) this.sketch.observe(key);
    if (this.policy === 'off') return out;
    const shared = this.policy === 'l1+l2';
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (shared) this.hot.observe(keys[i] as string);
      const local = this.l1.get(keys[i] as string);
      if (local === undefined) missing.push(i);
      else out[i] = local;
    }
    const guard = this.host.guard;
    if (missing.length === 0 || !this.usesL2 || !guard) return out;
    const epoch = this.epoch;
    const storageKeys = missing.map((i) => this.storageKey(keys[i] as string));
    const raw = await guard.run((d) => d.mget(storageKeys), this.l2Counters, this.host.bulkBudgetMs(storageKeys.length));
    if (raw === SKIPPED) return out;
    for (let j = 0; j < missing.length; j++) {
      const value = this.decode(raw[j] ?? null);
      if (value === undefined) continue;
      const i = missing[j] as number;
      out[i] = value;
      if (epoch === this.epoch) this.l1.set(keys[i] as string, value);
    }
    return out;
  }

  async set(key: string, value: V): Promise<void> {
    if (this.policy === 'off') return;
    // Synchronous up to here: callers on the L1 hot path may skip the await.
    this.l1.set(key, value);
    const guard = this.host.guard;
    if (!this.usesL2 || !guard || value === undefined) return;
    const json = this.encode(value);
    if (json === undefined) return;
    const storageKey = this.storageKey(key);
    const ttl = this.l2TtlMs;
    await guard.run((d) => d.set(storageKey, json, ttl), this.l2Counters);
  }

  async setMany(entries: Array<[string, V]>): Promise<void> {
    if (this.policy === 'off') return;
    for (const [key, value] of entries) this.l1.set(key, value);
    const guard = this.host.guard;
    if (!this.usesL2 || !guard) return;
    const ttl = this.l2TtlMs;
    const rows: Array<[string, string, number]> = [];
    for (const [key, value] of entries) {
      if (value === undefined) continue;
      const json = this.encode(value);
      if (json !== undefined) rows.push([this.storageKey(key), json, ttl]);
    }
    if (rows.length === 0) return;
    await guard.run((d) => d.setMany(rows), this.l2Counters, this.host.bulkBudgetMs(rows.length));
  }

  async getOrCompute(key: string, compute: () => V | Promise<V>): Promise<V> {
    this.sketch.observe(key);
    if (this.policy === 'off') return compute();
    if (this.policy === 'l1+l2') this.hot.observe(key);
    const local = this.l1.get(key);
    if (local !== undefined) return local;
    return this.flights.run(key, async () => {
      const epoch = this.epoch;
      if (this.usesL2) {
        const shared = await this.readL2(key);
        if (shared !== undefined) return shared;
      }
      const value = await compute();
      if (epoch === this.epoch) await this.set(key, value);
      return value;
    });
  }

  async invalidate(keys: string | string[]): Promise<void> {
    const list = typeof keys === 'string' ? [keys] : [...keys];
    if (list.length === 0) return;
    this.dropLocal(list);
    if (this.usesL2) await this.host.propagate(this as Namespace<unknown>, list);
  }

  async clear(): Promise<void> {
    this.dropLocal(undefined);
    if (this.usesL2) await this.host.propagate(this as Namespace<unknown>, undefined);
  }

  /** Drops L1 copies (all when `keys` is undefined) without touching L2: the bus and resync use it. */
  dropLocal(keys: string[] | undefined): void {
    this.epoch++;
    if (keys === undefined) {
      this.l1.clear();
      this.flights.forgetAll();
      return;
    }
    for (const key of keys) {
      this.l1.delete(key);
      this.flights.forget(key);
    }
  }

  reuse(): ReuseStats {
    return this.sketch.stats();
  }

  /** Redis key of the list of hot keys saved for the next start (outside the `v<version>:<ns>:` key space). */
  warmListKey(): string {
    return `${this.host.keyPrefix}:warm:v${this.opts.version ?? 1}:${this.name}`;
  }

  /**
   * Loads `keys` from L2 into L1 in MGETs of 500 within `deadline` (performance.now() ms), skipping keys
   * L1 already has; counts neither hits nor misses (no lookup happened). Resolves to the number loaded.
   */
  async warm(keys: string[], deadline: number): Promise<number> {
    const guard = this.host.guard;
    if (!this.usesL2 || !guard) return 0;
    const epoch = this.epoch;
    let loaded = 0;
    for (let start = 0; start < keys.length; start += 500) {
      const budget = deadline - performance.now();
      if (budget <= 0) break;
      const chunk = keys.slice(start, start + 500).filter((k) => typeof k === 'string' && !this.l1.has(k));
      if (chunk.length === 0) continue;
      const raw = await guard.run((d) => d.mget(chunk.map((k) => this.storageKey(k))), this.l2Counters, Math.min(budget, this.host.bulkBudgetMs(chunk.length)));
      if (raw === SKIPPED || epoch !== this.epoch) break;
      for (let j = 0; j < chunk.length; j++) {
        const text = raw[j];
        if (text === null || text === undefined) continue;
        try {
          this.l1.set(chunk[j] as string, JSON.parse(text) as V);
          loaded++;
        } catch {
          this.l2Counters.errors++;
        }
      }
    }
    return loaded;
  }

  stats(): NamespaceStats {
    const state: L2State = this.usesL2 ? this.host.l2State() : 'disabled';
    return namespaceStats(this.name, this.policy, this.l1.stats(), this.l2Counters.snapshot(state));
  }

  private async readL2(key: string): Promise<V | undefined> {
    const guard = this.host.guard;
    if (!guard) return undefined;
    const epoch = this.epoch;
    const storageKey = this.storageKey(key);
    const raw = await guard.run((d) => d.get(storageKey), this.l2Counters);
    if (raw === SKIPPED) return undefined;
    const value = this.decode(raw);
    if (value !== undefined && epoch === this.epoch) this.l1.set(key, value);
    return value;
  }

  /** null (absent) and unreadable values are misses; counts the L2 hit or miss. */
  private decode(raw: string | null): V | undefined {
    if (raw === null) {
      this.l2Counters.misses++;
      return undefined;
    }
    try {
      const value = JSON.parse(raw) as V;
      this.l2Counters.hits++;
      return value;
    } catch {
      this.l2Counters.misses++;
      this.l2Counters.errors++;
      return undefined;
    }
  }

  private encode(value: V): string | undefined {
    try {
      return JSON.stringify(value);
    } catch (error) {
      this.host.logger?.warn({ err: error, namespace: this.name }, 'cache: value is not JSON-serialisable, kept in L1 only');
      return undefined;
    }
  }
}
