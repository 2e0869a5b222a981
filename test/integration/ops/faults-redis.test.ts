/**
 * Redis down or back empty, with two instances on one database and one real redis-server (this file's
 * own, since it is killed): a login lock-out reached while Redis was up still holds on both instances
 * after Redis dies and after it comes back without its keys (fail closed, never open); Idempotency-Key
 * replays keep answering byte for byte and creating nothing while Redis is down; the rest of the app
 * keeps serving with the cache degraded. (test/integration/accounts/redis.test.ts covers counting on
 * through an outage and both Redis and the database down.)
 */
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { Client, expectProblem, GOOD_PASSWORD, signedIn, startInstance } from '../accounts/harness.js';

describe.each(DIALECTS)('Redis faults (%s)', (dialect) => {
  let redis: RedisServerHandle;
  let database: TestDatabase;
  let a: Satchel;
  let b: Satchel;

  beforeAll(async () => {
    redis = await startRedis();
    database = await openTestDatabase(dialect);
    a = await startInstance({ database, env: { REDIS_URL: redis.url, INSTANCE_ID: 'a', NETWORK: 'regtest' } });
    b = await startInstance({ database, env: { REDIS_URL: redis.url, INSTANCE_ID: 'b', NETWORK: 'regtest' } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.close();
    await redis?.stop();
  });

  /** Redis away for the duration of `during`, then back — empty, as a restart without persistence leaves it. */
  async function withRedisDown(during: () => Promise<void>): Promise<void> {
    await redis.kill();
    try {
      await during();
    } finally {
      await redis.restart();
    }
  }

  /**
   * Waits until `app` counts sign-in failures in Redis again after a restart (its limits connection
   * reconnects with a back-off): a failed probe sign-in then leaves a key there.
   */
  async function untilThrottleUsesRedis(app: Satchel): Promise<void> {
    const client = new Redis(redis.url);
    try {
      const deadline = Date.now() + 10_000;
      for (let i = 0; ; i++) {
        const before = await client.dbsize();
        await new Client(app.app, '203.0.113.9').login(`probe_${app.config.instanceId}_${i}`, 'not the password');
        if ((await client.dbsize()) > before) return;
        if (Date.now() > deadline) throw new Error('the limits connection never came back');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      client.disconnect();
    }
  }

  it('a lock-out reached with Redis up holds on every instance while Redis is down and after it returns empty', async () => {
    const name = `locked_${dialect}`;
    expect((await new Client(a.app).register(name)).statusCode).toBe(201);
    for (let i = 0; i < 5; i++) expect((await new Client(a.app, '198.51.100.40').login(name, `wrong password ${i}`)).statusCode).toBe(401);
    expectProblem(await new Client(b.app, '198.51.100.41').login(name), 429, 'rate_limited');

    const locked = (response: LightMyRequestResponse) => {
      expectProblem(response, 429, 'rate_limited');
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(14 * 60);
    };
    await withRedisDown(async () => {
      // The right password from a fresh address, on either instance: still locked (from the database).
      locked(await new Client(a.app, '198.51.100.42').login(name));
      locked(await new Client(b.app, '198.51.100.43').login(name));
      // More wrong guesses change nothing.
      for (let i = 0; i < 5; i++) locked(await new Client(b.app, '198.51.100.44').login(name, `guess ${i}`));
    });
    // Redis is back but has forgotten every counter: the database still remembers.
    await untilThrottleUsesRedis(a);
    await untilThrottleUsesRedis(b);
    locked(await new Client(a.app, '198.51.100.45').login(name));
    locked(await new Client(b.app, '198.51.100.46').login(name));
    // Someone else signs in as usual.
    await signedIn(b.app, `unlocked_${dialect}`);
  });

  it('replays an Idempotency-Key answer byte for byte while Redis is down, on either instance, and creates nothing', async () => {
    const alice = await signedIn(a.app, `idem_${dialect}`);
    const post = (app: Satchel, key: string, amountSat: number) =>
      app.app.inject({
        method: 'POST',
        url: '/api/lightning/invoices',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json', 'idempotency-key': key },
        payload: JSON.stringify({ amountSat }),
      });
    const count = async () => {
      const response = await a.app.inject({ method: 'GET', url: '/api/lightning/invoices?limit=500', headers: { authorization: `Bearer ${alice.token}` } });
      expect(response.statusCode, response.body).toBe(200);
      return (response.json().items as unknown[]).length;
    };
    const before = await post(a, 'before-outage', 1_000);
    expect(before.statusCode, before.body).toBe(201);

    await withRedisDown(async () => {
      // A key stored before the outage replays on the other instance.
      const replayed = await post(b, 'before-outage', 1_000);
      expect(replayed.statusCode).toBe(201);
      expect(replayed.body).toBe(before.body);
      // A key first used during the outage: created once, replayed on the other instance, reuse refused.
      const first = await post(b, 'during-outage', 2_000);
      expect(first.statusCode, first.body).toBe(201);
      const again = await post(a, 'during-outage', 2_000);
      expect(again.body).toBe(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expectProblem(await post(a, 'during-outage', 3_000), 422, 'idempotency_key_reused');
      expect(await count()).toBe(2);
    });
    expect((await post(a, 'during-outage', 2_000)).body).toBe((await post(b, 'during-outage', 2_000)).body);
    expect(await count()).toBe(2);
  });

  it('keeps serving while Redis is down: cached validation (L1 + Redis policy), notes, sign-in', async () => {
    const carol = await signedIn(a.app, `carol_${dialect}`);
    const call = (app: Satchel, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
      app.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${carol.token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
        ...(payload ? { payload: JSON.stringify(payload) } : {}),
      });
    const XPUB = 'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8';
    await withRedisDown(async () => {
      for (const app of [a, b]) {
        const validated = await call(app, 'POST', '/api/validate', { type: 'xpub', value: XPUB });
        expect(validated.statusCode, validated.body).toBe(200);
        expect(validated.json()).toMatchObject({ valid: true });
      }
      const txid = 'ab'.repeat(32);
      expect((await call(a, 'PUT', `/api/notes/tx/${txid}`, { note: 'written during the outage' })).statusCode).toBe(201);
      expect((await call(b, 'GET', `/api/notes/tx/${txid}`)).json()).toMatchObject({ note: 'written during the outage' });
      await signedIn(b.app, `dave_${dialect}`);
    });
  });
});
