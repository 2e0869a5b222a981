/**
 * What request metrics cost (SPEC: Performance): a validation-heavy autocannon load — POST /api/validate
 * with a bearer token over a mix of addresses, txids and extended public keys — against the same app
 * with the per-request metrics hook (http-metrics) on and off, in one process and one run. Both apps
 * run side by side for the whole benchmark (so background work such as the 1 s monitor is the same for
 * both); the runs alternate on/off, off/on, … and the medians are compared. Target: ≤ 3 % fewer
 * requests/s with metrics on.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { validate } from '../../src/validation/index.js';
import type { ValidationType } from '../../src/validation/types.js';
import { addressCorpus } from '../micro/address-corpus.js';
import { adminToken, load, postJson, startBenchApp, type BenchApp } from '../lib/app.js';
import { Metrics } from '../../src/perf/metrics.js';
import { check, measureSync } from '../lib/measure.js';
import { fmt, target, writeReport } from '../lib/report.js';
import { xpubCorpus } from '../micro/key-corpus.js';

const quick = process.env.BENCH_QUICK === '1';
// Many short alternating runs: the neighbours' load drifts over seconds, so pairs close in time compare best.
const ROUNDS = quick ? 3 : 8;
const SECONDS = quick ? 2 : 3;
const CONNECTIONS = 10;

const rows: Array<Record<string, string | number>> = [];

// The mix: 80 addresses of every mainnet form, 60 txids, 50 xpubs/ypubs/zpubs and 10 invalid values (200 in all).
const INVALID: Array<{ type: ValidationType; value: string }> = [
  { type: 'address', value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5' }, // bad checksum
  { type: 'address', value: ' bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' }, // never trimmed
  { type: 'address', value: '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3' },
  { type: 'address', value: 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7Kv8f3t4' }, // mixed case (BIP-173)
  { type: 'txid', value: 'zz'.repeat(32) },
  { type: 'txid', value: '4a5e1e4b' },
  { type: 'xpub', value: 'xpub6CUGRUonZSQ4TWtTMmzXdrXDtypWKiKrhko4egpiMZbpiaQL2jkwSB1icqYh2cfDfVxdx4df189oLKnC5fSwqPfgyP3hooxujYzAu3fDVmy' },
  { type: 'xpub', value: 'not an xpub' },
  { type: 'xpub', value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' },
  { type: 'address', value: '' },
];
const mix: Array<{ type: ValidationType; value: string }> = [
  ...addressCorpus(80).map((value) => ({ type: 'address' as const, value })),
  ...Array.from({ length: 60 }, (_, i) => ({ type: 'txid' as const, value: bytesToHex(sha256(Uint8Array.of(0x74, i))) })),
  ...xpubCorpus(50).map((value) => ({ type: 'xpub' as const, value })),
  ...INVALID,
];
// Shuffled deterministically so each connection sees the types interleaved.
for (let i = mix.length - 1, seed = 7; i > 0; i--) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  const j = seed % (i + 1);
  [mix[i], mix[j]] = [mix[j]!, mix[i]!];
}

async function prepare(app: BenchApp): Promise<string> {
  const token = await adminToken(app);
  // Check every answer before timing (this also fills the caches, as a running server's would be).
  for (const { type, value } of mix) {
    const response = await postJson(`${app.url}/api/validate`, { type, value }, token);
    const expected = validate(type, value).valid;
    check(response.status === 200 && response.body.valid === expected && response.body.type === type, `${type} ${value}: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return token;
}

function requestsFor(token: string) {
  return mix.map(({ type, value }) => ({
    method: 'POST',
    path: '/api/validate',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ type, value }),
  }));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const on = await startBenchApp();
const off = await startBenchApp({ httpMetrics: false });
try {
  check(mix.filter((m) => validate(m.type, m.value).valid).length === mix.length - INVALID.length, 'the mix: every value valid but the 10 invalid ones');
  const apps = { on: { app: on, requests: requestsFor(await prepare(on)) }, off: { app: off, requests: requestsFor(await prepare(off)) } };
  type Run = { rps: number; cpuUs: number; p50: number; p99: number };
  const runs = { on: [] as Run[], off: [] as Run[] };
  const loadOf = (which: 'on' | 'off', duration: number) => load({ url: apps[which].app.url, duration, connections: CONNECTIONS, requests: apps[which].requests });

  // Warm-up (JIT, connection pools), not counted.
  await loadOf('on', 1);
  await loadOf('off', 1);
  for (let round = 0; round < ROUNDS; round++) {
    const order: Array<'on' | 'off'> = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const which of order) {
      const result = await loadOf(which, SECONDS);
      runs[which].push({ rps: result.rps, cpuUs: result.cpuUsPerRequest, p50: result.latency.p50, p99: result.latency.p99 });
      rows.push({ round: round + 1, metrics: which, 'requests/s': fmt(result.rps), 'server CPU µs/request': fmt(result.cpuUsPerRequest), 'p50 ms': result.latency.p50, 'p99 ms': result.latency.p99 });
    }
  }
  // The hook did record on one app and not on the other.
  const recorded = on.satchel.metrics.http.snapshot(false).totals.requests;
  check(recorded > ROUNDS * 100, `metrics on recorded ${recorded} requests`);
  check(off.satchel.metrics.http.snapshot(false).totals.requests === 0, 'metrics off recorded nothing');

  // The hook's own cost, timed directly (no network, no neighbours' noise in a ratio of two runs).
  const probe = new Metrics('bench-probe', { cache: on.satchel.cache, validator: on.satchel.validator });
  const observe = measureSync(() => probe.observeRequest('POST', '/api/validate', 200, 1.25), { minMs: quick ? 100 : 300, batch: 1000 });
  probe.close();

  const onRps = median(runs.on.map((r) => r.rps));
  const offRps = median(runs.off.map((r) => r.rps));
  const loss = (1 - onRps / offRps) * 100;
  const onCpu = median(runs.on.map((r) => r.cpuUs));
  const offCpu = median(runs.off.map((r) => r.cpuUs));
  const cpuIncrease = (onCpu / offCpu - 1) * 100;
  const pairRatios = runs.on.map((r, i) => r.rps / runs.off[i]!.rps);
  rows.push(
    { round: 'median', metrics: 'on', 'requests/s': fmt(onRps), 'server CPU µs/request': fmt(onCpu), 'p50 ms': median(runs.on.map((r) => r.p50)), 'p99 ms': median(runs.on.map((r) => r.p99)) },
    { round: 'median', metrics: 'off', 'requests/s': fmt(offRps), 'server CPU µs/request': fmt(offCpu), 'p50 ms': median(runs.off.map((r) => r.p50)), 'p99 ms': median(runs.off.map((r) => r.p99)) },
  );

  writeReport({
    name: 'metrics-overhead',
    description: `POST /api/validate (bearer token; ${mix.length} values: addresses, txids, xpubs, some invalid) under autocannon (${CONNECTIONS} connections, ${SECONDS} s a run, ${ROUNDS} runs each, alternating) with request metrics on vs off — one process, one run.`,
    rows,
    targets: [
      target('throughput lost with request metrics on (median vs median)', loss, { atMost: 3 }, ' %'),
      target('cross-check: server CPU per request added by metrics (median vs median)', cpuIncrease, { atMost: 3 }, ' %'),
    ],
    notes: [
      `Median of the per-round on/off ratios: ${median(pairRatios).toFixed(3)} (rounds: ${pairRatios.map((r) => r.toFixed(3)).join(', ')}).`,
      `Direct estimate: Metrics.observeRequest costs ${fmt(observe.nsPerOp / 1000)} µs a call; at the ${fmt(offRps)} requests/s measured without metrics that is ${((observe.nsPerOp / 1e9) * offRps * 100).toFixed(2)} % of one core, i.e. the true loss is about that and the run-to-run spread above is noise.`,
      `Metrics on = the app as shipped (http-metrics hook: per-route latency histogram + Prometheus histogram on every answer); off = startSatchel({ httpMetrics: false }), the same app without the hook. Both apps run in this process for the whole benchmark.`,
      'Every value is checked against the pure validator before timing; the mix fits the validation caches, so the load measures the request path (auth, schema, cache hit, JSON) — the lighter the request, the larger the share metrics take, so this is the demanding case.',
      'Server CPU µs/request is this process\'s CPU time (process.cpuUsage) over the answers of a run; autocannon runs in a child process, so it is the server\'s alone. It is far less sensitive than requests/s to neighbours taking the cores, hence the cross-check.',
      'A negative figure means metrics-on did better than off: noise on this shared 2-core machine (autocannon shares the same cores). The per-run rows show the spread.',
    ],
  });
} finally {
  await on.close();
  await off.close();
}
