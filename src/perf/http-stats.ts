/**
 * Per-route request statistics for the JSON performance API: totals since start and a window that the
 * snapshot clock rotates every second (so rps and percentiles describe "now", not the whole uptime).
 */
import { LatencyHistogram } from './latency-histogram.js';

interface RouteStats {
  total: LatencyHistogram;
  window: LatencyHistogram;
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

export class HttpStats {
  private readonly routes = new Map<string, RouteStats>();
  private windowStartedAt = Date.now();
  private totalRequests = 0;
  private totalErrors = 0;

  record(route: string, status: number, ms: number): void {
    let stats = this.routes.get(route);
    if (!stats) {
      stats = { total: new LatencyHistogram(), window: new LatencyHistogram(), errors: 0, windowErrors: 0 };
      this.routes.set(route, stats);
    }
    stats.total.record(ms);
    stats.window.record(ms);
    this.totalRequests++;
    if (status >= 500) {
      stats.errors++;
      stats.windowErrors++;
      this.totalErrors++;
    }
  }

  /** Figures for the window since the last rotation; `rotate` starts a new window. */
  snapshot(rotate: boolean, now = Date.now()): HttpWindowSnapshot {
    const seconds = Math.max(0.001, (now - this.windowStartedAt) / 1000);
    const all = new LatencyHistogram();
    let errors = 0;
    const routes: HttpWindowSnapshot['routes'] = {};
    for (const [route, stats] of this.routes) {
      all.merge(stats.window);
      errors += stats.windowErrors;
      const total = stats.total.summary();
      routes[route] = { requests: total.count, errors: stats.errors, p50: total.p50, p95: total.p95, p99: total.p99, meanMs: total.meanMs };
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

  /** The slowest routes by p99 since start (for the performance report). */
  slowest(n: number): Array<{ route: string; p99: number; requests: number }> {
    return [...this.routes]
      .map(([route, s]) => ({ route, p99: s.total.quantile(0.99), requests: s.total.count }))
      .sort((a, b) => b.p99 - a.p99)
      .slice(0, n);
  }
}
