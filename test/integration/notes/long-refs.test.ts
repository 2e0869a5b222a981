/**
 * Notes whose ref is longer than Fastify's default path-parameter limit (an xpub is 111 characters), and
 * URLs Fastify refuses before routing: both answer as the API always does (problem+json), never as
 * Fastify's own JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { expectProblem, signedIn, startInstance } from '../accounts/harness.js';

const XPUB = 'xpub6CUGRUonZSQ4TWtTMmzXdrXDtypWKiKrhko4egpiMZbpiaQL2jkwSB1icqYh2cfDfVxdx4df189oLKnC5fSwqPfgyP3hooxujYzAu3fDVmz';

describe('notes on long refs', () => {
  let database: TestDatabase;
  let satchel: Satchel;
  let auth: Record<string, string>;

  beforeAll(async () => {
    database = await openTestDatabase('sqlite');
    satchel = await startInstance({ database });
    const { token } = await signedIn(satchel.app, 'longrefs');
    auth = { authorization: `Bearer ${token}` };
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
  });

  it('puts, reads and deletes a note on an xpub', async () => {
    const url = `/api/notes/xpub/${XPUB}`;
    const put = await satchel.app.inject({ method: 'PUT', url, headers: { ...auth, 'content-type': 'application/json' }, payload: { note: 'cold storage' } });
    expect(put.statusCode, put.body).toBeLessThan(300);
    expect((await satchel.app.inject({ method: 'GET', url, headers: auth })).json()).toMatchObject({ type: 'xpub', ref: XPUB, note: 'cold storage' });
    expect((await satchel.app.inject({ method: 'DELETE', url, headers: auth })).statusCode).toBeLessThan(300);
    expectProblem(await satchel.app.inject({ method: 'GET', url, headers: auth }), 404);
  });

  it('answers problem+json for a malformed escape and an over-long path segment', async () => {
    for (const url of ['/api/notes/tx/%ZZ', `/api/notes/tx/${'a'.repeat(600)}`]) {
      const response = await satchel.app.inject({ method: 'GET', url, headers: auth });
      expectProblem(response, 400, 'invalid_input');
      expect(response.body).not.toContain('aaaaaaaaaa');
    }
  });
});
