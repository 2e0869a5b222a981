/**
 * `/metrics` without METRICS_TOKEN answers loopback clients only — judged on the client address, so
 * behind a trusted proxy (TRUST_PROXY) a remote client relayed by a local nginx is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { expectProblem, startInstance } from '../accounts/harness.js';

describe('/metrics behind a trusted proxy', () => {
  let database: TestDatabase;
  let satchel: Satchel;

  beforeAll(async () => {
    database = await openTestDatabase('sqlite');
    satchel = await startInstance({ database, env: { TRUST_PROXY: '127.0.0.1' } });
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
  });

  it('serves a local scraper and refuses a remote client relayed by the local proxy', async () => {
    const local = await satchel.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(local.statusCode).toBe(200);
    expect(local.body).toContain('satchel_http_request_duration_seconds');
    const relayed = await satchel.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expectProblem(relayed, 403, 'forbidden');
  });

  it('ignores X-Forwarded-For from a peer that is not the trusted proxy', async () => {
    const forged = await satchel.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '198.51.100.7', headers: { 'x-forwarded-for': '127.0.0.1' } });
    expectProblem(forged, 403, 'forbidden');
  });
});
