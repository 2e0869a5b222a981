/**
 * Derived addresses are cached range-wise in L1 + a real Redis L2: a second instance on the same
 * database and Redis serves a range the first one derived without deriving anything (derivations
 * counted on the KeyCrypto port), and derives only the blocks nobody has cached yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS_BLOCK } from '../../../src/domain/wallets/address-book.js';
import type { Satchel } from '../../../src/main.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { testAccount } from '../../helpers/chain/test-accounts.js';
import { ApiUser, countingKeyCrypto, startWalletInstance } from './harness.js';

describe.each(DIALECTS)('address cache across instances (%s)', (dialect) => {
  let redis: RedisServerHandle;
  let database: TestDatabase;
  let first: Satchel;
  let second: Satchel;
  const cryptoA = countingKeyCrypto();
  const cryptoB = countingKeyCrypto();

  beforeAll(async () => {
    redis = await startRedis();
    database = await openTestDatabase(dialect);
    const env = { REDIS_URL: redis.url };
    first = await startWalletInstance({ database, env: { ...env, INSTANCE_ID: 'a' }, keyCrypto: cryptoA });
    second = await startWalletInstance({ database, env: { ...env, INSTANCE_ID: 'b' }, keyCrypto: cryptoB });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await database?.close();
    await redis?.stop();
  });

  it('serves a range derived on another instance without deriving, and derives only missing blocks', async () => {
    const alice = await ApiUser.create(first, 'alice');
    const wallet = await alice.createWallet({ name: 'cached', source: testAccount('p2wpkh', 3).descriptor, network: 'regtest' });
    const url = `/api/wallets/${wallet.id}/addresses?chain=receive&start=0&count=1000`;

    const derivedBefore = cryptoA.calls;
    const onFirst = await alice.json('GET', url);
    expect(onFirst.addresses).toHaveLength(1000);
    expect(cryptoA.calls - derivedBefore).toBeGreaterThanOrEqual(1000);
    expect(first.wallets.counters).toMatchObject({ derivedBlocks: 1000 / ADDRESS_BLOCK });

    // The same range again on the first instance: its L1, no derivation.
    const again = cryptoA.calls;
    expect(await alice.json('GET', url)).toEqual(onFirst);
    expect(cryptoA.calls).toBe(again);

    // The second instance has never seen the wallet: one MGET to Redis, no derivation at all.
    const onSecond = await second.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${alice.token}` } });
    expect(onSecond.statusCode).toBe(200);
    expect(onSecond.json()).toEqual(onFirst);
    expect(cryptoB.calls).toBe(0);
    expect(second.wallets.counters).toEqual({ derivedBlocks: 0, cachedBlocks: 1000 / ADDRESS_BLOCK });
    const ns = second.cache.namespaces().find((n) => n.name === 'wallet-addresses')!;
    expect(ns.stats().l2.hits).toBe(1000 / ADDRESS_BLOCK);

    // A range reaching one block further: only that block is derived there.
    const longer = await second.app.inject({
      method: 'GET',
      url: url.replace('start=0', 'start=950'),
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(longer.json().addresses).toHaveLength(1000);
    expect(second.wallets.counters.derivedBlocks).toBe(10);
    expect(longer.json().addresses.slice(0, 50)).toEqual(onFirst.addresses.slice(950));
  });

  it('keys carry only a hash of the public descriptor, never the key itself', async () => {
    const keys = await scanKeys(redis.url);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys.filter((k) => k.includes('wallet-addresses'))) {
      expect(key).toMatch(/wallet-addresses.*[0-9a-f]{32}:[01]:\d+$/);
      expect(key).not.toMatch(/pub/);
    }
  });
});

async function scanKeys(url: string): Promise<string[]> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  try {
    return await client.keys('*');
  } finally {
    client.disconnect();
  }
}
