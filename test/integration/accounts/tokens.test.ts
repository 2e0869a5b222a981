/** API tokens and CSRF: creation (shown once, hashed), scopes, revocation, owner isolation, paging. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { Client, expectProblem, signedIn, startInstance } from './harness.js';

describe.each(DIALECTS)('API tokens and CSRF (%s)', (dialect) => {
  let database: TestDatabase;
  let satchel: Satchel;
  let admin: Awaited<ReturnType<typeof signedIn>>;
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    satchel = await startInstance({ database });
    admin = await signedIn(satchel.app, 'root');
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
  });

  it('refuses a cookie write without the CSRF token and accepts it with the token', async () => {
    const { client } = await signedIn(satchel.app, 'alice');
    const bare = await client.request('POST', '/api/auth/tokens', { payload: { name: 'laptop' } });
    expectProblem(bare, 403, 'csrf_rejected');
    const forged = await client.request('POST', '/api/auth/tokens', { payload: { name: 'laptop' }, headers: { 'x-csrf-token': 'forged' } });
    expectProblem(forged, 403, 'csrf_rejected');
    const ok = await client.request('POST', '/api/auth/tokens', { payload: { name: 'laptop' }, csrf: true });
    expect(ok.statusCode).toBe(201);
  });

  it('needs no CSRF token for a bearer write', async () => {
    const { token } = await signedIn(satchel.app, 'bob');
    const response = await new Client(satchel.app).request('POST', '/api/auth/tokens', { bearer: token, payload: { name: 'ci' } });
    expect(response.statusCode).toBe(201);
  });

  it('shows a new token once, stores only its sha256, defaults to read+write', async () => {
    const { token } = await signedIn(satchel.app, 'carol');
    const created = await new Client(satchel.app).request('POST', '/api/auth/tokens', { bearer: token, payload: { name: 'backup script' } });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ id: expect.any(String), name: 'backup script', scopes: ['read', 'write'], token: expect.stringMatching(/^sat_[A-Za-z0-9_-]{43}$/) });
    expect(created.headers['cache-control']).toBe('no-store');

    const row = await satchel.database.db.selectFrom('api_tokens').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash('sha256').update(body.token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(body.token);

    const shown = await new Client(satchel.app).request('GET', `/api/auth/tokens/${body.id}`, { bearer: token });
    expect(shown.json()).toEqual({ id: body.id, name: 'backup script', scopes: ['read', 'write'], createdAt: body.createdAt, lastUsedAt: null });
    expect(shown.body).not.toContain(body.token);

    const me = await new Client(satchel.app).request('GET', '/api/auth/me', { bearer: body.token });
    expect(me.json()).toMatchObject({ user: { username: 'carol' }, scopes: ['read', 'write'] });
    await satchel.accounts.drain(); // the last-used write runs after the answer
    const used = await new Client(satchel.app).request('GET', `/api/auth/tokens/${body.id}`, { bearer: token });
    expect(used.json().lastUsedAt).toEqual(expect.any(String));
  });

  it('refuses every request made with a revoked token', async () => {
    const { token } = await signedIn(satchel.app, 'dave');
    const created = (await new Client(satchel.app).request('POST', '/api/auth/tokens', { bearer: token, payload: { name: 'old' } })).json();
    expect((await new Client(satchel.app).request('GET', '/api/auth/me', { bearer: created.token })).statusCode).toBe(200);
    const revoked = await new Client(satchel.app).request('DELETE', `/api/auth/tokens/${created.id}`, { bearer: token });
    expect(revoked.statusCode).toBe(204);
    expectProblem(await new Client(satchel.app).request('GET', '/api/auth/me', { bearer: created.token }), 401, 'unauthorized');
    expectProblem(await new Client(satchel.app).request('GET', `/api/auth/tokens/${created.id}`, { bearer: token }), 404);
    expectProblem(await new Client(satchel.app).request('DELETE', `/api/auth/tokens/${created.id}`, { bearer: token }), 404);
  });

  it('gives a read-scoped token 403 on writes and 200 on reads', async () => {
    const { token } = await signedIn(satchel.app, 'erin');
    const read = (await new Client(satchel.app).request('POST', '/api/auth/tokens', { bearer: token, payload: { name: 'ro', scopes: ['read'] } })).json();
    expect(read.scopes).toEqual(['read']);
    expect((await new Client(satchel.app).request('GET', '/api/auth/tokens', { bearer: read.token })).statusCode).toBe(200);
    const write = await new Client(satchel.app).request('POST', '/api/auth/tokens', { bearer: read.token, payload: { name: 'escalate' } });
    expectProblem(write, 403, 'insufficient_scope');
    const revoke = await new Client(satchel.app).request('DELETE', `/api/auth/tokens/${read.id}`, { bearer: read.token });
    expectProblem(revoke, 403, 'insufficient_scope');
  });

  it('gives the admin scope to admins only, and admin routes need it', async () => {
    const { token } = await signedIn(satchel.app, 'frank');
    const refused = await new Client(satchel.app).request('POST', '/api/auth/tokens', { bearer: token, payload: { name: 'x', scopes: ['admin'] } });
    expectProblem(refused, 403, 'forbidden');
    expectProblem(await new Client(satchel.app).request('GET', '/api/admin/users', { bearer: token }), 403, 'forbidden');

    const plain = (await new Client(satchel.app).request('POST', '/api/auth/tokens', { bearer: admin.token, payload: { name: 'rw' } })).json();
    expectProblem(await new Client(satchel.app).request('GET', '/api/admin/users', { bearer: plain.token }), 403, 'insufficient_scope');
    const full = await new Client(satchel.app).request('POST', '/api/auth/tokens', {
      bearer: admin.token,
      payload: { name: 'ops', scopes: ['read', 'write', 'admin'] },
    });
    expect(full.statusCode).toBe(201);
    expect((await new Client(satchel.app).request('GET', '/api/admin/users', { bearer: full.json().token })).statusCode).toBe(200);
  });

  it("answers 404 for another user's token id, and leaves it alone", async () => {
    const owner = await signedIn(satchel.app, 'grace');
    const other = await signedIn(satchel.app, 'heidi');
    const created = (await new Client(satchel.app).request('POST', '/api/auth/tokens', { bearer: owner.token, payload: { name: 'mine' } })).json();
    expectProblem(await new Client(satchel.app).request('GET', `/api/auth/tokens/${created.id}`, { bearer: other.token }), 404, 'not_found');
    expectProblem(await new Client(satchel.app).request('DELETE', `/api/auth/tokens/${created.id}`, { bearer: other.token }), 404, 'not_found');
    expectProblem(await new Client(satchel.app).request('GET', '/api/auth/tokens/no-such-token', { bearer: other.token }), 404, 'not_found');
    const list = await new Client(satchel.app).request('GET', '/api/auth/tokens', { bearer: other.token });
    expect(list.json().items.map((t: { id: string }) => t.id)).not.toContain(created.id);
    expect((await new Client(satchel.app).request('GET', '/api/auth/me', { bearer: created.token })).statusCode).toBe(200);
  });

  it('pages the token list with opaque keyset cursors, newest first', async () => {
    const { token } = await signedIn(satchel.app, 'ivan');
    for (const name of ['t1', 't2', 't3', 't4', 't5']) {
      await new Client(satchel.app).request('POST', '/api/auth/tokens', { bearer: token, payload: { name } });
    }
    const names: string[] = [];
    let url = '/api/auth/tokens?limit=2';
    for (let pages = 0; pages < 5; pages++) {
      const page = (await new Client(satchel.app).request('GET', url, { bearer: token })).json();
      names.push(...page.items.map((t: { name: string }) => t.name));
      if (!page.next) break;
      url = `/api/auth/tokens?limit=2&cursor=${encodeURIComponent(page.next)}`;
    }
    expect(names).toEqual(['t5', 't4', 't3', 't2', 't1']);
    expectProblem(await new Client(satchel.app).request('GET', '/api/auth/tokens?limit=501', { bearer: token }), 400, 'invalid_input');
    expectProblem(await new Client(satchel.app).request('GET', '/api/auth/tokens?limit=0', { bearer: token }), 400, 'invalid_input');
    expectProblem(await new Client(satchel.app).request('GET', '/api/auth/tokens?cursor=garbage!', { bearer: token }), 400, 'invalid_cursor');
  });

  it.each([
    ['an empty name', { name: '' }, 'name'],
    ['an unknown scope', { name: 'x', scopes: ['root'] }, 'scopes[0]'],
    ['scopes not an array', { name: 'x', scopes: 'read' }, 'scopes'],
    ['an unknown property', { name: 'x', expires: 5 }, 'expires'],
  ])('refuses %s with 400 naming the field', async (_name, payload, field) => {
    const response = await new Client(satchel.app).request('POST', '/api/auth/tokens', { bearer: admin.token, payload });
    expect(expectProblem(response, 400, 'invalid_input').errors[0].field).toBe(field);
  });

  it('answers 401 for a malformed or unknown bearer token', async () => {
    for (const bearer of ['sat_short', `sat_${'A'.repeat(43)}`, `sas_${'B'.repeat(43)}`, 'x'.repeat(43)]) {
      expectProblem(await new Client(satchel.app).request('GET', '/api/auth/me', { bearer }), 401, 'unauthorized');
    }
  });
});
