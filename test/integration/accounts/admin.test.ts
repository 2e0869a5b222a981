/** Admin: bulk registration (JSON and CSV, partial and atomic), roles, disabling, the audit trail. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { Client, expectProblem, GOOD_PASSWORD, signedIn, startInstance } from './harness.js';

interface BulkResult {
  index: number;
  username: string | null;
  ok: boolean;
  id?: string;
  errors?: Array<{ field?: string; code: string; message: string }>;
}

const codesOf = (result: BulkResult | undefined) => (result?.errors ?? []).map((e) => e.code);

describe.each(DIALECTS)('admin (%s)', (dialect) => {
  let database: TestDatabase;
  let satchel: Satchel;
  let admin: Awaited<ReturnType<typeof signedIn>>;
  const as = (bearer: string) => ({
    post: (url: string, payload: unknown, headers?: Record<string, string>) =>
      new Client(satchel.app).request('POST', url, { bearer, payload, ...(headers ? { headers } : {}) }),
    get: (url: string) => new Client(satchel.app).request('GET', url, { bearer }),
    patch: (url: string, payload: unknown) => new Client(satchel.app).request('PATCH', url, { bearer, payload }),
  });

  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    satchel = await startInstance({ database });
    admin = await signedIn(satchel.app, 'root');
    await new Client(satchel.app).register('existing_user');
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
  });

  /** One bad row of every kind, around good ones. */
  const mixedBatch = (prefix: string) => [
    { username: `${prefix}_ok1`, password: GOOD_PASSWORD },
    { username: `${prefix}_short`, password: 'Tiny-pw9' },
    { username: `${prefix}_common`, password: 'password1234' },
    { username: `${prefix}_ok1`, password: GOOD_PASSWORD },
    { username: 'EXISTING_USER', password: GOOD_PASSWORD },
    { username: '<svg/onload=alert(1)>', password: GOOD_PASSWORD },
    { username: 42, password: GOOD_PASSWORD },
    'not an object',
    null,
    { username: `${prefix}_extra`, password: GOOD_PASSWORD, isAdmin: true },
    { username: `${prefix}_role`, password: GOOD_PASSWORD, role: 'root' },
    { username: `${prefix}_samename_long`, password: `${prefix.toUpperCase()}_SAMENAME_LONG` },
    { username: `${prefix}_ok2`, password: 'another good passphrase', role: 'admin' },
  ];

  it('creates the good rows of a partial batch and reports every bad one on its row', async () => {
    const response = await as(admin.token).post('/api/admin/users/bulk', { users: mixedBatch('p'), mode: 'partial' });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { created: number; failed: number; results: BulkResult[] };
    expect(body.created).toBe(2);
    expect(body.failed).toBe(11);
    const r = body.results;
    expect(r.map((x) => x.index)).toEqual(r.map((_, i) => i));
    expect(r[0]).toMatchObject({ ok: true, username: 'p_ok1', id: expect.any(String) });
    expect(codesOf(r[1])).toContain('too_short');
    expect(codesOf(r[2])).toContain('common_password');
    expect(codesOf(r[3])).toEqual(['duplicate_in_batch']);
    expect(codesOf(r[4])).toEqual(['username_taken']);
    expect(codesOf(r[5])).toContain('invalid_characters');
    expect(r[6]).toMatchObject({ ok: false, username: null });
    expect(r[6]!.errors).toContainEqual(expect.objectContaining({ field: 'username', code: 'wrong_type' }));
    expect(codesOf(r[7])).toEqual(['wrong_type']);
    expect(codesOf(r[8])).toEqual(['wrong_type']);
    expect(r[9]!.errors).toContainEqual(expect.objectContaining({ field: 'isAdmin', code: 'unknown_property' }));
    expect(r[10]!.errors).toContainEqual(expect.objectContaining({ field: 'role', code: 'not_allowed' }));
    expect(codesOf(r[11])).toContain('same_as_username');
    expect(r[12]).toMatchObject({ ok: true, username: 'p_ok2' });
    for (const item of mixedBatch('p')) {
      const password = (item as { password?: string } | null)?.password;
      if (password) expect(response.body).not.toContain(password);
    }

    const login = await new Client(satchel.app).login('p_ok2', 'another good passphrase');
    expect(login.json().user).toMatchObject({ username: 'p_ok2', role: 'admin' });
    expect((await new Client(satchel.app).login('p_ok1')).statusCode).toBe(200);
  });

  it('creates nothing of an atomic batch with a bad row', async () => {
    const response = await as(admin.token).post('/api/admin/users/bulk', { users: mixedBatch('a'), mode: 'atomic' });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { created: number; failed: number; results: BulkResult[] };
    expect(body.created).toBe(0);
    expect(body.failed).toBe(13);
    expect(codesOf(body.results[0])).toEqual(['batch_not_applied']);
    expect(codesOf(body.results[1])).toContain('too_short');
    const names = await satchel.database.db.selectFrom('users').select('username').execute();
    expect(names.filter((n) => n.username.startsWith('a_'))).toEqual([]);
  });

  it('creates all of a good atomic batch', async () => {
    const users = Array.from({ length: 25 }, (_, i) => ({ username: `atom${i}`, password: `${GOOD_PASSWORD} ${i}` }));
    const body = (await as(admin.token).post('/api/admin/users/bulk', { users, mode: 'atomic' })).json();
    expect(body).toMatchObject({ created: 25, failed: 0 });
    expect((await new Client(satchel.app).login('atom24', `${GOOD_PASSWORD} 24`)).statusCode).toBe(200);
  });

  it('accepts text/csv with a header, at /api/auth/register/bulk too, mode from the query', async () => {
    const csv = [
      '\uFEFFUsername,Password,Role',
      `csv_one,${GOOD_PASSWORD},`,
      `csv_two,"${GOOD_PASSWORD}, with comma",admin`,
      'csv_three,short,user',
      `csv_four,${GOOD_PASSWORD},user,surplus`,
      'csv_five',
      '',
    ].join('\r\n');
    const response = await as(admin.token).post('/api/auth/register/bulk?mode=partial', csv, { 'content-type': 'text/csv' });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { created: number; results: BulkResult[] };
    expect(body.created).toBe(2);
    expect(body.results[0]).toMatchObject({ ok: true, username: 'csv_one' });
    expect(body.results[1]).toMatchObject({ ok: true, username: 'csv_two' });
    expect(codesOf(body.results[2])).toContain('too_short');
    expect(body.results[3]!.errors).toContainEqual(expect.objectContaining({ field: 'column4', code: 'unknown_property' }));
    expect(body.results[4]!.errors).toContainEqual(expect.objectContaining({ field: 'password', code: 'required' }));
    expect((await new Client(satchel.app).login('csv_two', `${GOOD_PASSWORD}, with comma`)).json().user.role).toBe('admin');
  });

  it('refuses a CSV with a bad header or broken quoting with 400', async () => {
    const header = await as(admin.token).post('/api/admin/users/bulk', 'name,secret\nx,y\n', { 'content-type': 'text/csv' });
    expect(expectProblem(header, 400, 'invalid_input').errors[0]).toMatchObject({ code: 'invalid_header' });
    const quoting = await as(admin.token).post('/api/admin/users/bulk', 'username,password\n"abc,def\n', { 'content-type': 'text/csv' });
    expect(expectProblem(quoting, 400, 'invalid_input').errors[0]).toMatchObject({ code: 'invalid_csv' });
    expect(quoting.body).not.toContain('abc,def');
  });

  it.each([
    ['users not an array', { users: { username: 'x' } }, 'users', 'wrong_type'],
    ['more than 1,000 users', { users: Array.from({ length: 1001 }, () => ({})) }, 'users', 'too_many_items'],
    ['an unknown mode', { users: [], mode: 'yolo' }, 'mode', 'not_allowed'],
    ['an unknown property', { users: [], dryRun: true }, 'dryRun', 'unknown_property'],
  ])('refuses an envelope with %s with 400', async (_name, payload, field, code) => {
    const response = await as(admin.token).post('/api/admin/users/bulk', payload);
    expect(expectProblem(response, 400, 'invalid_input').errors[0]).toMatchObject({ field, code });
  });

  it('refuses 1,001 CSV rows with 400', async () => {
    const rows = Array.from({ length: 1001 }, (_, i) => `u${i},${GOOD_PASSWORD}`);
    const response = await as(admin.token).post('/api/admin/users/bulk', ['username,password', ...rows].join('\n'), { 'content-type': 'text/csv' });
    expectProblem(response, 400, 'invalid_input');
  });

  it('lets only admins run a bulk registration', async () => {
    const { token, client } = await signedIn(satchel.app, 'plain_user');
    expectProblem(await as(token).post('/api/admin/users/bulk', { users: [] }), 403, 'forbidden');
    expectProblem(await client.request('POST', '/api/auth/register/bulk', { payload: { users: [] }, csrf: true }), 403, 'forbidden');
    expectProblem(await new Client(satchel.app).request('POST', '/api/admin/users/bulk', { payload: { users: [] } }), 401);
    // A cookie admin needs the CSRF token like any cookie write.
    expectProblem(await admin.client.request('POST', '/api/admin/users/bulk', { payload: { users: [] } }), 403, 'csrf_rejected');
    const ok = await admin.client.request('POST', '/api/admin/users/bulk', { payload: { users: [] }, csrf: true });
    expect(ok.json()).toMatchObject({ created: 0, failed: 0, results: [] });
  });

  it('creates 1,000 users in one request', async () => {
    const users = Array.from({ length: 1000 }, (_, i) => ({ username: `mass${i}`, password: `${GOOD_PASSWORD}-${i}` }));
    const response = await as(admin.token).post('/api/admin/users/bulk', { users });
    expect(response.json()).toMatchObject({ created: 1000, failed: 0 });
  });

  it('changes roles, keeps at least one active admin, and records it all in the audit trail', async () => {
    const { user, token } = await signedIn(satchel.app, 'promoted');
    const promote = await as(admin.token).patch(`/api/admin/users/${user.id}`, { role: 'admin' });
    expect(promote.json().user).toMatchObject({ id: user.id, role: 'admin', disabled: false });
    // The session picks up the new role at once.
    expect((await as(token).get('/api/admin/users?limit=1')).statusCode).toBe(200);
    const demote = await as(admin.token).patch(`/api/admin/users/${user.id}`, { role: 'user' });
    expect(demote.json().user.role).toBe('user');
    expectProblem(await as(token).get('/api/admin/users'), 403);

    // Every other admin (root, p_ok2, csv_two) is demoted; the last one stays.
    const users = (await as(admin.token).get('/api/admin/users?limit=500')).json().items as Array<{ id: string; username: string; role: string }>;
    for (const other of users.filter((u) => u.role === 'admin' && u.username !== 'root')) {
      expect((await as(admin.token).patch(`/api/admin/users/${other.id}`, { role: 'user' })).statusCode).toBe(200);
    }
    expectProblem(await as(admin.token).patch(`/api/admin/users/${admin.user.id}`, { role: 'user' }), 409, 'conflict');
    expectProblem(await as(admin.token).patch(`/api/admin/users/${admin.user.id}`, { disabled: true }), 409, 'conflict');
    expectProblem(await as(admin.token).patch('/api/admin/users/nobody', { role: 'user' }), 404, 'not_found');
    expectProblem(await as(admin.token).patch(`/api/admin/users/${user.id}`, {}), 400, 'invalid_input');
    expectProblem(await as(admin.token).patch(`/api/admin/users/${user.id}`, { disabled: 'yes' }), 400, 'invalid_input');

    const audit = await as(admin.token).get('/api/admin/audit?limit=500');
    expect(audit.statusCode).toBe(200);
    const events = audit.json().items as Array<{ type: string; userId: string | null; actorId: string | null; details: Record<string, unknown> }>;
    const types = new Set(events.map((e) => e.type));
    for (const type of ['user.registered', 'auth.login_succeeded', 'users.bulk_registered', 'user.role_changed']) {
      expect(types).toContain(type);
    }
    const change = events.find((e) => e.type === 'user.role_changed' && e.userId === user.id);
    expect(change).toMatchObject({ actorId: admin.user.id, details: { from: 'admin', to: 'user' } });
    expect(audit.body).not.toContain(GOOD_PASSWORD);

    const filtered = (await as(admin.token).get('/api/admin/audit?type=users.bulk_registered')).json();
    expect(filtered.items.every((e: { type: string }) => e.type === 'users.bulk_registered')).toBe(true);
    expectProblem(await as(token).get('/api/admin/audit'), 403, 'forbidden');
  });

  it('records failed sign-ins, logouts and token events', async () => {
    const { client, token } = await signedIn(satchel.app, 'audited');
    await new Client(satchel.app, '203.0.113.9').login('audited', 'a wrong password here');
    const created = (await as(token).post('/api/auth/tokens', { name: 'audit me' })).json();
    await new Client(satchel.app).request('DELETE', `/api/auth/tokens/${created.id}`, { bearer: token });
    await client.request('POST', '/api/auth/logout', { csrf: true });
    const events = (await as(admin.token).get('/api/admin/audit?limit=50')).json().items as Array<{ type: string; ip: string | null }>;
    const types = events.map((e) => e.type);
    for (const type of ['auth.login_failed', 'token.created', 'token.revoked', 'auth.logout']) expect(types).toContain(type);
    expect(events.find((e) => e.type === 'auth.login_failed')!.ip).toBe('203.0.113.9');
  });
});
