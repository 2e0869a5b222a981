/**
 * The performance report (GET /api/performance/report): per cache namespace and validation type the
 * hit rate and the time caching saved against computing, the optimizer's decisions with their measured
 * effect, and the slowest routes.
 */
import type { HistoryRange } from './history.js';
import type { Metrics } from './metrics.js';
import type { PerfMonitor, PerfSnapshot } from './monitor.js';
import type { CacheOptimizer } from './optimizer.js';

export interface PerformanceReport {
  generatedAt: string;
  instance: string;
  range: HistoryRange;
  traffic: { points: number; meanRps: number; worstP99Ms: number; meanErrorRate: number };
  caches: Array<{ namespace: string; policy: string; hitRate: number; l1Hits: number; l2Hits: number; l2Errors: number; size: number; max: number }>;
  validation: Array<{ type: string; policy: string; calls: number; cacheHits: number; hitRate: number; meanUsUncached: number; meanUsCached: number; savedMs: number }>;
  optimizer: { enabled: boolean; decisions: Array<{ at: string; target: string; action: string; from?: string; to?: string; reason: string; measuredNowUs?: number }> };
  slowestRoutes: Array<{ route: string; p99: number; requests: number }>;
}

export function buildReport(input: {
  range: HistoryRange;
  monitor: PerfMonitor;
  metrics: Metrics;
  optimizer: CacheOptimizer;
  snapshot: PerfSnapshot;
}): PerformanceReport {
  const { range, monitor, metrics, optimizer, snapshot } = input;
  const points = monitor.history.range(range).points;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const validation = Object.entries(snapshot.validation).map(([type, s]) => {
    // Time saved: each hit cost meanUsCached instead of meanUsUncached.
    const savedMs = (s.cacheHits * Math.max(0, s.meanUsUncached - s.meanUsCached)) / 1000;
    return {
      type,
      policy: s.policy,
      calls: s.calls,
      cacheHits: s.cacheHits,
      hitRate: s.calls ? s.cacheHits / s.calls : 0,
      meanUsUncached: s.meanUsUncached,
      meanUsCached: s.meanUsCached,
      savedMs: Math.round(savedMs * 100) / 100,
    };
  });
  const costNow = new Map(validation.map((v) => [`validate:${v.type}`, v]));
  return {
    generatedAt: new Date().toISOString(),
    instance: metrics.instanceId,
    range,
    traffic: {
      points: points.length,
      meanRps: Math.round(mean(points.map((p) => p.rps)) * 10) / 10,
      worstP99Ms: Math.max(0, ...points.map((p) => p.p99)),
      meanErrorRate: mean(points.map((p) => p.errorRate)),
    },
    caches: Object.values(snapshot.cache).map((s) => ({
      namespace: s.name,
      policy: s.policy,
      hitRate: s.hitRate,
      l1Hits: s.l1.hits,
      l2Hits: s.l2.hits,
      l2Errors: s.l2.errors,
      size: s.l1.size,
      max: s.l1.max,
    })),
    validation,
    optimizer: {
      enabled: optimizer.settings.enabled,
      decisions: optimizer.history().map((d) => {
        const now = costNow.get(d.target);
        // Measured effect: the mean cost per call now, against the computing cost it replaced.
        const measuredNowUs = now ? (now.hitRate * now.meanUsCached + (1 - now.hitRate) * now.meanUsUncached) : undefined;
        return { ...d, ...(measuredNowUs !== undefined ? { measuredNowUs: Math.round(measuredNowUs * 100) / 100 } : {}) };
      }),
    },
    slowestRoutes: metrics.http.slowest(10),
  };
}

export function reportMarkdown(r: PerformanceReport): string {
  const lines = [
    `# Satchel performance report (${r.range})`,
    '',
    `Instance ${r.instance}, generated ${r.generatedAt}. Mean ${r.traffic.meanRps} req/s, worst p99 ${r.traffic.worstP99Ms} ms, error rate ${(r.traffic.meanErrorRate * 100).toFixed(2)} %.`,
    '',
    '## Caches',
    '',
    '| namespace | policy | hit rate | L1 hits | L2 hits | L2 errors | size / max |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...r.caches.map((c) => `| ${c.namespace} | ${c.policy} | ${(c.hitRate * 100).toFixed(1)} % | ${c.l1Hits} | ${c.l2Hits} | ${c.l2Errors} | ${c.size} / ${c.max} |`),
    '',
    '## Validation',
    '',
    '| type | policy | calls | cache hits | µs uncached | µs cached | time saved |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...r.validation.map((v) => `| ${v.type} | ${v.policy} | ${v.calls} | ${v.cacheHits} | ${v.meanUsUncached.toFixed(2)} | ${v.meanUsCached.toFixed(2)} | ${v.savedMs} ms |`),
    '',
    `## Optimizer (${r.optimizer.enabled ? 'on' : 'off'})`,
    '',
    ...(r.optimizer.decisions.length
      ? r.optimizer.decisions.map((d) => `- ${d.at} ${d.target}: ${d.action}${d.to ? ` ${d.from} → ${d.to}` : ''} — ${d.reason}${d.measuredNowUs !== undefined ? ` (now ${d.measuredNowUs} µs per call)` : ''}`)
      : ['No decisions yet.']),
    '',
    '## Slowest routes (p99 since start)',
    '',
    '| route | p99 ms | requests |',
    '| --- | --- | --- |',
    ...r.slowestRoutes.map((s) => `| ${s.route} | ${s.p99.toFixed(2)} | ${s.requests} |`),
  ];
  return `${lines.join('\n')}\n`;
}
