/**
 * The cache optimizer on a mixed, skewed validation workload (SPEC: Performance), through
 * CachedValidator on a TieredCache with a real redis-server, in one run:
 *   (a) no cache — every policy `off`;
 *   (b) everything in L1+L2 — every policy `l1+l2`;
 *   (c) the default policies with the CacheOptimizer on (validationTargets, the cache's own Redis
 *       round-trip probe), run between warm-up rounds and between timed rounds as its timer would;
 *   (d) naive everything-in-L2 — `l1+l2` with an L1 of one entry, so every lookup goes to Redis.
 * Workload: cheap checks (addresses, txids) and expensive ones (xpubs, descriptors, BOLT 11), keys
 * drawn Zipf-like from sets larger than L1 (10,000 entries) for addresses, txids and xpubs. Each round
 * is a fresh draw from the same distribution; round r is the same sequence for every configuration.
 * Lookups run one at a time (one request's validation awaits its lookup).
 * Targets: (c) ≥ (a) and ≥ (b) (ratio ≥ 1.0; a few % either way is noise here), and (c) ≥ 1.3 × (d).
 */
import v8 from 'node:v8';
import { performance } from 'node:perf_hooks';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { encodeBolt11, FEATURE_PAYMENT_SECRET_REQUIRED, FEATURE_VAR_ONION_OPTIN_REQUIRED } from '../../src/adapters/lightning/bolt11-encoder.js';
import { createBolt11Signer } from '../../src/adapters/lightning/bolt11-signers.js';
import { TieredCache, type CachePolicy } from '../../src/cache/index.js';
import { CachedValidator } from '../../src/domain/validation/cached-validator.js';
import { CacheOptimizer, type Decision } from '../../src/perf/optimizer.js';
import { validationTargets } from '../../src/perf/targets.js';
import { validate } from '../../src/validation/index.js';
import { VALIDATION_TYPES, type ValidationType } from '../../src/validation/types.js';
import { startRedis } from '../../test/helpers/redis-server.js';
import { check } from '../lib/measure.js';
import { fmt, target, writeReport, type Target } from '../lib/report.js';
import { addressCorpus } from './address-corpus.js';
import { descriptorCorpus, xpubCorpus } from './key-corpus.js';

const quick = process.env.BENCH_QUICK === '1';
const OPS = quick ? 12_000 : 30_000;
const WARMUP_ROUNDS = quick ? 2 : 3;
const TIMED_ROUNDS = quick ? 2 : 3;

type WorkType = 'address' | 'txid' | 'xpub' | 'descriptor' | 'bolt11';
interface Op {
  type: WorkType;
  value: string;
}

/** Share of operations, distinct keys and Zipf exponent per type. */
const MIX: Record<WorkType, { share: number; keys: number; zipf: number }> = {
  address: { share: 0.45, keys: 40_000, zipf: 0.8 },
  txid: { share: 0.4, keys: 40_000, zipf: 0.8 },
  xpub: { share: 0.08, keys: 15_000, zipf: 1.0 },
  descriptor: { share: 0.055, keys: 3_000, zipf: 1.0 },
  bolt11: { share: 0.015, keys: 300, zipf: 1.1 },
};
const WORK_TYPES = Object.keys(MIX) as WorkType[];

/** mulberry32: a small seeded PRNG, so every configuration replays the same rounds. */
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

/** Rank r (0-based) has weight 1/(r+1)^s; the ranks are mapped to keys through a fixed shuffle. */
function zipf(n: number, s: number, shuffleSeed: number): (u: number) => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  for (let i = 0; i < n; i++) cdf[i]! /= sum;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rand = prng(shuffleSeed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return (u) => {
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return order[lo]!;
  };
}

function bolt11Corpus(n: number): string[] {
  const signer = createBolt11Signer(sha256(Uint8Array.of(0x6c, 0x6e)));
  const timestamp = Math.floor(Date.now() / 1000);
  return Array.from({ length: n }, (_, i) =>
    encodeBolt11(
      {
        network: 'mainnet',
        amountMsat: BigInt(1_000 * (i + 1)),
        timestamp,
        fields: [
          { tag: 'p', paymentHash: sha256(Uint8Array.of(0x70, i >>> 8, i & 0xff)) },
          { tag: 's', paymentSecret: sha256(Uint8Array.of(0x73, i >>> 8, i & 0xff)) },
          { tag: 'd', description: `bench invoice ${i}` },
          { tag: 'x', expirySeconds: 86_400 },
          { tag: 'c', minFinalCltvExpiry: 18 },
          { tag: '9', featureBits: [FEATURE_VAR_ONION_OPTIN_REQUIRED, FEATURE_PAYMENT_SECRET_REQUIRED] },
        ],
      },
      signer,
    ),
  );
}

const corpus: Record<WorkType, string[]> = {
  address: addressCorpus(MIX.address.keys),
  txid: Array.from({ length: MIX.txid.keys }, (_, i) => bytesToHex(sha256(Uint8Array.of(0x74, i >>> 16, (i >>> 8) & 0xff, i & 0xff)))),
  xpub: xpubCorpus(MIX.xpub.keys),
  descriptor: descriptorCorpus(MIX.descriptor.keys),
  bolt11: bolt11Corpus(MIX.bolt11.keys),
};
const samplers = Object.fromEntries(WORK_TYPES.map((t, k) => [t, zipf(MIX[t].keys, MIX[t].zipf, 1000 + k)])) as Record<WorkType, (u: number) => number>;

function round(seed: number): Op[] {
  const rand = prng(seed);
  const cumulative = WORK_TYPES.map((t, k) => WORK_TYPES.slice(0, k + 1).reduce((s, x) => s + MIX[x].share, 0));
  return Array.from({ length: OPS }, () => {
    const u = rand();
    const type = WORK_TYPES[cumulative.findIndex((c) => u < c)] ?? 'bolt11';
    return { type, value: corpus[type][samplers[type](rand())]! };
  });
}

const warmups = Array.from({ length: WARMUP_ROUNDS }, (_, r) => round(100 + r));
const timed = Array.from({ length: TIMED_ROUNDS }, (_, r) => round(200 + r));

// Every key of every type is valid; the pure validator says so for a sample (a full pass would take
// the time of configuration (a) again). The timed loops count verdicts too: any invalid one fails the run.
for (const type of WORK_TYPES) {
  for (const value of corpus[type].filter((_, i) => i % 97 === 0 || i < 20)) {
    const result = validate(type, value);
    check(result.valid, `${type} corpus value must be valid: ${value.slice(0, 40)}… ${JSON.stringify(result.errors)}`);
  }
  check(new Set(corpus[type]).size === corpus[type].length, `${type} corpus values are distinct`);
}

const allPolicies = (policy: CachePolicy) => Object.fromEntries(VALIDATION_TYPES.map((t) => [t, policy])) as Record<ValidationType, CachePolicy>;
const heapPressure = () => {
  const { used_heap_size, heap_size_limit } = v8.getHeapStatistics();
  return used_heap_size / heap_size_limit;
};

interface Config {
  key: 'a' | 'b' | 'c' | 'd';
  label: string;
  cache: TieredCache;
  validator: CachedValidator;
  optimizer?: CacheOptimizer;
  warmupRounds: number;
  opsPerSec: number[];
}

async function runOps(validator: CachedValidator, ops: Op[]): Promise<number> {
  let invalid = 0;
  const t0 = performance.now();
  for (const op of ops) {
    const result = await validator.validate(op.type, op.value);
    if (!result.valid) invalid++;
  }
  const ms = performance.now() - t0;
  check(invalid === 0, `${invalid} verdicts of ${ops.length} were invalid`);
  return (ops.length / ms) * 1000;
}

const rows: Array<Record<string, string | number>> = [];
const targets: Target[] = [];
const notes: string[] = [];
const decisions: Array<Decision & { round: string }> = [];

const redis = await startRedis();
const configs: Config[] = [];
try {
  const make = async (key: Config['key'], label: string, prefix: string, policies?: Record<ValidationType, CachePolicy>, warmupRounds = WARMUP_ROUNDS) => {
    const cache = new TieredCache({ redisUrl: redis.url, instanceId: `bench-${key}`, keyPrefix: prefix });
    await cache.ready();
    const validator = new CachedValidator(cache, policies);
    const config: Config = { key, label, cache, validator, warmupRounds, opsPerSec: [] };
    configs.push(config);
    return config;
  };
  // (a) has nothing to warm but the JIT: one warm-up round keeps the run short.
  const a = await make('a', '(a) no cache (all off)', 'bench-a', allPolicies('off'), 1);
  const b = await make('b', '(b) everything L1+L2', 'bench-b', allPolicies('l1+l2'));
  const c = await make('c', '(c) default policies + optimizer', 'bench-c');
  const d = await make('d', '(d) naive everything in L2 (L1 of 1)', 'bench-d', allPolicies('l1+l2'));
  for (const ns of d.cache.namespaces()) ns.configure({ l1Max: 1 });
  const optimizer = new CacheOptimizer(() => validationTargets(c.cache, c.validator), { l2RoundTripUs: () => c.cache.l2RoundTripUs(), heapPressure });
  c.optimizer = optimizer;
  const optimize = async (label: string) => {
    for (const decision of await optimizer.run()) decisions.push({ ...decision, round: label });
  };

  // Same verdicts in every configuration, including answers read back from Redis (d: a second pass).
  const probe = warmups[0]!.slice(0, 300);
  for (const config of configs) {
    for (let pass = 0; pass < (config.key === 'd' ? 2 : 1); pass++) {
      for (const op of probe) {
        const got = await config.validator.validate(op.type, op.value);
        const want = validate(op.type, op.value);
        check(got.valid === want.valid && got.normalized === want.normalized && JSON.stringify(got.details) === JSON.stringify(want.details), `${config.key}: ${op.type} verdict differs from the pure validator`);
      }
    }
  }

  for (const config of configs) {
    for (let r = 0; r < config.warmupRounds; r++) {
      await runOps(config.validator, warmups[r]!);
      if (config.optimizer) await optimize(`warm-up ${r + 1}`);
    }
  }
  for (let r = 0; r < TIMED_ROUNDS; r++) {
    // Rotate the order so no configuration always runs first (or right after a slow one).
    const order = configs.map((_, k) => configs[(k + r) % configs.length]!);
    for (const config of order) config.opsPerSec.push(await runOps(config.validator, timed[r]!));
    await optimize(`timed ${r + 1}`);
  }

  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  const med = Object.fromEntries(configs.map((cf) => [cf.key, median(cf.opsPerSec)])) as Record<Config['key'], number>;
  for (const config of configs) {
    const stats = config.validator.stats();
    const perType = WORK_TYPES.map((type) => {
      const ns = config.cache.namespaces().find((n) => n.name === `validate:${type}`)!.stats();
      const lookups = ns.l1.hits + ns.l1.misses;
      const l1 = lookups ? `${((ns.l1.hits / lookups) * 100).toFixed(0)} %` : '—';
      const l2 = ns.l2.hits + ns.l2.misses ? ` L2 ${((ns.l2.hits / (ns.l2.hits + ns.l2.misses)) * 100).toFixed(0)} %` : '';
      return `${type}: ${stats[type].policy}${stats[type].policy === 'off' ? '' : ` max ${ns.l1.max}, L1 ${l1}${l2}`}`;
    });
    rows.push({
      configuration: config.label,
      'ops/s (median)': fmt(med[config.key]),
      'ops/s per timed round': config.opsPerSec.map(fmt).join(' / '),
      'vs (c)': `${(med[config.key] / med.c).toFixed(2)}×`,
      'final policies, L1 max, hit rates (whole run)': perType.join('; '),
    });
  }
  targets.push(
    target('(c) optimizer vs (a) no cache', med.c / med.a, { atLeast: 1 }),
    target('(c) optimizer vs (b) everything L1+L2', med.c / med.b, { atLeast: 1 }),
    target('(c) optimizer vs (d) naive everything in L2', med.c / med.d, { atLeast: 1.3 }),
  );

  // Evidence for judging the optimizer on the cheap checks: the same keys (this run's rounds, one type
  // at a time) through a validator with caching off, on an L1 of 10,000 and on an L1 of 40,000.
  const cheapEvidence: string[] = [];
  for (const type of ['address', 'txid'] as const) {
    const variants = [
      { name: 'off', policy: 'off' as CachePolicy, l1Max: undefined },
      { name: 'l1, 10,000', policy: 'l1' as CachePolicy, l1Max: undefined },
      { name: 'l1, 40,000', policy: 'l1' as CachePolicy, l1Max: 40_000 },
    ].map((variant) => {
      const cache = new TieredCache({});
      const validator = new CachedValidator(cache, { [type]: variant.policy });
      if (variant.l1Max) for (const ns of cache.namespaces()) ns.configure({ l1Max: variant.l1Max });
      return { ...variant, cache, validator, usPerCall: [] as number[] };
    });
    const ofType = (ops: Op[]) => ops.filter((op) => op.type === type);
    for (const variant of variants) for (const ops of warmups) await runOps(variant.validator, ofType(ops));
    const hitsBefore = variants.map((v) => v.validator.stats()[type]);
    for (const ops of timed) {
      for (const variant of variants) variant.usPerCall.push(1e6 / (await runOps(variant.validator, ofType(ops))));
    }
    cheapEvidence.push(
      `${type}: ${variants
        .map((v, i) => {
          const s = v.validator.stats()[type];
          const before = hitsBefore[i]!;
          const hitRate = (s.cacheHits - before.cacheHits) / (s.calls - before.calls);
          return `${v.name} ${fmt(median(v.usPerCall))} µs a call${v.policy === 'off' ? '' : ` (${(hitRate * 100).toFixed(0)} % hits, sampled hit mean ${fmt(s.meanUsCached)} µs)`}`;
        })
        .join(', ')}`,
    );
    for (const variant of variants) await variant.cache.close();
  }

  const cStats = c.validator.stats();
  notes.push(
    `Workload: ${OPS.toLocaleString('en-US')} validations a round — ${WORK_TYPES.map((t) => `${t} ${MIX[t].share * 100} % over ${MIX[t].keys.toLocaleString('en-US')} keys (Zipf s=${MIX[t].zipf})`).join(', ')}; ${WARMUP_ROUNDS} warm-up rounds ((a): 1), then ${TIMED_ROUNDS} timed rounds, each a new draw, the same for every configuration; lookups one at a time.`,
    `Measured by (c)'s validator: compute ${WORK_TYPES.map((t) => `${t} ${fmt(cStats[t].meanUsUncached)} µs`).join(', ')}; Redis round trip (optimizer probe) ${fmt((await c.cache.l2RoundTripUs()) ?? NaN)} µs.`,
    `Cheap checks measured apart on this run's keys (timed rounds, after the same warm-up): ${cheapEvidence.join('; ')}.`,
    'Ratios ≥ 1.0 are the goal; on this shared 2-core machine a few % either way between (c) and (b) is noise — the per-round figures show the spread.',
  );
  if (decisions.length === 0) notes.push('The optimizer took no decision: the default policies were already the cheapest by its cost model.');
  for (const decision of decisions) {
    const expected = decision.expectedUs
      ? ` [expected µs/lookup: ${Object.entries(decision.expectedUs).map(([p, v]) => `${p} ${v?.toFixed(2)}`).join(', ')}]`
      : '';
    notes.push(`Optimizer, after ${decision.round}: ${decision.target} ${decision.action}${decision.from ? ` ${decision.from} → ${decision.to}` : ''} — ${decision.reason}${expected}`);
  }
} finally {
  for (const config of configs) await config.cache.close();
  await redis.stop();
}

writeReport({
  name: 'optimizer',
  description: 'A mixed, skewed validation workload through CachedValidator + TieredCache (real Redis) with no cache, everything in L1+L2, default policies + the optimizer, and everything in Redis — one process, one run.',
  rows,
  targets,
  notes,
});
