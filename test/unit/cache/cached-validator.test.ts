/**
 * Cached validation over the real validation library and a real redis-server: default policies follow
 * cost, secrets never reach a cache key or value (L1 or Redis), batch stats count cache hits.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TieredCache, type CacheNamespace } from '../../../src/cache/index.js';
import { CachedValidator, DEFAULT_VALIDATION_POLICIES, cachedBatchValidate, cachedValidate } from '../../../src/domain/validation/cached-validator.js';
import { VALIDATION_TYPES } from '../../../src/validation/types.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { allKeys, inspector } from '../../helpers/cache.js';

const TAPROOT = 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0';
const P2PKH = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa';
// BIP-32 test vector 1, chain m.
const P2SH = '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy';
const XPUB = 'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8';
const XPRV = 'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi';
const XPUB_M0H = 'xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw';
const PASSWORDS = ['correct horse battery staple', 'Tr0ub4dor&3-but-longer', 'hunter2hunter2hunter2'];

let redis: RedisServerHandle;
let cache: TieredCache;
let other: TieredCache;
let raw: Redis;

beforeAll(async () => {
  redis = await startRedis();
  cache = new TieredCache({ redisUrl: redis.url, l2TimeoutMs: 2000 });
  other = new TieredCache({ redisUrl: redis.url, l2TimeoutMs: 2000 });
  await Promise.all([cache.ready(), other.ready()]);
  raw = await inspector(redis.url);
});
afterAll(async () => {
  raw?.disconnect();
  await cache?.close();
  await other?.close();
  await redis?.stop();
});

function ns(c: TieredCache, type: string): CacheNamespace<unknown> {
  const found = c.namespaces().find((n) => n.name === `validate:${type}`);
  if (!found) throw new Error(`no namespace for ${type}`);
  return found;
}

/** Everything Redis holds, keys and values, as one string to search. */
async function redisDump(): Promise<string> {
  const keys = await allKeys(raw);
  const values = keys.length ? await raw.mget(keys) : [];
  return JSON.stringify({ keys, values });
}

describe('CachedValidator', () => {
  it('defaults follow cost: cheap checks L1 only, EC/signature checks shared via L2, password never', () => {
    const v = new CachedValidator(cache);
    expect(DEFAULT_VALIDATION_POLICIES).toEqual({
      address: 'l1',
      txid: 'l1',
      username: 'l1',
      amount: 'off',
      xpub: 'l1+l2',
      descriptor: 'l1+l2',
      bolt11: 'l1+l2',
      password: 'off',
    });
    for (const type of VALIDATION_TYPES) expect(v.policy(type)).toBe(DEFAULT_VALIDATION_POLICIES[type]);
    expect(Object.keys(v.stats()).sort()).toEqual([...VALIDATION_TYPES].sort());
    expect(ns(cache, 'address').options.policy).toBe('l1');
    expect(ns(cache, 'xpub').options.policy).toBe('l1+l2');
    expect(cache.namespaces().some((n) => n.name === 'validate:password')).toBe(false);
  });

  it('answers an address from L1 the second time, marked cached, with the same verdict', async () => {
    const v = new CachedValidator(cache);
    const first = await v.validate('address', TAPROOT);
    const second = await v.validate('address', TAPROOT);
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect({ ...second, cached: false }).toEqual(first);
    expect(Object.isFrozen(second)).toBe(true);
    expect(await allKeys(raw, 'satchel:*:validate:address:*')).toEqual([]);
  });

  it("policy 'l1' fills and reads L1 synchronously (no await between the check and the cache)", () => {
    const v = new CachedValidator(cache);
    const value = P2PKH;
    void v.validate('address', value, { network: 'mainnet' });
    expect(ns(cache, 'address').peek(`mainnet|${value}`)).toMatchObject({ valid: true, cached: true });
  });

  it('keys by network: a wrong-network verdict is not served from the any-network entry', async () => {
    const v = new CachedValidator(cache);
    expect((await v.validate('address', TAPROOT)).valid).toBe(true);
    const testnet = await v.validate('address', TAPROOT, { network: 'testnet' });
    expect(testnet).toMatchObject({ valid: false, cached: false });
    expect(testnet.errors?.[0]?.code).toBe('wrong_network');
    expect(await v.validate('address', TAPROOT, { network: 'testnet' })).toMatchObject({ valid: false, cached: true });
  });

  it('shares xpub verdicts through Redis: another instance gets an L2 hit', async () => {
    const a = new CachedValidator(cache);
    const b = new CachedValidator(other);
    expect(await a.validate('xpub', XPUB)).toMatchObject({ valid: true, cached: false });
    expect(await b.validate('xpub', XPUB)).toMatchObject({ valid: true, cached: true, details: { network: 'mainnet' } });
    expect(ns(other, 'xpub').stats().l2.hits).toBeGreaterThanOrEqual(1);
    const keys = await allKeys(raw, 'satchel:*:validate:xpub:*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await raw.pttl(key)).toBeGreaterThan(0);
  });

  it('never caches passwords, whatever is asked, and nothing of them reaches Redis', async () => {
    const v = new CachedValidator(cache, { password: 'l1+l2' });
    expect(v.policy('password')).toBe('off');
    expect(v.setPolicy('password', 'l1')).toBe(false);
    expect(v.policy('password')).toBe('off');
    for (const p of PASSWORDS) {
      expect((await v.validate('password', p)).cached).toBe(false);
      expect((await v.validate('password', p)).cached).toBe(false);
    }
    const batch = await v.validateBatch('password', [...PASSWORDS, ...PASSWORDS]);
    expect(batch.stats.cacheHits).toBe(0);
    expect(v.stats().password).toMatchObject({ cacheHits: 0, policy: 'off' });

    const dump = await redisDump();
    for (const p of PASSWORDS) {
      expect(dump).not.toContain(p);
      expect(dump).not.toContain(createHash('sha1').update(`*|${p}`).digest('base64url'));
    }
  });

  it('skips the cache for values that look like private keys, in every type', async () => {
    const v = new CachedValidator(cache);
    const xpubNs = ns(cache, 'xpub');
    const before = xpubNs.stats();
    const descriptor = `wpkh(${XPRV}/0/*)`;
    for (let i = 0; i < 2; i++) {
      const r = await v.validate('xpub', XPRV);
      expect(r).toMatchObject({ valid: false, cached: false });
      expect(r.errors?.[0]?.code).toBe('private_key_rejected');
      expect(await v.validate('descriptor', descriptor)).toMatchObject({ valid: false, cached: false });
      expect(await v.validate('address', XPRV)).toMatchObject({ valid: false, cached: false });
    }
    const batch = await v.validateBatch('xpub', [XPRV, XPRV, XPUB]);
    expect(batch.results.map((r) => r.valid)).toEqual([false, false, true]);
    // The secrets were never even looked up.
    const after = xpubNs.stats();
    expect(after.l1.hits + after.l1.misses - (before.l1.hits + before.l1.misses)).toBe(1);

    const dump = await redisDump();
    expect(dump).not.toContain('xprv');
    for (const secret of [XPRV, descriptor]) {
      expect(dump).not.toContain(createHash('sha1').update(`*|${secret}`).digest('base64url'));
    }
  });

  it('never stores a result with private_key_rejected, even when the value does not look like a key', async () => {
    const v = new CachedValidator(cache);
    const short = 'xprv9s21ZrQH143K3QTDL4LX';
    const descriptor = `wpkh(${short}/0/*)`;
    for (const [type, value] of [['xpub', short], ['descriptor', descriptor]] as const) {
      const first = await v.validate(type, value);
      expect(first.errors?.[0]?.code).toBe('private_key_rejected');
      expect((await v.validate(type, value)).cached).toBe(false);
    }
    const batch = await v.validateBatch('xpub', [short, short]);
    expect(batch.stats.cacheHits).toBe(0);
    expect(await redisDump()).not.toContain('xprv');
  });

  it('validates values over 4 kB every time, and non-strings without the cache', async () => {
    const v = new CachedValidator(cache);
    const long = `wpkh(${XPUB}/0/*)${' '.repeat(5000)}`;
    expect((await v.validate('descriptor', long)).cached).toBe(false);
    expect((await v.validate('descriptor', long)).cached).toBe(false);
    expect(await v.validate('amount', 1000)).toMatchObject({ valid: true, cached: false });
    expect(await v.validate('amount', 1000)).toMatchObject({ valid: true, cached: false });
  });

  it('batch: L1 pass, then one MGET for shared types; stats count valid, invalid and cache hits', async () => {
    const a = new CachedValidator(cache);
    const values = [TAPROOT, P2SH, 'not-an-address', 42, TAPROOT];
    const first = await a.validateBatch('address', values, { network: 'mainnet' });
    expect(first.results.map((r) => r.valid)).toEqual([true, true, false, false, true]);
    expect(first.stats).toEqual({ valid: 3, invalid: 2, cacheHits: 0 });
    const second = await cachedBatchValidate(a, 'address', values, { network: 'mainnet' });
    expect(second.stats).toEqual({ valid: 3, invalid: 2, cacheHits: 4 });
    expect(second.results.map((r) => r.valid)).toEqual([true, true, false, false, true]);

    const xpubs = [XPUB_M0H, 'xpub-not-really', XPUB_M0H];
    const warm = await a.validateBatch('xpub', xpubs);
    expect(warm.stats.valid).toBe(2);
    const b = new CachedValidator(other);
    const mgetBefore = Number((await raw.info('commandstats')).match(/cmdstat_mget:calls=(\d+)/)?.[1] ?? 0);
    const shared = await b.validateBatch('xpub', xpubs);
    const mgetAfter = Number((await raw.info('commandstats')).match(/cmdstat_mget:calls=(\d+)/)?.[1] ?? 0);
    expect(shared.stats).toEqual({ valid: 2, invalid: 1, cacheHits: 3 });
    expect(mgetAfter - mgetBefore).toBeLessThanOrEqual(1);
    expect(b.stats().xpub.cacheHits).toBeGreaterThanOrEqual(3);
  });

  it('setPolicy changes a type at run time and stats report it', async () => {
    const v = new CachedValidator(cache);
    expect(v.setPolicy('username', 'off')).toBe(true);
    await v.validate('username', 'alice');
    expect((await cachedValidate(v, 'username', 'alice')).cached).toBe(false);
    expect(v.stats().username.policy).toBe('off');
    v.setPolicy('username', 'l1');
    await v.validate('username', 'alice');
    expect((await v.validate('username', 'alice')).cached).toBe(true);
  });

  it('samples timings of both paths', async () => {
    const v = new CachedValidator(cache);
    for (let i = 0; i < 40; i++) await v.validate('txid', `${i % 4}`.padStart(64, 'c'));
    const s = v.stats().txid;
    expect(s.calls).toBe(40);
    expect(s.cacheHits).toBeGreaterThan(0);
    expect(s.meanUsUncached).toBeGreaterThan(0);
    expect(s.meanUsCached).toBeGreaterThan(0);
  });
});
