/**
 * Per-route request statistics: totals since start, a window that the snapshot clock rotates every
 * second (so rps and percentiles describe "now", not the whole uptime), and totals per status code, from
 * which the Prometheus histogram is built when scraped. Recording is one bucket computation and three
 * array increments: this sits on every request, so nothing here allocates after a route's first request.
 */
import { LatencyHistogram } from './latency-histogram.js';

interface RouteStats {
  method: string;
  route: string;
  total: LatencyHistogram;
  window: LatencyHistogram;
  byStatus: Map<number, LatencyHistogram>;
  errors: number;
  windowErrors: number;
}

export interface HttpWindowSnapshot {
  requests: number;
  errors: number;
  rps: number;
  errorRate: number;
  latency: { p50: number; p95: number; p99: number };
  routes: Record<string, { requests: number; errors: number; p50: number; p95: number; p99: number; meanMs: number }>;
  totals: { requests: number; errors: number };
}

/** One (method, route, status) series since start, for Prometheus. */
export interface HttpSeries {
  method: string;
  route: string;
  status: number;
  histogram: LatencyHistogram;
}

export class HttpStats {
  /** method → route pattern → stats (two lookups instead of building a key string per request). */
  private readonly byMethod = new Map<string, Map<string, RouteStats>>();
  private windowStartedAt = Date.now();
  private totalRequests = 0;
  private totalErrors = 0;

  record(method: string, route: string, status: number, ms: number): void {
    let routes = this.byMethod.get(method);
    if (!routes) this.byMethod.set(method, (routes = new Map()));
    let stats = routes.get(route);
    if (!stats) {
      stats = { method, route, total: new LatencyHistogram(), window: new LatencyHistogram(), byStatus: new Map(), errors: 0, windowErrors: 0 };
      routes.set(route, stats);
    }
    let byStatus = stats.byStatus.get(status);
    if (!byStatus) stats.byStatus.set(status, (byStatus = new LatencyHistogram()));
    const bucket = LatencyHistogram.bucketOf(ms);
    stats.total.recordIn(bucket, ms);
    stats.window.recordIn(bucket, ms);
    byStatus.recordIn(bucket, ms);
    this.totalRequests++;
    if (status >= 500) {
      stats.errors++;
      stats.windowErrors++;
      this.totalErrors++;
    }
  }

  private *allRoutes(): Iterable<RouteStats> {
    for (const routes of this.byMethod.values()) yield* routes.values();
  }

  /** Figures for the window since the last rotation; `rotate` starts a new window. */
  snapshot(rotate: boolean, now = Date.now()): HttpWindowSnapshot {
    const seconds = Math.max(0.001, (now - this.windowStartedAt) / 1000);
    const all = new LatencyHistogram();
    let errors = 0;
    const routes: HttpWindowSnapshot['routes'] = {};
    for (const stats of this.allRoutes()) {
      all.merge(stats.window);
      errors += stats.windowErrors;
      const total = stats.total.summary();
      routes[`${stats.method} ${stats.route}`] = { requests: total.count, errors: stats.errors, p50: total.p50, p95: total.p95, p99: total.p99, meanMs: total.meanMs };
      if (rotate) {
        stats.window.reset();
        stats.windowErrors = 0;
      }
    }
    if (rotate) this.windowStartedAt = now;
    const summary = all.summary();
    return {
      requests: summary.count,
      errors,
      rps: Math.round((summary.count / seconds) * 10) / 10,
      errorRate: summary.count ? errors / summary.count : 0,
      latency: { p50: summary.p50, p95: summary.p95, p99: summary.p99 },
      routes,
      totals: { requests: this.totalRequests, errors: this.totalErrors },
    };
  }

  /** Every (method, route, status) series since start (the Prometheus histogram reads these). */
  *series(): Iterable<HttpSeries> {
    for (const stats of this.allRoutes()) {
      for (const [status, histogram] of stats.byStatus) yield { method: stats.method, route: stats.route, status, histogram };
    }
  }

  /** The slowest routes by p99 since start (for the performance report). */
  slowest(n: number): Array<{ route: string; p99: number; requests: number }> {
    return [...this.allRoutes()]
      .map((s) => ({ route: `${s.method} ${s.route}`, p99: s.total.quantile(0.99), requests: s.total.count }))
      .sort((a, b) => b.p99 - a.p99)
      .slice(0, n);
  }
}
