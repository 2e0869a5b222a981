/**
 * The reuse sketch and hot-key counter (issue 7): sampled would-be hit rate close to a real LRU's,
 * reuse gaps by bucket, hashes only (never a key or value), password and secrets never tracked.
 */
import { describe, expect, it } from 'vitest';
import { TieredCache } from '../../../src/cache/index.js';
import { HotKeys, intervalPercentileMs, ReuseSketch, sampledKey, sampledKeyParts } from '../../../src/cache/reuse-sketch.js';
import { CachedValidator } from '../../../src/domain/validation/cached-validator.js';

const txid = (i: number) => i.toString(16).padStart(64, '0');

/** A seeded PRNG, so the workloads are the same every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('reuse sketch', () => {
  it('samples about 1 key in 32, always the same keys, and prefix + value like the joined key', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `*|${txid(i * 7919)}`);
    const share = keys.filter(sampledKey).length / keys.length;
    expect(share).toBeGreaterThan(0.025);
    expect(share).toBeLessThan(0.04);
    for (const k of keys.slice(0, 500)) expect(sampledKey(k)).toBe(sampledKey(k));
    for (const value of ['', 'a', 'ab', 'abc', 'user_1', txid(42)]) {
      for (const prefix of ['*|', 'mainnet|']) expect(sampledKeyParts(prefix, value)).toBe(sampledKey(prefix + value));
    }
  });

  it('predicts the hit rate of an L1 of the same size (SHARDS) on a skewed workload', async () => {
    const cache = new TieredCache({});
    const ns = cache.namespace<number>('sketch-test', { policy: 'l1', l1Max: 2000, ttlMs: 3_600_000 });
    const rand = prng(1);
    for (let i = 0; i < 200_000; i++) {
      const key = `k:${txid(Math.floor(rand() ** 3 * 50_000))}`;
      if (ns.peek(key) === undefined) await ns.set(key, i);
    }
    const real = ns.stats().l1.hits / (ns.stats().l1.hits + ns.stats().l1.misses);
    const { sampledHits, sampledLookups } = ns.reuse();
    expect(sampledLookups).toBeGreaterThan(2500);
    expect(Math.abs(sampledHits / sampledLookups - real)).toBeLessThan(0.06);
    await cache.close();
  });

  it('counts reuse gaps by power-of-two bucket, and a gap beyond the TTL is no would-be hit', () => {
    let now = 0;
    const sketch = new ReuseSketch(32 * 100, 10_000, () => now);
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`).filter(sampledKey).slice(0, 20);
    for (const k of keys) sketch.observe(k);
    now = 3000; // 3 s later: bucket of [2048, 4096) ms
    for (const k of keys) sketch.observe(k);
    now = 30_000; // 27 s later: beyond the 10 s TTL
    for (const k of keys) sketch.observe(k);
    const stats = sketch.stats();
    expect(stats.sampledLookups).toBe(60);
    expect(stats.sampledHits).toBe(20);
    expect(stats.intervals[12]).toBe(20);
    expect(stats.intervals[15]).toBe(20);
    expect(intervalPercentileMs(stats.intervals, 0.5)).toBe(4096);
    expect(intervalPercentileMs(stats.intervals, 0.95)).toBe(32_768);
    expect(intervalPercentileMs(new Array(31).fill(0), 0.95)).toBeUndefined();
  });

  it('keeps numbers only: no key or value is held by the sketch', () => {
    const sketch = new ReuseSketch(10_000, 60_000);
    const secretish = Array.from({ length: 2000 }, (_, i) => `secret-value-${i}`);
    for (const k of secretish) sketch.observe(k);
    const seen = (sketch as unknown as { seen: { entries(): Iterable<[unknown, unknown]> } }).seen;
    const held = [...seen.entries()];
    expect(held.length).toBeGreaterThan(0);
    expect(JSON.stringify(held)).not.toMatch(/secret/);
    expect(held.every(([k, v]) => Number.isInteger(k) && typeof v === 'number')).toBe(true);
  });
});

describe('reuse tracking through the validator while a policy is off', () => {
  it('feeds the sketch under `off` without caching or counting lookups', async () => {
    const cache = new TieredCache({});
    const validator = new CachedValidator(cache, { txid: 'off' });
    for (let round = 0; round < 5; round++) for (let i = 0; i < 1000; i++) await validator.validate('txid', txid(i));
    const ns = cache.namespaces().find((n) => n.name === 'validate:txid')!;
    expect(ns.stats().l1).toMatchObject({ hits: 0, misses: 0, size: 0 });
    const reuse = ns.reuse();
    expect(reuse.sampledLookups).toBeGreaterThan(80);
    expect(reuse.sampledHits / reuse.sampledLookups).toBeGreaterThan(0.7); // 4 of 5 rounds reuse
    await cache.close();
  });

  it('never tracks passwords (no namespace at all) nor values that look like private keys', async () => {
    const cache = new TieredCache({});
    const validator = new CachedValidator(cache, { xpub: 'off', descriptor: 'off' });
    const XPRV = 'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi';
    // Vary the end so that some are sampled, all shaped like an xprv.
    for (let i = 0; i < 400; i++) {
      const value = `${XPRV.slice(0, -3)}${(100 + i).toString(36).padStart(3, 'a')}`;
      await validator.validate('xpub', value);
      await validator.validate('descriptor', `wpkh(${value}/0/*)`);
      await validator.validate('password', `correct horse battery ${i}`);
    }
    expect(cache.namespaces().some((n) => n.name === 'validate:password')).toBe(false);
    for (const name of ['validate:xpub', 'validate:descriptor']) {
      expect(cache.namespaces().find((n) => n.name === name)!.reuse().sampledLookups).toBe(0);
    }
    await cache.close();
  });
});

describe('hot keys', () => {
  it('keeps the most requested keys, bounded, most requested first', () => {
    const hot = new HotKeys(10);
    const rand = prng(2);
    for (let i = 0; i < 200_000; i++) hot.observe(`k${Math.floor(rand() ** 4 * 1000)}`);
    expect(hot.size).toBeLessThanOrEqual(20);
    const top = hot.top();
    expect(top).toHaveLength(10);
    expect(top[0]).toBe('k0');
    for (const k of top.slice(0, 5)) expect(Number(k.slice(1))).toBeLessThan(10);
  });

  it('are counted only while the namespace shares through L2 (l1+l2)', () => {
    const cache = new TieredCache({});
    const l1 = cache.namespace<number>('hot-l1', { policy: 'l1', l1Max: 100, ttlMs: 60_000 });
    const shared = cache.namespace<number>('hot-shared', { policy: 'l1+l2', l1Max: 100, ttlMs: 60_000 });
    for (let i = 0; i < 800; i++) {
      l1.peek(`k${i % 4}`);
      shared.peek(`k${i % 4}`);
    }
    expect((l1 as unknown as { hot: HotKeys }).hot.size).toBe(0);
    expect((shared as unknown as { hot: HotKeys }).hot.top().sort()).toEqual(['k0', 'k1', 'k2', 'k3']);
    void cache.close();
  });
});
