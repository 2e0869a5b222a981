/**
 * The performance monitor: once a second it takes a snapshot (HTTP window, caches, validation,
 * optimizer, process, dependencies), appends it to the history, evaluates alerts and hands it to live
 * subscribers (the SSE stream). Started by the composition root; its timer is unref()'d and stopped on close.
 */
import type { TieredCache } from '../cache/index.js';
import type { CachedValidator } from '../domain/validation/cached-validator.js';
import { AlertEngine, type Alert } from './alerts.js';
import { History, type HistoryPoint } from './history.js';
import type { HttpWindowSnapshot } from './http-stats.js';
import type { Metrics } from './metrics.js';

export type DependencyProbe = () => Promise<{ ok: boolean; detail?: string }>;

export interface DependencyStatus {
  ok: boolean;
  latencyMs: number;
  detail?: string;
  checkedAt: string;
}

export interface OptimizerView {
  view(): unknown;
}

export interface PerfSnapshot {
  at: string;
  instance: string;
  http: HttpWindowSnapshot;
  cache: Record<string, ReturnType<TieredCache['namespaces']>[number] extends { stats(): infer S } ? S : never>;
  l2: string;
  validation: ReturnType<CachedValidator['stats']>;
  optimizer: unknown;
  process: { rssMb: number; heapUsedMb: number; heapTotalMb: number; eventLoopLagMs: { p50: number; p99: number; max: number }; uptimeS: number };
  dependencies: Record<string, DependencyStatus>;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

export interface MonitorOptions {
  metrics: Metrics;
  cache: TieredCache;
  validator: CachedValidator;
  probes: Record<string, DependencyProbe>;
  optimizer?: OptimizerView;
  onAlert?: (alert: Alert, state: 'opened' | 'closed') => void;
  /** How often dependencies are probed; snapshots reuse the last result in between. */
  probeEveryMs?: number;
}

export class PerfMonitor {
  readonly history = new History();
  readonly alerts: AlertEngine;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscribers = new Set<(snapshot: PerfSnapshot) => void>();
  private dependencies: Record<string, DependencyStatus> = {};
  private lastProbeAt = 0;
  private probing: Promise<void> | undefined;
  private last: PerfSnapshot | undefined;
  private readonly previousLookups = new Map<string, { hits: number; misses: number }>();

  constructor(private readonly options: MonitorOptions) {
    this.alerts = new AlertEngine(options.onAlert);
  }

  start(intervalMs = 1000): void {
    if (this.timer) return;
    void this.probe();
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.subscribers.clear();
  }

  subscribe(listener: (snapshot: PerfSnapshot) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  /** The latest snapshot without rotating the window (for GET /api/performance/metrics). */
  async current(): Promise<PerfSnapshot> {
    await this.probe();
    return this.build(false);
  }

  async tick(): Promise<PerfSnapshot> {
    if (Date.now() - this.lastProbeAt >= (this.options.probeEveryMs ?? 5000)) void this.probe();
    const snapshot = this.build(true);
    this.last = snapshot;
    this.history.add(this.point(snapshot));
    this.alerts.evaluate({
      now: Date.now(),
      l2State: snapshot.l2,
      p99Ms: snapshot.http.latency.p99,
      requests: snapshot.http.requests,
      errorRate: snapshot.http.errorRate,
      lagMs: snapshot.process.eventLoopLagMs.p99,
      namespaces: Object.values(snapshot.cache).map((s) => {
        const prev = this.previousLookups.get(s.name) ?? { hits: 0, misses: 0 };
        const hits = s.l1.hits - prev.hits;
        const misses = s.l1.misses - prev.misses;
        this.previousLookups.set(s.name, { hits: s.l1.hits, misses: s.l1.misses });
        return { name: s.name, policy: s.policy, hitRate: hits + misses ? hits / (hits + misses) : 1, lookups: hits + misses };
      }),
    });
    for (const listener of this.subscribers) listener(snapshot);
    return snapshot;
  }

  latest(): PerfSnapshot | undefined {
    return this.last;
  }

  private async probe(): Promise<void> {
    if (this.probing) return this.probing;
    this.probing = (async () => {
      const entries = await Promise.all(
        Object.entries(this.options.probes).map(async ([name, probe]) => {
          const started = performance.now();
          let result: { ok: boolean; detail?: string };
          try {
            result = await Promise.race([
              probe(),
              new Promise<{ ok: boolean; detail: string }>((resolve) =>
                setTimeout(() => resolve({ ok: false, detail: 'no answer within 2 s' }), 2000).unref(),
              ),
            ]);
          } catch (error) {
            result = { ok: false, detail: (error as Error).message.slice(0, 200) };
          }
          const status: DependencyStatus = {
            ok: result.ok,
            latencyMs: Math.round((performance.now() - started) * 100) / 100,
            checkedAt: new Date().toISOString(),
            ...(result.detail ? { detail: result.detail } : {}),
          };
          return [name, status] as const;
        }),
      );
      this.dependencies = Object.fromEntries(entries);
      this.lastProbeAt = Date.now();
    })().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  private build(rotate: boolean): PerfSnapshot {
    const { metrics, cache, validator, optimizer } = this.options;
    const memory = process.memoryUsage();
    const cacheStats: PerfSnapshot['cache'] = {};
    for (const ns of cache.namespaces()) cacheStats[ns.name] = ns.stats();
    return {
      at: new Date().toISOString(),
      instance: metrics.instanceId,
      http: metrics.http.snapshot(rotate),
      cache: cacheStats,
      l2: cache.l2State(),
      validation: validator.stats(),
      optimizer: optimizer?.view() ?? { enabled: false },
      process: {
        rssMb: mb(memory.rss),
        heapUsedMb: mb(memory.heapUsed),
        heapTotalMb: mb(memory.heapTotal),
        eventLoopLagMs: metrics.eventLoopLag(rotate),
        uptimeS: Math.round(process.uptime()),
      },
      dependencies: this.dependencies,
    };
  }

  private point(s: PerfSnapshot): HistoryPoint {
    const hitRate: Record<string, number> = {};
    for (const [name, stats] of Object.entries(s.cache)) hitRate[name] = stats.hitRate;
    return {
      t: Date.parse(s.at),
      rps: s.http.rps,
      errorRate: s.http.errorRate,
      p50: s.http.latency.p50,
      p95: s.http.latency.p95,
      p99: s.http.latency.p99,
      rssMb: s.process.rssMb,
      heapMb: s.process.heapUsedMb,
      lagMs: s.process.eventLoopLagMs.p99,
      l2Up: s.l2 === 'closed' ? 1 : s.l2 === 'disabled' ? -1 : 0,
      hitRate,
    };
  }
}
