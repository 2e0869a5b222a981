/**
 * The performance API over several instances (issue 7 "each instance's series is visible from any
 * instance, labelled by instance"; issue 9 "/api/performance/* can show every instance"): two instances
 * on one database and one real redis-server, each publishing its figures each second. From A: the list
 * of instances, B's snapshot, history and alerts, or all of them at once; Prometheus text labelled by
 * instance. Without Redis: this instance alone, same shapes. With Redis gone: this instance alone, and
 * a 503 for another one.
 */
import type { FastifyInstance } from 'fastify';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { expectProblem, signedIn, startInstance } from '../accounts/harness.js';

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached in ${ms} ms: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Summary {
  instance: string;
  self: boolean;
  live: boolean;
  activeAlerts?: number;
}

describe('performance of every instance', () => {
  const storage = useTestDatabase(DIALECTS.includes('postgres') ? 'postgres' : 'sqlite');
  let redis: RedisServerHandle;
  let a: Satchel;
  let b: Satchel;
  let adminToken: string;
  let userToken: string;

  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url };
    a = await startInstance({ database: storage.database, env: { ...env, INSTANCE_ID: 'perf-a' } });
    b = await startInstance({ database: storage.database, env: { ...env, INSTANCE_ID: 'perf-b' } });
    adminToken = (await signedIn(a.app, 'perf_admin')).token;
    userToken = (await signedIn(b.app, 'perf_user')).token;
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  const get = (app: FastifyInstance, url: string, token = adminToken) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  const json = async (app: FastifyInstance, url: string) => {
    const response = await get(app, url);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  it('lists both instances from either one, each marking itself', async () => {
    for (const [app, self, other] of [[a.app, 'perf-a', 'perf-b'], [b.app, 'perf-b', 'perf-a']] as const) {
      const body = await waitFor(
        () => json(app, '/api/performance/instances'),
        (value: { instances: Summary[] }) => value.instances.length === 2 && value.instances.every((i) => i.live),
      );
      expect(body).toMatchObject({ self, shared: true, reachable: true });
      expect(body.instances.map((i: Summary) => [i.instance, i.self])).toEqual([[self, true], [other, false]]);
      expect(body.instances[1]).toMatchObject({ startedAt: expect.any(String), lastSeenAt: expect.any(String), rssMb: expect.any(Number), activeAlerts: 0 });
    }
    expectProblem(await get(a.app, '/api/performance/instances', userToken), 403, 'forbidden');
  });

  it("shows B's own figures on A, and both at once", async () => {
    // Traffic only B sees.
    for (let i = 0; i < 15; i++) {
      await b.app.inject({ method: 'POST', url: '/api/validate', headers: { authorization: `Bearer ${adminToken}` }, payload: { type: 'txid', value: 'ab'.repeat(32) } });
    }
    const routeOf = (snapshot: { http: { routes: Record<string, { requests: number }> } }) => snapshot.http.routes['POST /api/validate']?.requests ?? 0;
    // B publishes each second; its next publication carries the 15 requests.
    const seenFromA = await waitFor(() => json(a.app, '/api/performance/metrics?instance=perf-b'), (s) => routeOf(s) >= 15);
    expect(seenFromA.instance).toBe('perf-b');
    expect(seenFromA.validation.txid.calls).toBeGreaterThanOrEqual(15);
    expect(routeOf(await json(a.app, '/api/performance/metrics'))).toBe(0);
    expect((await json(a.app, '/api/performance/metrics?instance=perf-a')).instance).toBe('perf-a');

    const all = await json(a.app, '/api/performance/metrics?instance=all');
    expect(all.instances.map((s: { instance: string }) => s.instance)).toEqual(['perf-a', 'perf-b']);

    expectProblem(await get(a.app, '/api/performance/metrics?instance=nobody'), 404, 'not_found');
    expectProblem(await get(a.app, `/api/performance/metrics?instance=${'x'.repeat(201)}`), 400, 'invalid_input');
  });

  it("gives B's history on A, and every instance's series at once", async () => {
    const history = await waitFor(() => json(a.app, '/api/performance/history?range=15m&instance=perf-b'), (h) => h.points.length >= 2);
    expect(history).toMatchObject({ instance: 'perf-b', range: '15m', resolutionS: 1 });
    expect(history.points[0]).toMatchObject({ t: expect.any(Number), rps: expect.any(Number), p99: expect.any(Number), hitRate: expect.any(Object) });
    const times = history.points.map((p: { t: number }) => p.t);
    expect([...times].sort((x, y) => x - y)).toEqual(times);

    const all = await json(a.app, '/api/performance/history?range=15m&instance=all');
    expect(all).toMatchObject({ range: '15m', resolutionS: 1 });
    expect(all.instances.map((s: { instance: string }) => s.instance)).toEqual(['perf-a', 'perf-b']);
    expect(all.instances.every((s: { points: unknown[] }) => s.points.length >= 1)).toBe(true);
    expectProblem(await get(a.app, '/api/performance/history?instance=nobody'), 404, 'not_found');
  });

  it('shows on A an alert active on B, naming B', async () => {
    // B alone alerts on any request at all: p99 above 0 ms, at once. Thresholds set through the API
    // hold for every instance (test/integration/perf/shared-settings.test.ts), so B's are set in place.
    b.monitor.alerts.thresholds = { ...b.monitor.alerts.thresholds, p99Ms: 0, p99ForS: 0 };
    const keepBusy = setInterval(() => void b.app.inject({ method: 'GET', url: '/api/health' }), 50);
    try {
      const alerts = await waitFor(
        () => json(a.app, '/api/performance/alerts?instance=all'),
        (value: { active: Array<{ instance: string; rule: string }> }) => value.active.some((x) => x.instance === 'perf-b' && x.rule === 'high_p99'),
      );
      expect(alerts.active.every((x: { instance: string }) => x.instance === 'perf-b')).toBe(true);
      expect((await json(a.app, '/api/performance/alerts')).active).toEqual([]);
      const ofB = await json(a.app, '/api/performance/alerts?instance=perf-b');
      expect(ofB.active[0]).toMatchObject({ instance: 'perf-b', rule: 'high_p99', startedAt: expect.any(String) });
      const listed = await json(a.app, '/api/performance/instances');
      expect(listed.instances.find((i: Summary) => i.instance === 'perf-b').activeAlerts).toBeGreaterThanOrEqual(1);
    } finally {
      clearInterval(keepBusy);
    }
  });

  it('labels every Prometheus series with its instance', async () => {
    for (const [app, id] of [[a.app, 'perf-a'], [b.app, 'perf-b']] as const) {
      const response = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
      expect(response.statusCode).toBe(200);
      const families = parsePrometheusTextFormat(response.body) as Array<{ name: string; type: string; metrics: Array<{ labels?: Record<string, string> }> }>;
      expect(families.length).toBeGreaterThan(10);
      // (The parser drops the labels of histogram series, so those are checked on the raw text below.)
      for (const family of families.filter((f) => f.type !== 'HISTOGRAM')) {
        for (const series of family.metrics) expect(series.labels?.instance, family.name).toBe(id);
      }
      const samples = response.body.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
      for (const line of samples) expect(line).toContain(`instance="${id}"`);
    }
  });

  it('without Redis, shows the instance alone in the same shapes', async () => {
    const alone = await startInstance({ database: storage.database, env: { INSTANCE_ID: 'perf-alone' } });
    try {
      const body = (await get(alone.app, '/api/performance/instances')).json();
      expect(body).toMatchObject({ self: 'perf-alone', shared: false, reachable: true, instances: [{ instance: 'perf-alone', self: true, live: true }] });
      expect((await get(alone.app, '/api/performance/metrics?instance=all')).json().instances.map((s: { instance: string }) => s.instance)).toEqual(['perf-alone']);
      const history = (await get(alone.app, '/api/performance/history?instance=all')).json();
      expect(history.instances.map((s: { instance: string }) => s.instance)).toEqual(['perf-alone']);
      expect((await get(alone.app, '/api/performance/alerts?instance=all')).statusCode).toBe(200);
      expectProblem(await get(alone.app, '/api/performance/metrics?instance=perf-b'), 404, 'not_found');
    } finally {
      await alone.close();
    }
  });

  it('with Redis gone, shows this instance alone and answers 503 for another', async () => {
    await redis.kill();
    const body = await waitFor(() => json(a.app, '/api/performance/instances'), (value: { reachable: boolean; instances: Summary[] }) => value.reachable === false);
    expect(body.instances.map((i: Summary) => i.instance)).toEqual(['perf-a']);
    expect((await json(a.app, '/api/performance/metrics?instance=all')).instances.map((s: { instance: string }) => s.instance)).toEqual(['perf-a']);
    expectProblem(await get(a.app, '/api/performance/metrics?instance=perf-b'), 503, 'dependency_down');
    expect((await get(a.app, '/api/performance/metrics')).statusCode).toBe(200);
    await redis.restart();
    // Back: A publishes again and sees B again.
    await waitFor(() => json(a.app, '/api/performance/instances'), (value: { reachable: boolean; instances: Summary[] }) => value.reachable && value.instances.length === 2 && value.instances.every((i) => i.live));
    // And each instance's job queue is back too (so that both close cleanly): an async import completes.
    for (const [app, n] of [[a.app, 1], [b.app, 2]] as const) {
      const accepted = await app.inject({
        method: 'POST',
        url: '/api/notes/import?format=csv&async=1',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'text/csv' },
        payload: `txid,note\n${String(n).padStart(64, '0')},after the outage`,
      });
      expect(accepted.statusCode, accepted.body).toBe(202);
      const { jobId } = accepted.json() as { jobId: string };
      await waitFor(() => json(app, `/api/jobs/${jobId}`), (job: { state: string }) => job.state === 'completed', 15_000);
    }
  });
});
