/**
 * What reuse tracking costs on the `off` path (issue 7): CachedValidator with a type's policy `off`,
 * with the reuse sketch (1 key in 32 hashed into a scaled-down LRU) against the same validator built
 * with `reuseTracking: false`, on the cheapest cached types, in interleaved pairs of chunks of one run.
 * Each chunk is timed in process CPU time (this 2-core machine is shared: wall time swings 2× with the
 * neighbours' load), each pair gives a ratio, and the median ratio is the figure. Calls are not awaited
 * (the `off` path computes synchronously), so the overhead is not diluted by promise scheduling.
 * Target: tracked ≥ 0.97 × untracked throughput (within noise), per type.
 * Also reported: the sketch's would-be hit rate next to the hit rate a real L1 of the same size gets.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TieredCache } from '../../src/cache/index.js';
import { CachedValidator } from '../../src/domain/validation/cached-validator.js';
import type { ValidationType } from '../../src/validation/types.js';
import { check } from '../lib/measure.js';
import { fmt, target, writeReport, type Target } from '../lib/report.js';
import { addressCorpus } from './address-corpus.js';

const quick = process.env.BENCH_QUICK === '1';
const OPS = quick ? 100_000 : 200_000;
const CHUNK = 20_000;
const PAIRS = quick ? 15 : 40;
const KEYS = 20_000;

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

// Through JSON, as request bodies arrive: flat strings (bytesToHex builds ropes, slower to read).
const corpora: Partial<Record<ValidationType, string[]>> = JSON.parse(
  JSON.stringify({
    txid: Array.from({ length: KEYS }, (_, i) => bytesToHex(sha256(Uint8Array.of(0x74, i >>> 16, (i >>> 8) & 0xff, i & 0xff)))),
    address: addressCorpus(KEYS),
    username: Array.from({ length: KEYS }, (_, i) => `user.${(i * 7919).toString(36)}`),
  }),
) as Partial<Record<ValidationType, string[]>>;

/** Skewed draw (squared uniform): some keys come back often, most rarely. */
function sequence(values: string[], seed: number): string[] {
  const rand = prng(seed);
  return Array.from({ length: OPS }, () => values[Math.floor(rand() ** 2 * values.length)]!);
}

const rows: Array<Record<string, string | number>> = [];
const targets: Target[] = [];
const notes: string[] = [];

for (const [type, values] of Object.entries(corpora) as Array<[ValidationType, string[]]>) {
  const ops = sequence(values, 7);
  const caches = [new TieredCache({}), new TieredCache({}), new TieredCache({})];
  const untracked = new CachedValidator(caches[0]!, { [type]: 'off' }, { reuseTracking: false });
  const tracked = new CachedValidator(caches[1]!, { [type]: 'off' });
  const real = new CachedValidator(caches[2]!, { [type]: 'l1' });
  for (const v of [untracked, tracked]) {
    for (const value of values.slice(0, 50)) check((await v.validate(type, value)).valid, `${type} corpus value must be valid: ${value}`);
  }
  let offset = 0;
  /** ns of CPU per call over the next CHUNK operations of the sequence. */
  const run = (validator: CachedValidator, from: number): number => {
    let last: Promise<unknown> | undefined;
    const t0 = process.cpuUsage();
    for (let i = 0; i < CHUNK; i++) last = validator.validate(type, ops[(from + i) % ops.length]!);
    const used = process.cpuUsage(t0);
    void last;
    return ((used.user + used.system) * 1000) / CHUNK;
  };
  for (let i = 0; i < 5; i++) {
    run(untracked, i * CHUNK);
    run(tracked, i * CHUNK);
  }
  const nsUntracked: number[] = [];
  const nsTracked: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < PAIRS; r++) {
    // Both see the same chunk of the sequence; the order alternates.
    let u: number;
    let t: number;
    if (r % 2 === 0) {
      u = run(untracked, offset);
      t = run(tracked, offset);
    } else {
      t = run(tracked, offset);
      u = run(untracked, offset);
    }
    offset += CHUNK;
    nsUntracked.push(u);
    nsTracked.push(t);
    ratios.push(u / t);
  }
  // The same sequence through a real L1 of the default size: the hit rate the sketch should predict.
  for (const value of ops) await real.validate(type, value);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const u = median(nsUntracked);
  const t = median(nsTracked);
  const ratio = median(ratios);
  const sortedRatios = [...ratios].sort((a, b) => a - b);
  const ns = caches[1]!.namespaces().find((n) => n.name === `validate:${type}`)!;
  const reuse = ns.reuse();
  const realNs = caches[2]!.namespaces().find((n) => n.name === `validate:${type}`)!.stats();
  const ghost = reuse.sampledHits / reuse.sampledLookups;
  const actual = realNs.l1.hits / (realNs.l1.hits + realNs.l1.misses);
  rows.push({
    type,
    'off, untracked ns/call': fmt(u),
    'off, tracked ns/call': fmt(t),
    'tracked / untracked throughput (median of pairs)': ratio.toFixed(3),
    'pair ratios, quartiles': `${sortedRatios[Math.floor(PAIRS / 4)]!.toFixed(3)} – ${sortedRatios[Math.floor((3 * PAIRS) / 4)]!.toFixed(3)}`,
    'sketch would-be hit rate': `${(ghost * 100).toFixed(1)} % (${reuse.sampledLookups.toLocaleString('en-US')} sampled lookups)`,
    'real L1 (10,000) hit rate': `${(actual * 100).toFixed(1)} %`,
  });
  targets.push(target(`${type}: off path with reuse tracking vs without (throughput)`, ratio, { atLeast: 0.97 }));
  for (const c of caches) await c.close();
}
notes.push(
  `A sequence of ${OPS.toLocaleString('en-US')} validations over ${KEYS.toLocaleString('en-US')} keys per type (squared-uniform skew), walked in ${PAIRS} pairs of ${CHUNK.toLocaleString('en-US')}-call chunks (tracked and untracked on the same chunk, order alternating), CPU time per chunk; calls not awaited.`,
  'The sketch samples 1 key in 32 by a hash of its last 3 characters; a sampled key costs a secret-shape check, an FNV-1a hash of its last 24 characters and an LRU update. The would-be hit rate is measured over every chunk (the real L1 over one pass of the sequence).',
);

writeReport({
  name: 'reuse-sketch',
  description: 'Cost of reuse tracking on the `off` path of CachedValidator, and how well its would-be hit rate predicts a real L1.',
  rows,
  targets,
  notes,
});
