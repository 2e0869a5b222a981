/**
 * The performance API (SPEC: Performance): admin-only JSON under /api/performance, and /metrics in
 * Prometheus text for a bearer METRICS_TOKEN or loopback clients.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TieredCache } from '../../../cache/index.js';
import { AppError } from '../../../errors.js';
import type { AlertThresholds } from '../../../perf/alerts.js';
import type { PerfCluster } from '../../../perf/cluster.js';
import type { HistoryRange } from '../../../perf/history.js';
import type { Metrics } from '../../../perf/metrics.js';
import type { PerfMonitor } from '../../../perf/monitor.js';
import type { SharedPerfSettings } from '../../../perf/shared-settings.js';
import type { CacheOptimizer, OptimizerSettings } from '../../../perf/optimizer.js';
import { buildReport, reportMarkdown } from '../../../perf/report.js';
import { openEventStream } from '../../event-stream.js';
import { sendProblem } from '../../plugins/problem-errors.js';
import { alertThresholdsBody, instanceQuery, namespaceParams, optimizerBody, rangeQuery, reportQuery } from './schemas.js';

export interface PerformanceRouteDeps {
  metrics: Metrics;
  monitor: PerfMonitor;
  cache: TieredCache;
  optimizer: CacheOptimizer;
  /** Every instance's figures (through Redis when configured, else this instance alone). */
  cluster: PerfCluster;
  /** Optimizer settings and alert thresholds shared by every instance. */
  settings: SharedPerfSettings;
  metricsToken?: string;
}

// Admin-only figures need an admin's `admin` scope to read, as /api/admin/* does (a read-only token of
// an admin does not see them; an admin-only token does).
const admin = { access: 'admin', scope: 'admin' } as const;
const adminWrite = { access: 'admin', scope: 'admin' } as const;

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1' || ip.startsWith('127.');
}

function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export default async function performanceRoutes(app: FastifyInstance, deps: PerformanceRouteDeps): Promise<void> {
  const { metrics, monitor, cache, optimizer, cluster, settings } = deps;
  /** Which instance a request asks about: `?instance=<id>|all`, this one by default. */
  const target = (query: { instance?: string }) => query.instance ?? metrics.instanceId;
  // Live streams never end by themselves: close them before the server waits for its connections.
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.get('/metrics', { config: { access: 'public' } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    // request.ip: behind a trusted proxy (TRUST_PROXY) the client nginx saw, not nginx's own loopback.
    const allowed = deps.metricsToken ? tokenMatches(bearer, deps.metricsToken) : isLoopback(request.ip);
    if (!allowed) {
      return sendProblem(reply, new AppError(deps.metricsToken ? 'unauthorized' : 'forbidden', deps.metricsToken ? 'Send METRICS_TOKEN as a bearer token' : '/metrics answers loopback clients only unless METRICS_TOKEN is set'));
    }
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get('/api/performance/instances', { config: admin }, async () => cluster.instances());

  app.get<{ Querystring: { instance?: string } }>(
    '/api/performance/metrics',
    { config: admin, schema: { querystring: instanceQuery } },
    async (request) => {
      const instance = target(request.query);
      return instance === 'all' ? { instances: await cluster.allMetrics() } : cluster.metrics(instance);
    },
  );

  app.get<{ Querystring: { range: HistoryRange; instance?: string } }>(
    '/api/performance/history',
    { config: admin, schema: { querystring: rangeQuery } },
    async (request) => {
      const { range } = request.query;
      const instance = target(request.query);
      if (instance === 'all') return { range, ...(await cluster.allHistory(range)) };
      return { instance, range, ...(await cluster.history(instance, range)) };
    },
  );

  app.get('/api/performance/stream', { config: admin }, async (request, reply) => {
    const stream = openEventStream(reply);
    const raw = stream.raw;
    raw.write(': connected\n\n');
    const first = monitor.latest();
    if (first) stream.send('snapshot', first);
    const unsubscribe = monitor.subscribe((snapshot) => stream.send('snapshot', snapshot));
    streams.add(raw);
    request.raw.on('close', () => {
      unsubscribe();
      streams.delete(raw);
    });
  });

  app.get('/api/performance/health', { config: admin }, async () => {
    const snapshot = await monitor.current();
    const checks: Record<string, { ok: boolean; detail?: string; state?: string }> = { ...snapshot.dependencies };
    const l2 = cache.l2State();
    if (l2 !== 'disabled') checks.redis = { ok: l2 === 'closed', state: l2 };
    const database = checks.database;
    const status = database && !database.ok ? 'down' : Object.values(checks).every((c) => c.ok) ? 'ok' : 'degraded';
    return { status, checks };
  });

  app.get('/api/performance/cache', { config: admin }, async () => ({
    l2: cache.l2State(),
    namespaces: cache.namespaces().map((ns) => ns.stats()),
  }));

  app.delete<{ Params: { namespace?: string } }>(
    '/api/performance/cache/:namespace?',
    { config: adminWrite, schema: { params: namespaceParams } },
    async (request) => {
      const name = request.params.namespace;
      const targets = name ? cache.namespaces().filter((ns) => ns.name === name) : cache.namespaces();
      if (name && targets.length === 0) throw new AppError('not_found', `No cache namespace "${name}"`);
      await Promise.all(targets.map((ns) => ns.clear()));
      return { cleared: targets.map((ns) => ns.name) };
    },
  );

  app.get('/api/performance/optimizer', { config: admin }, async () => {
    await settings.syncQuietly();
    return optimizer.view();
  });

  app.put<{ Body: Partial<OptimizerSettings> }>(
    '/api/performance/optimizer',
    { config: adminWrite, schema: { body: optimizerBody } },
    async (request) => {
      await settings.updateOptimizer(request.body);
      return optimizer.view();
    },
  );

  app.post('/api/performance/optimizer/run', { config: adminWrite }, async () => ({ decisions: await optimizer.run() }));

  app.get<{ Querystring: { instance?: string } }>(
    '/api/performance/alerts',
    { config: admin, schema: { querystring: instanceQuery } },
    async (request) => {
      await settings.syncQuietly();
      return { thresholds: monitor.alerts.thresholds, ...(await cluster.alerts(target(request.query))) };
    },
  );

  app.put<{ Body: Partial<AlertThresholds> }>(
    '/api/performance/alerts/thresholds',
    { config: adminWrite, schema: { body: alertThresholdsBody } },
    async (request) => {
      await settings.updateAlertThresholds(request.body);
      return { thresholds: monitor.alerts.thresholds };
    },
  );

  app.get<{ Querystring: { range: HistoryRange; format: 'json' | 'md' } }>(
    '/api/performance/report',
    { config: admin, schema: { querystring: reportQuery } },
    async (request, reply) => {
      const report = buildReport({ range: request.query.range, monitor, metrics, optimizer, snapshot: await monitor.current() });
      if (request.query.format === 'md') return reply.type('text/markdown; charset=utf-8').send(reportMarkdown(report));
      return report;
    },
  );
}
