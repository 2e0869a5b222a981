/**
 * Validation, uncached against cached, per type, in one run (issue: foundation benchmarks):
 * - uncached: the pure validator;
 * - default policy: CachedValidator with its default policy, on a warm cache (what callers get);
 * - L1 hit and L1+L2 hit (L1 too small to hold the working set, so every lookup goes to Redis);
 * - a raw Redis round trip, single and pipelined; batchValidate of 100,000 addresses.
 * Targets: under the default policies no type is slower cached than uncached; an L1 hit on xpub is
 * ≥ 50× faster than validating it; batchValidate ≥ 100,000 addresses/s on one core.
 */
import { Redis } from 'ioredis';
import { TieredCache } from '../../src/cache/index.js';
import { CachedValidator, DEFAULT_VALIDATION_POLICIES } from '../../src/domain/validation/cached-validator.js';
import { batchValidate, validate } from '../../src/validation/index.js';
import type { ValidationType } from '../../src/validation/types.js';
import { startRedis } from '../../test/helpers/redis-server.js';
import { check, measureAsync, measureSync } from '../lib/measure.js';
import { fmt, target, writeReport, type Target } from '../lib/report.js';

const quick = process.env.BENCH_QUICK === '1';
const minMs = quick ? 150 : 400;

const SAMPLES: Record<ValidationType, unknown> = {
  address: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
  xpub: 'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs',
  descriptor:
    "wpkh([73c5da0a/84'/0'/0']xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V/0/*)",
  txid: '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b',
  username: 'satoshi_n',
  password: 'correct horse battery staple 42',
  amount: 2_100_000,
  bolt11:
    'lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh',
};

const rows: Array<Record<string, string | number>> = [];
const targets: Target[] = [];
const notes: string[] = [];

const redis = await startRedis();
try {
  // Default policies, warm cache: what every caller of cachedValidate pays.
  const localCache = new TieredCache({ redisUrl: redis.url, instanceId: 'bench' });
  await localCache.ready();
  const validator = new CachedValidator(localCache);

  // The same call path with every policy off: the fair "not cached" baseline for the cached one.
  const offCache = new TieredCache({});
  const offValidator = new CachedValidator(offCache, Object.fromEntries(Object.keys(SAMPLES).map((t) => [t, 'off'])));

  // Forced L1-only and forced L1+L2 (with an L1 of one entry) for the per-layer figures.
  const l1Cache = new TieredCache({});
  const l1Validator = new CachedValidator(l1Cache, Object.fromEntries(Object.keys(SAMPLES).map((t) => [t, 'l1'])));
  const l2Cache = new TieredCache({ redisUrl: redis.url, instanceId: 'bench-l2', keyPrefix: 'benchl2' });
  await l2Cache.ready();
  const l2Validator = new CachedValidator(l2Cache, Object.fromEntries(Object.keys(SAMPLES).map((t) => [t, 'l1+l2'])));
  for (const ns of l2Cache.namespaces()) ns.configure({ l1Max: 1 });

  for (const [type, value] of Object.entries(SAMPLES) as Array<[ValidationType, unknown]>) {
    const expected = validate(type, value);
    check(expected.valid, `${type} sample must be valid: ${JSON.stringify(expected.errors)}`);
    const slow = type === 'password' || type === 'xpub' || type === 'descriptor' || type === 'bolt11';
    const raw = measureSync(() => validate(type, value), { minMs, batch: slow ? 20 : 1000 });
    const uncached = await measureAsync(() => offValidator.validate(type, value), { minMs, batch: slow ? 20 : 1000 });

    check((await validator.validate(type, value)).valid, `${type} default policy`);
    const byDefault = await measureAsync(() => validator.validate(type, value), { minMs, batch: 1000 });
    const policy = DEFAULT_VALIDATION_POLICIES[type];

    let l1Hit: number | undefined;
    let l2Hit: number | undefined;
    // Only strings are cached: a number (amount) is checked directly, which costs nanoseconds.
    const cacheable = type !== 'password' && typeof value === 'string';
    if (cacheable) {
      await l1Validator.validate(type, value);
      check((await l1Validator.validate(type, value)).cached, `${type} L1 hit`);
      l1Hit = (await measureAsync(() => l1Validator.validate(type, value), { minMs, batch: 1000 })).opsPerSec;
      // Two values alternate through an L1 of one entry: every lookup misses L1 and hits Redis.
      const other = `${value as string}x`;
      await l2Validator.validate(type, value);
      await l2Validator.validate(type, other);
      let flip = false;
      const l2 = await measureAsync(
        () => {
          flip = !flip;
          return l2Validator.validate(type, flip ? value : other);
        },
        { minMs, batch: 100 },
      );
      l2Hit = l2.opsPerSec;
    }
    const ratio = byDefault.opsPerSec / uncached.opsPerSec;
    rows.push({
      type,
      'default policy': policy,
      'raw validator ops/s': fmt(raw.opsPerSec),
      'uncached ops/s': fmt(uncached.opsPerSec),
      'µs uncached': fmt(uncached.nsPerOp / 1000),
      'default-policy cached ops/s': fmt(byDefault.opsPerSec),
      'L1 hit ops/s': l1Hit === undefined ? 'not cached' : fmt(l1Hit),
      'L1+L2 (Redis) hit ops/s': l2Hit === undefined ? 'not cached' : fmt(l2Hit),
      'cached / uncached': `${ratio.toFixed(2)}×`,
    });
    // 'off' types pay only the wrapper: allow the 5 % a promise and a counter cost.
    targets.push(target(`${type}: default policy (${cacheable ? policy : 'not cached'}) vs uncached`, ratio, { atLeast: cacheable && policy !== 'off' ? 1 : 0.95 }));
    if (type === 'xpub' && l1Hit !== undefined) {
      targets.push(target('xpub: L1 hit vs validating', l1Hit / uncached.opsPerSec, { atLeast: 50 }));
    }
  }

  // Raw Redis round trip: one GET, and a pipeline of 100 GETs (per key).
  const client = new Redis(redis.url, { lazyConnect: true });
  await client.connect();
  await client.set('bench:key', 'x'.repeat(200), 'PX', 60_000);
  const single = await measureAsync(() => client.get('bench:key'), { minMs, batch: 200 });
  const pipelined = await measureAsync(
    () => {
      const p = client.pipeline();
      for (let i = 0; i < 100; i++) p.get('bench:key');
      return p.exec();
    },
    { minMs, batch: 20 },
  );
  rows.push({ type: 'Redis GET round trip', 'µs uncached': fmt(single.nsPerOp / 1000), 'uncached ops/s': fmt(single.opsPerSec) });
  rows.push({ type: 'Redis GET, pipelined ×100 (per key)', 'µs uncached': fmt(pipelined.nsPerOp / 100_000), 'uncached ops/s': fmt(pipelined.opsPerSec * 100) });
  await client.quit();

  // batchValidate of 100,000 distinct valid addresses (one core, no cache).
  const addresses = (await import('./address-corpus.js')).addressCorpus(100_000);
  const outcome = batchValidate('address', addresses);
  check(outcome.every((r) => r.valid), 'address corpus must be valid');
  const rounds: number[] = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    const t0 = performance.now();
    batchValidate('address', addresses);
    rounds.push(performance.now() - t0);
  }
  rounds.sort((a, b) => a - b);
  const perSec = 100_000 / (rounds[Math.floor(rounds.length / 2)]! / 1000);
  rows.push({ type: 'batchValidate 100,000 addresses', 'uncached ops/s': fmt(perSec) });
  targets.push(target('batchValidate addresses/s (one core)', perSec, { atLeast: 100_000 }, '/s'));
  notes.push('“uncached” is CachedValidator.validate with every policy off (the same async call path callers use); “raw validator” is the pure synchronous function.');
  notes.push('“default-policy cached” is a warm cache under DEFAULT_VALIDATION_POLICIES: cheap checks stay in L1, expensive ones go to L1+L2, password is never cached.');
  notes.push('The L1+L2 column forces every lookup past an L1 of one entry to Redis: it shows why cheap checks must not use L2.');

  await offCache.close();
  await localCache.close();
  await l1Cache.close();
  await l2Cache.close();
} finally {
  await redis.stop();
}

writeReport({
  name: 'validation',
  description: 'Validators uncached vs cached (default policy, L1 hit, Redis hit), Redis round trip, batchValidate — one process, one run.',
  rows,
  targets,
  notes,
});
