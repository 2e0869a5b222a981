/**
 * The tiered cache facade (SPEC: cache L1 in process, L2 in Redis with pub/sub invalidation).
 * Nothing happens at import; Redis connections and their (unref'd) timers exist only when a
 * `redisUrl` is given. No call ever rejects because of Redis: see l2-guard.ts.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { InvalidationBus, encodeMessage, type InvalidationMessage } from './bus.js';
import { invalidationChannel } from './keys.js';
import { L2Guard, SKIPPED } from './l2-guard.js';
import { createRedisClient, RedisL2 } from './l2-redis.js';
import { Namespace, type NamespaceHost } from './namespace.js';
import type { CacheLogger, CacheNamespace, InvalidationEvent, L2State, NamespaceOptions, TieredCacheOptions } from './types.js';

const DEFAULT_TIMEOUT_MS = 50;
const DEFAULT_COOLDOWN_MS = 1000;
/** A namespace clear walks the keyspace (SCAN): an admin action, given a larger budget than a lookup. */
const CLEAR_BUDGET_MS = 5000;
/** Pending invalidations kept per namespace while Redis is away; past it the namespace is cleared instead. */
const MAX_PENDING_KEYS = 1000;
const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
/** A saved hot-key list outlives a restart or a deploy, not a day (Redis runs noeviction: every key has a TTL). */
const WARM_LIST_TTL_MS = 24 * 3600_000;
/** Default budget of warming at start, all namespaces together. */
const WARM_BUDGET_MS = 2000;

/** What `warm()` did for one namespace. */
export interface WarmResult {
  namespace: string;
  /** Keys in the list the last instance saved. */
  listed: number;
  /** Values found in Redis and put into L1. */
  loaded: number;
  ms: number;
}

export class TieredCache {
  /** This object's identity on the bus: the configured instance id plus a nonce, so two caches never ignore each other. */
  readonly instanceId: string;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly logger: CacheLogger | undefined;
  private readonly byName = new Map<string, Namespace<unknown>>();
  private readonly events = new EventEmitter();
  private readonly host: NamespaceHost;
  private readonly client: Redis | undefined;
  private readonly subscriber: Redis | undefined;
  private readonly guard: L2Guard | undefined;
  private readonly bus: InvalidationBus | undefined;
  private readonly pending = new Map<string, Set<string> | 'all'>();
  private readonly readyPromise: Promise<void>;
  private flushing = false;
  private redisErrorLogged = false;
  private closed = false;

  constructor(options: TieredCacheOptions = {}) {
    this.prefix = options.keyPrefix ?? 'satchel';
    this.timeoutMs = options.l2TimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const cooldownMs = options.breakerCooldownMs ?? DEFAULT_COOLDOWN_MS;
    if (!(this.timeoutMs > 0) || !(cooldownMs > 0)) throw new RangeError('l2TimeoutMs and breakerCooldownMs must be positive');
    if (!/^[A-Za-z0-9_.\-]{1,64}$/.test(this.prefix)) throw new RangeError(`keyPrefix must be 1–64 of [A-Za-z0-9_.-], got ${JSON.stringify(this.prefix)}`);
    this.logger = options.logger;
    this.instanceId = `${options.instanceId ?? `${hostname()}:${process.pid}`}#${randomBytes(4).toString('hex')}`;
    this.events.setMaxListeners(0);

    const self = this;
    this.host = {
      keyPrefix: this.prefix,
      get guard() {
        return self.guard;
      },
      logger: this.logger,
      l2State: () => this.l2State(),
      propagate: (ns, keys) => this.propagate(ns, keys),
      bulkBudgetMs: (n) => this.timeoutMs + Math.ceil(n / 100),
    };

    if (!options.redisUrl) {
      this.readyPromise = Promise.resolve();
      return;
    }
    const onError = (error: Error) => {
      // ioredis reports every failed reconnect attempt: one line per outage is enough.
      if (this.redisErrorLogged || this.closed) return;
      this.redisErrorLogged = true;
      this.logger?.warn({ err: error }, 'cache: Redis connection error (retrying in the background)');
    };
    this.client = createRedisClient(options.redisUrl, { connectionName: `${this.prefix}-cache`, onError });
    this.subscriber = createRedisClient(options.redisUrl, { connectionName: `${this.prefix}-cache-bus`, onError });
    const guard = new L2Guard(new RedisL2(this.client), {
      timeoutMs: this.timeoutMs,
      cooldownMs,
      logger: this.logger,
      onStateChange: (state) => {
        this.events.emit('l2-state', state);
        if (state === 'closed') void this.flushPending();
      },
    });
    this.guard = guard;
    this.client.on('ready', () => {
      this.redisErrorLogged = false;
      guard.probeSoon();
    });
    // Report a lost connection at once rather than at the next call.
    this.client.on('close', () => {
      if (!this.closed) guard.reportFailure();
    });
    this.bus = new InvalidationBus(
      this.subscriber,
      invalidationChannel(this.prefix),
      this.instanceId,
      { onMessage: (m) => this.receive(m), onResync: () => this.resync() },
      this.logger,
    );
    const connected = this.client.connect().then(
      () => undefined,
      () => guard.reportFailure(),
    );
    this.readyPromise = Promise.all([connected, this.bus.start()]).then(() => undefined);
  }

  namespace<V>(name: string, options: NamespaceOptions): CacheNamespace<V> {
    const existing = this.byName.get(name);
    if (existing) return existing as unknown as CacheNamespace<V>;
    if (!NAME.test(name)) throw new RangeError(`cache namespace name must be 1–64 of [A-Za-z0-9_.:-], got ${JSON.stringify(name)}`);
    for (const other of this.byName.keys()) {
      // `a` + key `b:c` and `a:b` + key `c` would share Redis keys.
      if (other.startsWith(`${name}:`) || name.startsWith(`${other}:`)) {
        throw new RangeError(`cache namespace ${name} overlaps ${other} in the Redis key space`);
      }
    }
    const ns = new Namespace<unknown>(name, options, this.host);
    this.byName.set(name, ns);
    return ns as unknown as CacheNamespace<V>;
  }

  namespaces(): CacheNamespace<unknown>[] {
    return [...this.byName.values()];
  }

  /**
   * One timed PING through the guard, in µs; undefined without Redis or while it is unavailable.
   * The optimizer weighs it against the cost of computing a value.
   */
  async l2RoundTripUs(): Promise<number | undefined> {
    if (!this.guard) return undefined;
    const samples: number[] = [];
    // The median of three, so one scheduling hiccup does not flip a policy.
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const result = await this.guard.run((driver) => driver.ping());
      if (result === SKIPPED) return undefined;
      samples.push((performance.now() - started) * 1000);
    }
    return samples.sort((a, b) => a - b)[1];
  }

  /**
   * Saves each l1+l2 namespace's hottest keys (cache keys only; values stay where they are, in Redis) so
   * that the next instance to start can warm its L1 from them. Resolves to the namespaces saved.
   */
  async saveHotKeys(): Promise<string[]> {
    const guard = this.guard;
    if (!guard || this.closed) return [];
    const saved: string[] = [];
    for (const ns of this.byName.values()) {
      if (!ns.usesL2 || ns.hot.size === 0) continue;
      const keys = ns.hot.top();
      const done = await guard.run((d) => d.set(ns.warmListKey(), JSON.stringify(keys), WARM_LIST_TTL_MS), ns.l2Counters, this.host.bulkBudgetMs(keys.length));
      if (done !== SKIPPED) saved.push(ns.name);
    }
    return saved;
  }

  /**
   * Loads the keys the last instance saved (saveHotKeys) from Redis into L1, for every l1+l2 namespace,
   * one GET and a few MGETs each, within `budgetMs` for all of them. Without Redis: nothing.
   */
  async warm(budgetMs = WARM_BUDGET_MS): Promise<WarmResult[]> {
    const guard = this.guard;
    if (!guard || this.closed) return [];
    const deadline = performance.now() + budgetMs;
    const results: WarmResult[] = [];
    for (const ns of this.byName.values()) {
      const budget = deadline - performance.now();
      if (!ns.usesL2 || budget <= 0) continue;
      const started = performance.now();
      const raw = await guard.run((d) => d.get(ns.warmListKey()), ns.l2Counters, Math.min(budget, this.timeoutMs * 4));
      if (raw === SKIPPED || raw === null) continue;
      let keys: unknown;
      try {
        keys = JSON.parse(raw);
      } catch {
        keys = undefined;
      }
      if (!Array.isArray(keys)) continue;
      const listed = keys.filter((k): k is string => typeof k === 'string');
      const loaded = await ns.warm(listed, deadline);
      results.push({ namespace: ns.name, listed: listed.length, loaded, ms: performance.now() - started });
    }
    return results;
  }

  l2State(): L2State {
    return this.guard ? this.guard.state : 'disabled';
  }

  /** Resolves once Redis is connected and the bus subscribed, or the first attempt failed; at once without Redis. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  on(event: 'invalidated', listener: (event: InvalidationEvent) => void): this;
  on(event: 'l2-state', listener: (state: L2State) => void): this;
  on(event: 'resync', listener: () => void): this;
  on(event: string, listener: (...args: never[]) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off(event: 'invalidated' | 'l2-state' | 'resync', listener: (...args: never[]) => void): this {
    this.events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.guard?.close();
    this.bus?.close();
    this.client?.disconnect();
    await Promise.all([this.client, this.subscriber].map((c) => (c ? ended(c) : undefined)));
    this.pending.clear();
    this.events.removeAllListeners();
  }

  private async propagate(ns: Namespace<unknown>, keys: string[] | undefined): Promise<void> {
    const guard = this.guard;
    if (!guard || this.closed) return;
    const removed = keys
      ? await guard.run((d) => d.del(keys.map((k) => ns.storageKey(k))), ns.l2Counters, this.host.bulkBudgetMs(keys.length))
      : await guard.run((d) => d.deleteMatching(ns.storagePattern()), ns.l2Counters, CLEAR_BUDGET_MS);
    const message: InvalidationMessage = keys ? { instanceId: this.instanceId, ns: ns.name, keys } : { instanceId: this.instanceId, ns: ns.name, all: true };
    const channel = this.bus?.channel ?? invalidationChannel(this.prefix);
    const published = await guard.run((d) => d.publish(channel, encodeMessage(message)), ns.l2Counters);
    // Redis away: remember, and replay the delete and the message when the breaker closes again.
    if (removed === SKIPPED || published === SKIPPED) this.remember(ns.name, keys);
  }

  private remember(name: string, keys: string[] | undefined): void {
    const current = this.pending.get(name);
    if (current === 'all' || keys === undefined) {
      this.pending.set(name, 'all');
      return;
    }
    const set = current ?? new Set<string>();
    for (const k of keys) set.add(k);
    this.pending.set(name, set.size > MAX_PENDING_KEYS ? 'all' : set);
  }

  private async flushPending(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return;
    this.flushing = true;
    try {
      const work = [...this.pending];
      this.pending.clear();
      for (const [name, keys] of work) {
        const ns = this.byName.get(name);
        if (ns?.usesL2) await this.propagate(ns, keys === 'all' ? undefined : [...keys]);
      }
    } finally {
      this.flushing = false;
    }
  }

  private receive(message: InvalidationMessage): void {
    this.byName.get(message.ns)?.dropLocal(message.keys);
    const event: InvalidationEvent = message.keys ? { from: message.instanceId, ns: message.ns, keys: message.keys } : { from: message.instanceId, ns: message.ns, all: true };
    this.events.emit('invalidated', event);
  }

  /** The bus may have missed messages: drop every L1 copy of a shared namespace. */
  private resync(): void {
    for (const ns of this.byName.values()) if (ns.usesL2) ns.dropLocal(undefined);
    this.events.emit('resync');
  }
}

/** Waits for the socket to close; a client between reconnect attempts has none (and ioredis emits no 'end' then). */
function ended(client: Redis): Promise<void> {
  if (client.status !== 'connecting' && client.status !== 'connect' && client.status !== 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1000);
    timer.unref();
    client.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
