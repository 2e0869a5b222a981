/**
 * The performance API against a real Satchel with a real Redis: admin only, Prometheus text that a
 * parser reads, SSE snapshots, an alert that fires when Redis is killed and clears when it is back,
 * and the optimizer's switch.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { useTestDatabase } from '../../helpers/dialects.js';
import { expectProblem, signedIn, startInstance } from '../accounts/harness.js';

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached in ${ms} ms: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('performance API', () => {
  const storage = useTestDatabase('sqlite');
  let redis: RedisServerHandle;
  let satchel: Satchel;
  let adminToken: string;
  let userToken: string;

  beforeAll(async () => {
    redis = await startRedis();
    satchel = await startInstance({ database: storage.database, env: { REDIS_URL: redis.url } });
    await satchel.app.listen({ port: 0, host: '127.0.0.1' });
    adminToken = (await signedIn(satchel.app, 'admin')).token;
    userToken = (await signedIn(satchel.app, 'someone')).token;
  });
  afterAll(async () => {
    await satchel?.close();
    await redis?.stop();
  });

  const get = (url: string, token = adminToken) =>
    satchel.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  it('refuses non-admins', async () => {
    for (const url of ['/api/performance/metrics', '/api/performance/history', '/api/performance/cache', '/api/performance/optimizer', '/api/performance/alerts', '/api/performance/report']) {
      expectProblem(await get(url, userToken), 403, 'forbidden');
    }
    expectProblem(await satchel.app.inject({ method: 'GET', url: '/api/performance/metrics' }), 401);
  });

  it('gives a snapshot of http, cache, validation, process and dependencies', async () => {
    for (let i = 0; i < 20; i++) {
      await satchel.app.inject({ method: 'POST', url: '/api/validate', headers: { authorization: `Bearer ${adminToken}` }, payload: { type: 'address', value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' } });
    }
    const body = (await get('/api/performance/metrics')).json();
    expect(body.http.routes['POST /api/validate'].requests).toBeGreaterThanOrEqual(20);
    expect(body.cache['validate:address']).toMatchObject({ policy: 'l1', l1: { hits: expect.any(Number) } });
    expect(body.cache['validate:address'].l1.hits).toBeGreaterThanOrEqual(19);
    expect(body.validation.address.calls).toBeGreaterThanOrEqual(20);
    expect(body.validation.password.policy).toBe('off');
    expect(body.process.rssMb).toBeGreaterThan(10);
    expect(body.dependencies.database.ok).toBe(true);
    expect(body.l2).toBe('closed');
  });

  it('serves Prometheus text that a parser reads, to loopback clients', async () => {
    const response = await satchel.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(response.statusCode).toBe(200);
    const families = parsePrometheusTextFormat(response.body) as Array<{ name: string; metrics: Array<{ labels?: Record<string, string> }> }>;
    const names = families.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['satchel_http_request_duration_seconds', 'satchel_cache_hits_total', 'satchel_validation_calls_total', 'satchel_event_loop_lag_p99_seconds']));
    const hits = families.find((f) => f.name === 'satchel_cache_hits_total')!;
    expect(hits.metrics.some((m) => m.labels?.namespace === 'validate:address' && m.labels?.layer === 'l1')).toBe(true);
    const remote = await satchel.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    expectProblem(remote, 403);
  });

  it('streams snapshots over SSE every second', async () => {
    const address = satchel.app.server.address() as { port: number };
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${address.port}/api/performance/stream`, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const snapshots: Array<{ at: string; instance: string }> = [];
    while (snapshots.length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const event = text.slice(0, end);
        text = text.slice(end + 2);
        const data = event.split('\n').find((line) => line.startsWith('data: '));
        if (event.includes('event: snapshot') && data) snapshots.push(JSON.parse(data.slice(6)));
      }
    }
    controller.abort();
    expect(snapshots).toHaveLength(2);
    expect(Date.parse(snapshots[1]!.at)).toBeGreaterThan(Date.parse(snapshots[0]!.at));
  });

  it('fills the history once a second', async () => {
    const history = await waitFor(() => get('/api/performance/history?range=15m').then((r) => r.json()), (h) => h.points.length >= 2);
    expect(history).toMatchObject({ range: '15m', resolutionS: 1 });
    expect(history.points[0]).toMatchObject({ t: expect.any(Number), rps: expect.any(Number), p99: expect.any(Number), hitRate: expect.any(Object) });
    expectProblem(await get('/api/performance/history?range=2d'), 400, 'invalid_input');
  });

  it('opens an alert when Redis is killed and closes it when Redis is back', async () => {
    const put = await satchel.app.inject({
      method: 'PUT',
      url: '/api/performance/alerts/thresholds',
      headers: { authorization: `Bearer ${adminToken}` },
      payload: { l2DownForS: 0 },
    });
    expect(put.statusCode).toBe(200);
    await redis.kill();
    const down = await waitFor(() => get('/api/performance/alerts').then((r) => r.json()), (a) => a.active.some((x: { rule: string }) => x.rule === 'l2_down'));
    expect(down.active.find((x: { rule: string }) => x.rule === 'l2_down').startedAt).toEqual(expect.any(String));
    const health = (await get('/api/performance/health')).json();
    expect(health.status).toBe('degraded');
    // Requests keep working from L1 + compute while Redis is down.
    const validate = await satchel.app.inject({ method: 'POST', url: '/api/validate', headers: { authorization: `Bearer ${adminToken}` }, payload: { type: 'xpub', value: 'xpub6BosfCnifzxcFwrSzQiqu2DBVTshkCXacvNsWGYJVVhhawA7d4R5WSWGFNbi8Aw6ZRc1brxMyWMzG3DSSSSoekkudhUd9yLb6qx39T9nMdj' } });
    expect(validate.json().valid).toBe(true);

    await redis.restart();
    const cleared = await waitFor(() => get('/api/performance/alerts').then((r) => r.json()), (a) => !a.active.some((x: { rule: string }) => x.rule === 'l2_down'), 30_000);
    expect(cleared.recent.find((x: { rule: string }) => x.rule === 'l2_down').endedAt).toEqual(expect.any(String));
  });

  it('switches the optimizer off and on and runs it on demand', async () => {
    const auth = { authorization: `Bearer ${adminToken}` };
    const off = await satchel.app.inject({ method: 'PUT', url: '/api/performance/optimizer', headers: auth, payload: { enabled: false } });
    expect(off.json().enabled).toBe(false);
    expectProblem(await satchel.app.inject({ method: 'PUT', url: '/api/performance/optimizer', headers: auth, payload: { enabled: 'no' } }), 400, 'invalid_input');
    const run = await satchel.app.inject({ method: 'POST', url: '/api/performance/optimizer/run', headers: auth });
    expect(run.statusCode).toBe(200);
    expect(Array.isArray(run.json().decisions)).toBe(true);
    const on = await satchel.app.inject({ method: 'PUT', url: '/api/performance/optimizer', headers: auth, payload: { enabled: true } });
    expect(on.json().enabled).toBe(true);
  });

  it('clears a cache namespace and reports it', async () => {
    const auth = { authorization: `Bearer ${adminToken}` };
    const cleared = await satchel.app.inject({ method: 'DELETE', url: '/api/performance/cache/validate:address', headers: auth });
    expect(cleared.json()).toEqual({ cleared: ['validate:address'] });
    const cache = (await get('/api/performance/cache')).json();
    expect(cache.namespaces.find((n: { name: string }) => n.name === 'validate:address').l1.size).toBe(0);
    expectProblem(await satchel.app.inject({ method: 'DELETE', url: '/api/performance/cache/nope', headers: auth }), 404);
  });

  it('writes a report in JSON and markdown', async () => {
    const json = (await get('/api/performance/report?range=15m')).json();
    expect(json).toMatchObject({ range: '15m', caches: expect.any(Array), validation: expect.any(Array), slowestRoutes: expect.any(Array) });
    const md = await get('/api/performance/report?format=md');
    expect(md.headers['content-type']).toMatch(/^text\/markdown/);
    expect(md.body).toContain('# Satchel performance report');
  });
});
