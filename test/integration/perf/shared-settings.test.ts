/**
 * Optimizer settings and alert thresholds set through the API hold for the whole service: two
 * instances on one database (PostgreSQL when available), a PUT on A is what B answers and applies, an
 * instance started later starts with it, and each instance's own figures stay its own.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { expectProblem, signedIn, startInstance } from '../accounts/harness.js';

describe('performance settings shared by every instance', () => {
  const storage = useTestDatabase(DIALECTS.includes('postgres') ? 'postgres' : 'sqlite');
  const started: Satchel[] = [];
  let a: Satchel;
  let b: Satchel;
  let token: string;
  let readToken: string;

  const start = async (id: string) => {
    const satchel = await startInstance({ database: storage.database, env: { INSTANCE_ID: id }, start: { perfSettingsPollMs: 100 } });
    started.push(satchel);
    return satchel;
  };
  const call = (app: FastifyInstance, method: 'GET' | 'PUT', url: string, payload?: Record<string, unknown>, bearer = token) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${bearer}` }, ...(payload === undefined ? {} : { payload }) });

  beforeAll(async () => {
    a = await start('settings-a');
    b = await start('settings-b');
    token = (await signedIn(a.app, 'settings_admin')).token;
    const created = await call(a.app, 'PUT', '/api/performance/optimizer', { margin: 0.1 });
    expect(created.statusCode, created.body).toBe(200);
    const reader = await a.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { authorization: `Bearer ${token}` }, payload: { name: 'read only', scopes: ['read'] } });
    readToken = reader.json().token;
  });
  afterAll(async () => {
    for (const satchel of started.reverse()) await satchel.close();
  });

  it('an optimizer change made on A is what B answers, and what B runs with', async () => {
    const put = await call(a.app, 'PUT', '/api/performance/optimizer', { margin: 0.25, minLookups: 77 });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().settings).toMatchObject({ margin: 0.25, minLookups: 77 });
    const onB = await call(b.app, 'GET', '/api/performance/optimizer');
    expect(onB.json().settings).toMatchObject({ margin: 0.25, minLookups: 77 });
    expect(b.optimizer.view().settings).toMatchObject({ margin: 0.25, minLookups: 77 });
  });

  it('B follows a change without being asked, within its poll interval', async () => {
    await call(a.app, 'PUT', '/api/performance/optimizer', { enabled: false });
    await expect.poll(() => b.optimizer.view().enabled, { timeout: 5_000, interval: 50 }).toBe(false);
    await call(b.app, 'PUT', '/api/performance/optimizer', { enabled: true });
    await expect.poll(() => a.optimizer.view().enabled, { timeout: 5_000, interval: 50 }).toBe(true);
    // Changes merge: B's PUT of `enabled` kept A's margin.
    expect(a.optimizer.view().settings).toMatchObject({ enabled: true, margin: 0.25, minLookups: 77 });
  });

  it('alert thresholds set on B are read and applied on A', async () => {
    const put = await call(b.app, 'PUT', '/api/performance/alerts/thresholds', { p99Ms: 123, errorRate: 0.2 });
    expect(put.statusCode, put.body).toBe(200);
    const onA = await call(a.app, 'GET', '/api/performance/alerts');
    expect(onA.json().thresholds).toMatchObject({ p99Ms: 123, errorRate: 0.2 });
    expect(a.monitor.alerts.thresholds).toMatchObject({ p99Ms: 123, errorRate: 0.2 });
  });

  it('an instance started later starts with the stored settings', async () => {
    const c = await start('settings-c');
    expect(c.optimizer.view().settings).toMatchObject({ margin: 0.25, minLookups: 77 });
    expect(c.monitor.alerts.thresholds).toMatchObject({ p99Ms: 123 });
  });

  it('a bad value is refused naming the field, and changes nothing anywhere', async () => {
    expectProblem(await call(a.app, 'PUT', '/api/performance/optimizer', { margin: 2 }), 400, 'invalid_input');
    expectProblem(await call(a.app, 'PUT', '/api/performance/optimizer', { margin: 0.5 }, readToken), 403, 'insufficient_scope');
    expect((await call(b.app, 'GET', '/api/performance/optimizer')).json().settings.margin).toBe(0.25);
  });
});
