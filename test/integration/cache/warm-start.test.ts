/**
 * Warm start (issue 7): an instance that served traffic saves its hottest shared cache keys to Redis
 * when it stops; the next instance loads their values from Redis into L1 before it listens, so its
 * first request for a hot key is an L1 hit — and the optimizer logs "warmed N keys".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { inspector } from '../../helpers/cache.js';
import { signedIn, startInstance } from '../accounts/harness.js';

// BIP-32 test vectors 1 and 2, chain m and m/0H: four xpubs (policy l1+l2 by default).
const XPUBS = [
  'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8',
  'xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw',
  'xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB',
  'xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH',
];

let redis: RedisServerHandle;
let database: TestDatabase;

beforeAll(async () => {
  redis = await startRedis();
  database = await openTestDatabase('sqlite');
});
afterAll(async () => {
  await database?.close();
  await redis?.stop();
});

describe('warm start from the hottest keys', () => {
  it('instance 2 starts with instance 1’s hot xpub verdicts in L1: its first request is an L1 hit', async () => {
    const env = { REDIS_URL: redis.url };
    const first = await startInstance({ database, env: { ...env, INSTANCE_ID: 'warm-1' } });
    const { client } = await signedIn(first.app, 'warmadmin');
    // Enough lookups that the 1-in-8 hot-key sampling counts every xpub.
    for (let round = 0; round < 20; round++) {
      for (const value of XPUBS) {
        const response = await client.request('POST', '/api/validate', { payload: { type: 'xpub', value }, csrf: true });
        expect(response.statusCode, response.body).toBe(200);
        expect(response.json().valid).toBe(true);
      }
    }
    await first.close(); // saves the hot keys

    const raw = await inspector(redis.url);
    try {
      const saved = JSON.parse((await raw.get('satchel:warm:v1:validate:xpub')) ?? '[]') as string[];
      expect(saved.sort()).toEqual(XPUBS.map((x) => `*|${x}`).sort());
      expect(await raw.pttl('satchel:warm:v1:validate:xpub')).toBeGreaterThan(0); // noeviction: every key has a TTL
    } finally {
      raw.disconnect();
    }

    const second = await startInstance({ database, env: { ...env, INSTANCE_ID: 'warm-2' } });
    try {
      const ns = second.cache.namespaces().find((n) => n.name === 'validate:xpub')!;
      expect(ns.stats().l1.size).toBe(XPUBS.length);
      expect(second.optimizer.history()).toEqual(
        expect.arrayContaining([expect.objectContaining({ target: 'validate:xpub', action: 'warm', to: String(XPUBS.length), reason: expect.stringMatching(/^warmed 4 keys/) })]),
      );
      const before = ns.stats();
      const login = await signedIn(second.app, 'warmadmin');
      const response = await login.client.request('POST', '/api/validate', { payload: { type: 'xpub', value: XPUBS[2] }, csrf: true });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ valid: true, type: 'xpub' });
      const after = ns.stats();
      expect(after.l1.hits - before.l1.hits).toBe(1);
      expect(after.l1.misses - before.l1.misses).toBe(0);
      expect(after.l2.hits - before.l2.hits).toBe(0);
    } finally {
      await second.close();
    }
  });
});
