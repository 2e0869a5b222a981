/**
 * Accounts with a real redis-server: login throttling shared by two instances, the database fallback
 * when Redis dies (fail closed), and no plaintext password anywhere in Redis after a bulk run.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { Client, expectProblem, GOOD_PASSWORD, signedIn, startInstance } from './harness.js';

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe.each(DIALECTS)('login throttling through Redis (%s)', (dialect) => {
  const opened: Array<Satchel | TestDatabase> = [];
  const instance = async () => {
    const database = await openTestDatabase(dialect);
    opened.push(database);
    const satchel = await startInstance({ database, env: { REDIS_URL: redis.url } });
    opened.unshift(satchel);
    return satchel;
  };
  afterEach(async () => {
    for (const thing of opened.splice(0)) await thing.close().catch(() => undefined);
  });

  it('shares failure counts between two instances: failures on A → 429 with Retry-After on B', async () => {
    // Separate databases on purpose: only Redis is shared, so the 429 on B can only come from there.
    const a = await instance();
    const b = await instance();
    const name = `shared_${dialect}`;
    await new Client(a.app).register(name);
    await new Client(b.app).register(name);
    for (let i = 0; i < 5; i++) {
      expect((await new Client(a.app, '198.51.100.20').login(name, `wrong password ${i}`)).statusCode).toBe(401);
    }
    const blocked = await new Client(b.app, '198.51.100.21').login(name);
    expectProblem(blocked, 429, 'rate_limited');
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    // Every counter key carries its window as TTL.
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('satchel:login-fail:*');
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const key of keys) expect(await client.pttl(key)).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });

  it('keeps throttling from the database while Redis is down (fail closed), and refuses sign-in when neither answers', async () => {
    const a = await instance();
    const name = `outage_${dialect}`;
    await new Client(a.app).register(name);
    const attempt = (password: string) => new Client(a.app, '198.51.100.30').login(name, password);
    for (let i = 0; i < 3; i++) expect((await attempt(`wrong password ${i}`)).statusCode).toBe(401);

    await redis.kill();
    try {
      // The database holds every failure too: the count carries on past the outage.
      for (let i = 3; i < 5; i++) expect((await attempt(`wrong password ${i}`)).statusCode).toBe(401);
      const blocked = await attempt(GOOD_PASSWORD);
      expectProblem(blocked, 429, 'rate_limited');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);

      // A fresh account is throttled from the database alone.
      const other = `outage2_${dialect}`;
      expect((await new Client(a.app).register(other)).statusCode).toBe(201);
      for (let i = 0; i < 5; i++) {
        expect((await new Client(a.app, '198.51.100.31').login(other, `nope nope ${i}`)).statusCode).toBe(401);
      }
      expectProblem(await new Client(a.app, '198.51.100.32').login(other), 429, 'rate_limited');

      // Neither Redis nor the database: nobody signs in.
      await a.database.close();
      const down = await new Client(a.app, '198.51.100.33').login(`nobody_${dialect}`, 'whatever password');
      expectProblem(down, 503, 'dependency_down');
    } finally {
      await redis.restart();
    }
  });
});

describe('Redis after a bulk registration (sqlite)', () => {
  let database: TestDatabase;
  let satchel: Satchel;
  beforeAll(async () => {
    database = await openTestDatabase('sqlite');
    satchel = await startInstance({ database, env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
  });

  it('holds no plaintext password in any key or value', async () => {
    const admin = await signedIn(satchel.app, 'scan_admin');
    const passwords = Array.from({ length: 50 }, (_, i) => `Plain-Text-Secret-${i}-xyzzy`);
    const users = passwords.map((password, i) => ({ username: `scan_user_${i}`, password }));
    users.push({ username: 'scan_short', password: 'Short-Sec' }); // a rejected one, too
    const bulk = await new Client(satchel.app).request('POST', '/api/admin/users/bulk', { bearer: admin.token, payload: { users } });
    expect(bulk.json().created).toBe(50);
    // Run it twice: the second pass is served by the validator's cache where it caches anything.
    await new Client(satchel.app).request('POST', '/api/admin/users/bulk', { bearer: admin.token, payload: { users } });
    await new Client(satchel.app).request('POST', '/api/validate', { bearer: admin.token, payload: { type: 'password', value: passwords[0] } });
    await new Client(satchel.app, '192.0.2.200').login('scan_user_1', 'Wrong-Plain-Secret-xyzzy');
    expect((await new Client(satchel.app).login('scan_user_2', passwords[2])).statusCode).toBe(200);

    const secrets = [...passwords, 'Short-Sec', 'Wrong-Plain-Secret-xyzzy', GOOD_PASSWORD];
    const client = new Redis(redis.url);
    const dump: string[] = [];
    try {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'COUNT', '1000');
        cursor = next;
        for (const key of keys) {
          dump.push(key);
          const type = await client.type(key);
          if (type === 'string') dump.push((await client.getBuffer(key))?.toString('latin1') ?? '');
          else if (type === 'hash') dump.push(JSON.stringify(await client.hgetall(key)));
          else if (type === 'list') dump.push(JSON.stringify(await client.lrange(key, '0', '-1')));
          else if (type === 'set') dump.push(JSON.stringify(await client.smembers(key)));
          else if (type === 'zset') dump.push(JSON.stringify(await client.zrange(key, '0', '-1')));
          else if (type === 'stream') dump.push(JSON.stringify(await client.xrange(key, '-', '+')));
          else dump.push(`<${type}>`);
        }
      } while (cursor !== '0');
    } finally {
      client.disconnect();
    }
    expect(dump.length).toBeGreaterThan(0); // throttle counters at least
    const everything = dump.join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
