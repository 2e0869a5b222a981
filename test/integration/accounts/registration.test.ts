/** POST /api/auth/register: the first-admin rule, closed registration and the username/password policy. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { Client, expectProblem, GOOD_PASSWORD, signedIn, startInstance } from './harness.js';

describe.each(DIALECTS)('registration (%s)', (dialect) => {
  const opened: Array<Satchel | TestDatabase> = [];
  const fresh = async (env: Record<string, string> = {}) => {
    const database = await openTestDatabase(dialect);
    opened.push(database);
    const satchel = await startInstance({ database, env });
    opened.unshift(satchel);
    return { database, satchel };
  };
  afterEach(async () => {
    for (const thing of opened.splice(0)) await thing.close();
  });

  it('makes the first account admin and later ones users', async () => {
    const { satchel } = await fresh();
    const client = new Client(satchel.app);
    const first = await client.register('alice');
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ user: { id: expect.any(String), username: 'alice', role: 'admin' } });
    const second = await client.register('bob');
    expect(second.json().user.role).toBe('user');
  });

  it('lets exactly one of many concurrent first registrations become admin, across two instances', async () => {
    const { database, satchel: a } = await fresh();
    const b = await startInstance({ database });
    opened.unshift(b);
    const names = Array.from({ length: 8 }, (_, i) => `racer${i}`);
    const responses = await Promise.all(names.map((name, i) => new Client((i % 2 ? b : a).app).register(name)));
    expect(responses.map((r) => r.statusCode)).toEqual(names.map(() => 201));
    const roles = responses.map((r) => r.json().user.role as string);
    expect(roles.filter((role) => role === 'admin')).toHaveLength(1);
  });

  it('answers a taken name (in any case) with 409 naming username', async () => {
    const { satchel } = await fresh();
    const client = new Client(satchel.app);
    await client.register('carol');
    const again = await client.register('CaRoL');
    const body = expectProblem(again, 409, 'conflict');
    expect(body.errors[0]).toMatchObject({ field: 'username', code: 'username_taken' });
  });

  it('normalises the username to lower case', async () => {
    const { satchel } = await fresh();
    const response = await new Client(satchel.app).register('Dave.Smith');
    expect(response.json().user.username).toBe('dave.smith');
  });

  it.each([
    ['a short password', 'erin', 'short-pw', 'password', 'too_short'],
    ['a common password', 'erin', 'password1234', 'password', 'common_password'],
    ['the username as password', 'erin_the_great', 'ERIN_THE_GREAT', 'password', 'same_as_username'],
    ['a hostile username', '<script>alert(1)</script>', GOOD_PASSWORD, 'username', 'invalid_characters'],
    ['a too short username', 'ab', GOOD_PASSWORD, 'username', 'too_short'],
  ])('refuses %s with 400 naming the field, never echoing the password', async (_name, username, password, field, code) => {
    const { satchel } = await fresh();
    const response = await new Client(satchel.app).register(username, password);
    const body = expectProblem(response, 400, 'invalid_input');
    expect(body.errors).toContainEqual(expect.objectContaining({ field, code }));
    expect(response.body).not.toContain(password);
  });

  it.each([
    ['a number as username', { username: 42, password: GOOD_PASSWORD }, 'username'],
    ['a missing password', { username: 'frank' }, 'password'],
    ['an unknown property', { username: 'frank', password: GOOD_PASSWORD, role: 'admin' }, 'role'],
  ])('refuses %s with 400 naming the field', async (_name, payload, field) => {
    const { satchel } = await fresh();
    const response = await new Client(satchel.app).request('POST', '/api/auth/register', { payload });
    expect(expectProblem(response, 400, 'invalid_input').errors[0].field).toBe(field);
  });

  describe('with REGISTRATION=closed', () => {
    it('lets the first account in as admin, then only admins create accounts', async () => {
      const { satchel } = await fresh({ REGISTRATION: 'closed' });
      const { client: admin, user, token } = await signedIn(satchel.app, 'root');
      expect(user.role).toBe('admin');

      const stranger = await new Client(satchel.app).register('mallory');
      expectProblem(stranger, 403, 'registration_closed');

      const byToken = await new Client(satchel.app).register('grace', GOOD_PASSWORD, { bearer: token });
      expect(byToken.statusCode).toBe(201);
      expect(byToken.json().user.role).toBe('user');

      // A cookie-authenticated admin is a cookie write like any other: it needs the CSRF token.
      expectProblem(await admin.register('heidi'), 403, 'csrf_rejected');
      const byCookie = await admin.register('heidi', GOOD_PASSWORD, { csrf: true });
      expect(byCookie.statusCode).toBe(201);

      // A plain user may not create accounts either.
      const grace = await new Client(satchel.app).login('grace');
      const byUser = await new Client(satchel.app).register('ivan', GOOD_PASSWORD, { bearer: grace.json().token });
      expectProblem(byUser, 403, 'registration_closed');
    });
  });
});
