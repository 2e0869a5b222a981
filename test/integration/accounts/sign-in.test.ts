/**
 * Sign-in, sessions and their end: the cookie's attributes, enumeration resistance (same answer, same
 * time), throttling from the database, logout, password change and disabling an account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { Client, expectProblem, GOOD_PASSWORD, signedIn, startInstance } from './harness.js';

describe.each(DIALECTS)('sign-in (%s)', (dialect) => {
  let database: TestDatabase;
  let satchel: Satchel;
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    satchel = await startInstance({ database, env: { TRUST_PROXY: '127.0.0.1' } });
    await new Client(satchel.app).register('admin');
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
  });

  it('sets an HttpOnly, SameSite=Lax session cookie and answers {user, token, expiresAt}', async () => {
    const client = new Client(satchel.app);
    await client.register('alice');
    const response = await client.login('alice');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      user: { id: expect.any(String), username: 'alice', role: 'user' },
      token: expect.stringMatching(/^sas_[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
    });
    expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/satchel_session=[A-Za-z0-9_-]{43}/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    expect(response.body).not.toContain(GOOD_PASSWORD);
  });

  it('marks the cookie Secure behind TLS (X-Forwarded-Proto from a trusted proxy)', async () => {
    const client = new Client(satchel.app);
    await client.register('tls_user');
    const response = await client.request('POST', '/api/auth/login', {
      payload: { username: 'tls_user', password: GOOD_PASSWORD },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(String(response.headers['set-cookie'])).toMatch(/Secure/);
  });

  it('knows the user by cookie and by login token', async () => {
    const { client, token } = await signedIn(satchel.app, 'bob');
    const byCookie = await client.request('GET', '/api/auth/me');
    expect(byCookie.json()).toMatchObject({ user: { username: 'bob', role: 'user' }, via: 'cookie' });
    const byToken = await new Client(satchel.app).request('GET', '/api/auth/me', { bearer: token });
    expect(byToken.json()).toMatchObject({ user: { username: 'bob' }, via: 'bearer' });
    expectProblem(await new Client(satchel.app).request('GET', '/api/auth/me'), 401, 'unauthorized');
  });

  it('answers an unknown user and a wrong password identically', async () => {
    const client = new Client(satchel.app, '203.0.113.50');
    await client.register('carol');
    const wrong = await client.login('carol', 'not the right password at all');
    const unknown = await client.login('nobody_here', 'not the right password at all');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(wrong.headers['content-type']).toBe(unknown.headers['content-type']);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(unknown.headers['set-cookie']).toBeUndefined();
  });

  it('rotates the session at sign-in: the old cookie stops working', async () => {
    const { client } = await signedIn(satchel.app, 'dave');
    const before = client.jar.get('satchel_session');
    const stale = new Client(satchel.app);
    stale.jar.set('satchel_session', before!);
    await client.login('dave');
    expect(client.jar.get('satchel_session')).not.toBe(before);
    expectProblem(await stale.request('GET', '/api/auth/me'), 401);
    expect((await client.request('GET', '/api/auth/me')).statusCode).toBe(200);
  });

  it('throttles an account after 5 failures with 429 and Retry-After, even for the right password', async () => {
    const client = new Client(satchel.app, '198.51.100.7');
    await client.register('erin');
    for (let i = 0; i < 5; i++) expect((await client.login('erin', `wrong password number ${i}`)).statusCode).toBe(401);
    const blocked = await client.login('erin');
    expectProblem(blocked, 429, 'rate_limited');
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // Another client address is throttled for this account as well.
    expectProblem(await new Client(satchel.app, '198.51.100.8').login('erin'), 429);
  });

  it('throttles a client address after 20 failures across accounts', async () => {
    const client = new Client(satchel.app, '192.0.2.99');
    for (let i = 0; i < 20; i++) expect((await client.login(`ghost${i}`, 'some wrong password')).statusCode).toBe(401);
    const blocked = await client.login('ghost_new', 'some wrong password');
    expectProblem(blocked, 429, 'rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('ends the session on logout: its cookie and its login token', async () => {
    const { client, token } = await signedIn(satchel.app, 'frank');
    const logout = await client.request('POST', '/api/auth/logout', { csrf: true });
    expect(logout.statusCode).toBe(204);
    expect(client.jar.has('satchel_session')).toBe(false);
    expectProblem(await new Client(satchel.app).request('GET', '/api/auth/me', { bearer: token }), 401);

    // Logging out with the login token ends the cookie too.
    const second = await signedIn(satchel.app, 'frank');
    const cookie = second.client.jar.get('satchel_session')!;
    const byToken = await new Client(satchel.app).request('POST', '/api/auth/logout', { bearer: second.token });
    expect(byToken.statusCode).toBe(204);
    const stale = new Client(satchel.app);
    stale.jar.set('satchel_session', cookie);
    expectProblem(await stale.request('GET', '/api/auth/me'), 401);
  });

  it('refuses a cookie logout without the CSRF token', async () => {
    const { client } = await signedIn(satchel.app, 'frank2');
    expectProblem(await client.request('POST', '/api/auth/logout'), 403, 'csrf_rejected');
    expect((await client.request('GET', '/api/auth/me')).statusCode).toBe(200);
  });

  it('changes the password, ending every other session but keeping this one', async () => {
    const { client } = await signedIn(satchel.app, 'grace');
    const other = await signedIn(satchel.app, 'grace');
    const newPassword = 'a brand new passphrase 2024';

    const wrong = await client.request('POST', '/api/auth/password', {
      csrf: true,
      payload: { currentPassword: 'not my password at all', newPassword },
    });
    expect(expectProblem(wrong, 400).errors[0]).toMatchObject({ field: 'currentPassword', code: 'wrong_password' });
    const weak = await client.request('POST', '/api/auth/password', {
      csrf: true,
      payload: { currentPassword: GOOD_PASSWORD, newPassword: 'short' },
    });
    expect(expectProblem(weak, 400).errors[0]).toMatchObject({ field: 'newPassword', code: 'too_short' });

    const changed = await client.request('POST', '/api/auth/password', {
      csrf: true,
      payload: { currentPassword: GOOD_PASSWORD, newPassword },
    });
    expect(changed.statusCode).toBe(204);
    expect((await client.request('GET', '/api/auth/me')).statusCode).toBe(200);
    expectProblem(await other.client.request('GET', '/api/auth/me'), 401);
    expectProblem(await new Client(satchel.app).request('GET', '/api/auth/me', { bearer: other.token }), 401);
    expect((await new Client(satchel.app).login('grace', GOOD_PASSWORD)).statusCode).toBe(401);
    expect((await new Client(satchel.app).login('grace', newPassword)).statusCode).toBe(200);
  });

  it('refuses a password change made with an API token', async () => {
    const { client } = await signedIn(satchel.app, 'heidi');
    const created = await client.request('POST', '/api/auth/tokens', { csrf: true, payload: { name: 'ci' } });
    const response = await new Client(satchel.app).request('POST', '/api/auth/password', {
      bearer: created.json().token,
      payload: { currentPassword: GOOD_PASSWORD, newPassword: 'another fine passphrase' },
    });
    expectProblem(response, 403, 'forbidden');
  });

  it('ends the sessions of a disabled account and refuses its sign-in like a wrong password', async () => {
    const admin = await new Client(satchel.app).login('admin');
    const adminToken = admin.json().token as string;
    const { client, user, token } = await signedIn(satchel.app, 'ivan');
    const disabled = await new Client(satchel.app).request('PATCH', `/api/admin/users/${user.id}`, {
      bearer: adminToken,
      payload: { disabled: true },
    });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().user).toMatchObject({ username: 'ivan', disabled: true });
    expectProblem(await client.request('GET', '/api/auth/me'), 401);
    expectProblem(await new Client(satchel.app).request('GET', '/api/auth/me', { bearer: token }), 401);
    const login = await new Client(satchel.app, '203.0.113.77').login('ivan');
    const unknown = await new Client(satchel.app, '203.0.113.77').login('nobody_at_all', GOOD_PASSWORD);
    expect(login.statusCode).toBe(401);
    expect(login.body).toBe(unknown.body);
  });
});

describe('sign-in with production argon2 (sqlite)', () => {
  let database: TestDatabase;
  let satchel: Satchel;
  beforeAll(async () => {
    database = await openTestDatabase('sqlite');
    satchel = await startInstance({
      database,
      hasher: 'production',
      throttlePolicy: { accountLimit: 1000, clientLimit: 1000, windowMs: 60_000 },
    });
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
  });

  it('stores argon2id with m=19456, t=2, p=1', async () => {
    const client = new Client(satchel.app);
    expect((await client.register('paula')).statusCode).toBe(201);
    const row = await satchel.database.db.selectFrom('users').select('password_hash').where('username', '=', 'paula').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await client.login('paula')).statusCode).toBe(200);
  });

  it('takes about as long for an unknown user as for a wrong password', async () => {
    const client = new Client(satchel.app);
    await client.register('quentin');
    const time = async (username: string) => {
      const start = performance.now();
      const response = await client.login(username, 'definitely the wrong password');
      expect(response.statusCode).toBe(401);
      return performance.now() - start;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await time('quentin'));
      unknown.push(await time(`unknown_${i}`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(unknown) / median(known);
    // Both verify one production argon2 hash (~tens of ms); without the dummy hash the unknown
    // user would answer in well under a millisecond, a ratio near 0.
    expect(median(known)).toBeGreaterThan(5);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6);
  });
});

describe('logs (sqlite)', () => {
  it('never carry a password, a session secret or a token, even at trace level', async () => {
    const lines: string[] = [];
    const database = await openTestDatabase('sqlite');
    const satchel = await startInstance({ database, logLines: lines });
    try {
      const secrets = [GOOD_PASSWORD, 'wrong-but-logged?-xyzzy', 'the new passphrase qwerty', 'Bulk-Secret-xyzzy-1'];
      const { client, token } = await signedIn(satchel.app, 'logged');
      await new Client(satchel.app).login('logged', secrets[1]);
      await client.request('POST', '/api/auth/password', { csrf: true, payload: { currentPassword: GOOD_PASSWORD, newPassword: secrets[2] } });
      await new Client(satchel.app).request('POST', '/api/admin/users/bulk', {
        bearer: token,
        payload: { users: [{ username: 'bulk_logged', password: secrets[3] }, { username: 'x', password: 'tiny' }] },
      });
      const created = await client.request('POST', '/api/auth/tokens', { csrf: true, payload: { name: 'logged' } });
      await new Client(satchel.app).request('GET', '/api/auth/me', { bearer: created.json().token });
      const cookie = client.jar.get('satchel_session')!;

      expect(lines.length).toBeGreaterThan(10);
      const log = lines.join('');
      for (const secret of [...secrets, token, created.json().token, cookie]) expect(log).not.toContain(secret);
    } finally {
      await satchel.close();
      await database.close();
    }
  });
});
