/**
 * What request metrics cost (SPEC: Performance): a validation-heavy autocannon load — POST /api/validate
 * with a bearer token over a mix of addresses, txids and extended public keys — against the same app
 * with the per-request metrics hook (http-metrics) on and off, in one process and one run. Both apps
 * run side by side for the whole benchmark (so background work such as the 1 s monitor is the same for
 * both); the runs alternate in a rotating order and the medians are compared. Target: ≤ 3 % fewer
 * requests/s with metrics on. A second app without metrics is measured alongside as an A/A control (the
 * noise floor of the run), and the same comparison is made in-process with app.inject() in paired batches.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { validate } from '../../src/validation/index.js';
import type { ValidationType } from '../../src/validation/types.js';
import { addressCorpus } from '../micro/address-corpus.js';
import { adminToken, load, postJson, startBenchApp, type BenchApp } from '../lib/app.js';
import { check } from '../lib/measure.js';
import { fmt, target, writeReport } from '../lib/report.js';
import { xpubCorpus } from '../micro/key-corpus.js';

const quick = process.env.BENCH_QUICK === '1';
// Many short alternating runs: the neighbours' load drifts over seconds, so pairs close in time compare best.
const ROUNDS = quick ? 3 : 8;
const SECONDS = quick ? 1 : 3;
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

// Three apps, side by side for the whole run: metrics on, metrics off, and a second "off" app as an A/A
// control — two identical apps measured the same way show this run's noise floor.
const on = await startBenchApp();
const off = await startBenchApp({ httpMetrics: false });
const control = await startBenchApp({ httpMetrics: false });
try {
  check(mix.filter((m) => validate(m.type, m.value).valid).length === mix.length - INVALID.length, 'the mix: every value valid but the 10 invalid ones');
  type Which = 'on' | 'off' | 'control';
  const apps: Record<Which, { app: BenchApp; token: string }> = {
    on: { app: on, token: await prepare(on) },
    off: { app: off, token: await prepare(off) },
    control: { app: control, token: await prepare(control) },
  };
  type Run = { rps: number; cpuUs: number; p50: number; p99: number };
  const runs: Record<Which, Run[]> = { on: [], off: [], control: [] };
  const loadOf = (which: Which, duration: number) =>
    load({ url: apps[which].app.url, duration, connections: CONNECTIONS, requests: requestsFor(apps[which].token) });

  // Warm-up (JIT, connection pools), not counted.
  for (const which of ['on', 'off', 'control'] as const) await loadOf(which, 1);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotated each round, so no app always runs first or right after another.
    const order = (['on', 'off', 'control'] as const).map((_, k, all) => all[(k + round) % all.length]!);
    for (const which of order) {
      const result = await loadOf(which, SECONDS);
      runs[which].push({ rps: result.rps, cpuUs: result.cpuUsPerRequest, p50: result.latency.p50, p99: result.latency.p99 });
      rows.push({ round: round + 1, app: which, 'requests/s': fmt(result.rps), 'server CPU µs/request': fmt(result.cpuUsPerRequest), 'p50 ms': result.latency.p50, 'p99 ms': result.latency.p99 });
    }
  }
  // The hook did record on one app and not on the others.
  const recorded = on.satchel.metrics.http.snapshot(false).totals.requests;
  check(recorded > ROUNDS * 100, `metrics on recorded ${recorded} requests`);
  check(off.satchel.metrics.http.snapshot(false).totals.requests === 0 && control.satchel.metrics.http.snapshot(false).totals.requests === 0, 'metrics off recorded nothing');

  // The same request path without sockets or a load generator: app.inject() in short alternating
  // batches, so both sides of each pair see the same neighbours. It includes Fastify's onResponse hook.
  const injectBatch = async (which: 'on' | 'off', from: number, n: number) => {
    const { app, token } = apps[which];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const { type, value } = mix[(from + i) % mix.length]!;
      const response = await app.satchel.app.inject({
        method: 'POST',
        url: '/api/validate',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        payload: JSON.stringify({ type, value }),
      });
      if (response.statusCode !== 200) throw new Error(`inject ${which}: ${response.statusCode}`);
    }
    return (performance.now() - t0) / n;
  };
  await injectBatch('on', 0, 400);
  await injectBatch('off', 0, 400);
  const injectRatios: number[] = [];
  for (let pair = 0; pair < (quick ? 10 : 30); pair++) {
    const first = pair % 2 === 0 ? 'on' : 'off';
    const a = await injectBatch(first, pair * 200, 200);
    const b = await injectBatch(first === 'on' ? 'off' : 'on', pair * 200, 200);
    injectRatios.push(first === 'on' ? a / b : b / a);
  }

  // The hook's own work, timed inside the running app (a tight loop would keep it in the CPU caches and
  // report a fraction of it). observeRequest is all a request pays: the Prometheus histogram is built from
  // the same HttpStats buckets when /metrics is scraped.
  const metrics = on.satchel.metrics;
  const observeRequest = metrics.observeRequest.bind(metrics);
  let observeMs = 0;
  let observed = 0;
  metrics.observeRequest = (...args) => {
    const t0 = performance.now();
    observeRequest(...args);
    observeMs += performance.now() - t0;
    observed++;
  };
  await injectBatch('on', 0, quick ? 2_000 : 5_000);
  metrics.observeRequest = observeRequest;
  check(observed >= 2_000, `observeRequest timed ${observed} times`);
  const observeUs = (observeMs * 1000) / observed;

  const med = (which: Which, key: keyof Run) => median(runs[which].map((r) => r[key]));
  const loss = (1 - med('on', 'rps') / med('off', 'rps')) * 100;
  const cpuIncrease = (med('on', 'cpuUs') / med('off', 'cpuUs') - 1) * 100;
  const aaRps = (1 - med('control', 'rps') / med('off', 'rps')) * 100;
  const aaCpu = (med('control', 'cpuUs') / med('off', 'cpuUs') - 1) * 100;
  const injectIncrease = (median(injectRatios) - 1) * 100;
  for (const which of ['on', 'off', 'control'] as const) {
    rows.push({ round: 'median', app: which, 'requests/s': fmt(med(which, 'rps')), 'server CPU µs/request': fmt(med(which, 'cpuUs')), 'p50 ms': med(which, 'p50'), 'p99 ms': med(which, 'p99') });
  }

  writeReport({
    name: 'metrics-overhead',
    description: `POST /api/validate (bearer token; ${mix.length} values: addresses, txids, xpubs, some invalid) under autocannon (${CONNECTIONS} connections, ${SECONDS} s a run, ${ROUNDS} runs each, rotating) with request metrics on vs off, plus an identical "off" app as an A/A control — one process, one run.`,
    rows,
    targets: [
      target('throughput lost with request metrics on (median vs median)', loss, { atMost: 3 }, ' %'),
      target('cross-check: server CPU per request added by metrics (median vs median)', cpuIncrease, { atMost: 3 }, ' %'),
      target('cross-check: in-process request time added by metrics (app.inject, paired batches)', injectIncrease, { atMost: 3 }, ' %'),
    ],
    notes: [
      `Noise floor of this run (A/A: two identical apps without metrics): ${aaRps.toFixed(1)} % throughput, ${aaCpu.toFixed(1)} % CPU per request. An on/off difference inside that band cannot be told from noise.`,
      `In-process (app.inject, ${injectRatios.length} alternating pairs of 200 requests): on/off time per request ${median(injectRatios).toFixed(3)} (median of the pairs; spread ${Math.min(...injectRatios).toFixed(3)}–${Math.max(...injectRatios).toFixed(3)}).`,
      `Metrics.observeRequest timed inside the running app: ${fmt(observeUs)} µs a request (one log-bucket histogram record per route and status; Prometheus reads those buckets at scrape time instead of a prom-client observe per request), ${((observeUs / med('off', 'cpuUs')) * 100).toFixed(1)} % of the ${fmt(med('off', 'cpuUs'))} µs of server CPU a request takes without metrics; Fastify's onResponse hook around it adds a little more.`,
      'Metrics on = the app as shipped (http-metrics hook: per-route latency histogram + Prometheus histogram on every answer); off = startSatchel({ httpMetrics: false }), the same app without the hook.',
      'Every value is checked against the pure validator before timing; the mix fits the validation caches, so the load measures the request path (auth, schema, cache hit, JSON) — the lighter the request, the larger the share metrics take, so this is the demanding case.',
      "Server CPU µs/request is this process's CPU time (process.cpuUsage) over the answers of a run; autocannon runs in a child process, so it is the server's alone.",
    ],
  });
} finally {
  await on.close();
  await off.close();
  await control.close();
}
