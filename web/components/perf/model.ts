/**
 * The performance dashboard's data: the API's shapes (imported as types from the server, so both sides
 * move together) and the pure functions that turn snapshots and history points into chart columns.
 */
import type { CachePolicy, L2State, NamespaceStats } from '../../../src/cache/types.js';
import type { Alert, AlertThresholds } from '../../../src/perf/alerts.js';
import type { HistoryPoint } from '../../../src/perf/history.js';
import type { PerfSnapshot } from '../../../src/perf/monitor.js';
import type { Decision, OptimizerSettings } from '../../../src/perf/optimizer.js';

export type { Alert, AlertThresholds, CachePolicy, Decision, HistoryPoint, L2State, NamespaceStats, OptimizerSettings, PerfSnapshot };

export type PerfRange = '15m' | '1h' | '24h';
export const PERF_RANGES: readonly PerfRange[] = ['15m', '1h', '24h'];
export const RANGE_MS: Record<PerfRange, number> = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 24 * 3_600_000 };
export const RANGE_LABEL: Record<PerfRange, string> = { '15m': '15 min', '1h': '1 hour', '24h': '24 hours' };

/** GET /api/performance/history */
export interface HistoryResponse {
  instance: string;
  range: PerfRange;
  resolutionS: number;
  points: HistoryPoint[];
}

/** GET /api/performance/cache */
export interface CacheResponse {
  l2: L2State;
  namespaces: NamespaceStats[];
}

/** GET/PUT /api/performance/optimizer (CacheOptimizer.view()) */
export interface OptimizerView {
  enabled: boolean;
  settings: OptimizerSettings;
  lastRunAt: string | null;
  policies: Record<string, CachePolicy>;
  decisions: Decision[];
}

/** GET /api/performance/alerts */
export interface AlertsResponse {
  thresholds: AlertThresholds;
  active: Alert[];
  recent: Alert[];
}

/** A live snapshot as a history point: the same conversion as the server's PerfMonitor.point(). */
export function snapshotToPoint(s: PerfSnapshot): HistoryPoint {
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

/** Keeps the live buffer to the last `windowMs` (and at most `cap` points), in time order. */
export function appendLive(live: readonly HistoryPoint[], point: HistoryPoint, windowMs: number, cap = 1200): HistoryPoint[] {
  const last = live[live.length - 1];
  if (last && point.t <= last.t) return live as HistoryPoint[];
  const since = point.t - windowMs;
  let start = 0;
  while (start < live.length && (live[start] as HistoryPoint).t < since) start++;
  start = Math.max(start, live.length + 1 - cap);
  const out = live.slice(start);
  out.push(point);
  return out;
}

/**
 * History followed by the live points newer than its last one, cut to the window ending at the newest
 * point. `liveCount` is how many of the result came from the stream.
 */
export function mergeLive(
  history: readonly HistoryPoint[],
  live: readonly HistoryPoint[],
  windowMs: number,
): { points: HistoryPoint[]; liveCount: number } {
  const lastHistory = history.length ? (history[history.length - 1] as HistoryPoint).t : -Infinity;
  const fresh = live.filter((p) => p.t > lastHistory);
  const all = fresh.length ? [...history, ...fresh] : [...history];
  const newest = all.length ? (all[all.length - 1] as HistoryPoint).t : 0;
  const since = newest - windowMs;
  let start = 0;
  while (start < all.length && (all[start] as HistoryPoint).t < since) start++;
  const points = start ? all.slice(start) : all;
  return { points, liveCount: Math.min(fresh.length, points.length) };
}

/** Namespaces seen in the points, in name order (one hit-rate series each). */
export function namespacesOf(points: readonly HistoryPoint[]): string[] {
  const names = new Set<string>();
  for (const p of points) for (const name of Object.keys(p.hitRate)) names.add(name);
  return [...names].sort();
}

export type Column = (number | null)[];

/** uPlot's aligned data: x in seconds, then one column per picked figure. */
export function columns(points: readonly HistoryPoint[], picks: ReadonlyArray<(p: HistoryPoint) => number | null>): [number[], ...Column[]] {
  const xs = new Array<number>(points.length);
  const ys = picks.map(() => new Array<number | null>(points.length));
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as HistoryPoint;
    xs[i] = p.t / 1000;
    for (let j = 0; j < picks.length; j++) {
      const v = (picks[j] as (p: HistoryPoint) => number | null)(p);
      (ys[j] as Column)[i] = v === null || Number.isFinite(v) ? v : null;
    }
  }
  return [xs, ...ys];
}

/** Last non-null value of a column. */
export function lastValue(column: Column | undefined): number | null {
  if (!column) return null;
  for (let i = column.length - 1; i >= 0; i--) {
    const v = column[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

const trimZeros = (text: string) => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);

/** 0.1234 → "12.3 %" */
export function formatPercent(fraction: number, digits = 1): string {
  return `${trimZeros((fraction * 100).toFixed(digits))} %`;
}

/** Readable number with at most 3 significant decimals: 1234.5 → "1,234.5", 0.01234 → "0.0123". */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return Number(value.toFixed(digits)).toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function formatMs(ms: number): string {
  return `${formatNumber(ms)} ms`;
}

/** 95 → "1 min 35 s" */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

export function formatTime(iso: string | number): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '–' : date.toLocaleTimeString();
}

export function formatDateTime(iso: string | number): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '–';
  const today = new Date();
  return date.toDateString() === today.toDateString() ? date.toLocaleTimeString() : date.toLocaleString();
}

/** What the L2 (Redis) state means for a person. */
export const L2_TEXT: Record<L2State, string> = {
  disabled: 'L1 only (no Redis)',
  closed: 'L2 up',
  open: 'L2 down',
  'half-open': 'L2 recovering',
};
