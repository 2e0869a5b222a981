/**
 * Accounts over real HTTP (SPEC: Accounts), production argon2id (m=19456, t=2, p=1), SQLite in a temp
 * DATA_DIR:
 * - bulk registration of 1,000 users in one `POST /api/admin/users/bulk` → users/s, against the raw
 *   argon2id hash rate of this machine with every core busy (@node-rs/argon2 `hash`, concurrency =
 *   os.availableParallelism(), same parameters), measured just before and just after in the same run.
 *   Target: ≥ 0.8 of the raw rate (hashing is the work; everything else must be small beside it).
 * - sign-in under autocannon (POST /api/auth/login over a set of users, a generous throttle so no 429):
 *   p50/p99 and sign-ins/s, set against the raw hash rate to show that argon2 dominates the figure.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { hash, verify, type Options } from '@node-rs/argon2';
import { hashConcurrency, PRODUCTION_ARGON2 } from '../../src/adapters/password/argon2-hasher.js';
import { adminToken, load, postJson, startBenchApp } from '../lib/app.js';
import { check } from '../lib/measure.js';
import { fmt, target, writeReport, type Target } from '../lib/report.js';

const quick = process.env.BENCH_QUICK === '1';
const USERS = quick ? 150 : 1_000;
const RAW_HASHES = quick ? 40 : 150;
const LOGIN_SECONDS = quick ? 4 : 10;
const LOGIN_CONNECTIONS = 10;
const LOGIN_USERS = 50;
const CORES = availableParallelism();
/** Argon2id in @node-rs/argon2's `Algorithm` const enum (not importable under isolatedModules). */
const ARGON2ID = 2 as Options['algorithm'];
const ARGON2_OPTIONS: Options = { ...PRODUCTION_ARGON2, algorithm: ARGON2ID };

const rows: Array<Record<string, string | number>> = [];
const targets: Target[] = [];
const notes: string[] = [];

const passwordOf = (username: string) => `pass phrase for ${username} 7`;

/** Hashes `n` distinct passwords, `CORES` at a time; hashes per second, and CPU µs per hash. */
async function rawHashRate(n: number, tag: string): Promise<{ perSec: number; cpuUs: number }> {
  let next = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CORES }, async () => {
      while (next < n) await hash(`raw ${tag} password ${next++}`, ARGON2_OPTIONS);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { perSec: n / ((performance.now() - started) / 1000), cpuUs: (cpu.user + cpu.system) / n };
}

// The reference computes what the app computes: same algorithm and parameters, a verifiable hash.
const sample = await hash('reference check password', ARGON2_OPTIONS);
check(sample.startsWith('$argon2id$v=19$m=19456,t=2,p=1$'), `raw hash parameters: ${sample.slice(0, 32)}`);
check(await verify(sample, 'reference check password'), 'raw hash must verify');

const app = await startBenchApp({
  // Sign-ins all come from 127.0.0.1: the production limits (20 per client) would answer 429 at once.
  throttlePolicy: { accountLimit: 1_000_000, clientLimit: 1_000_000, windowMs: 60_000 },
});
try {
  const token = await adminToken(app);
  const bulkUrl = `${app.url}/api/admin/users/bulk`;

  // Check the answers before timing: good items created, bad ones reported per item, a new user signs in.
  const precheck = await postJson(
    bulkUrl,
    {
      users: [
        { username: 'check_a', password: passwordOf('check_a') },
        { username: 'check_b', password: passwordOf('check_b'), role: 'user' },
        { username: 'check_a', password: passwordOf('check_a') },
        { username: 'check_c', password: 'short' },
      ],
    },
    token,
  );
  check(precheck.status === 200, `bulk precheck status ${precheck.status}`);
  check(precheck.body.created === 2 && precheck.body.failed === 2, `bulk precheck counts: ${JSON.stringify(precheck.body)}`);
  check(precheck.body.results[2].errors[0].code === 'duplicate_in_batch', 'duplicate reported');
  check(precheck.body.results[3].ok === false && precheck.body.results[3].errors.some((e: { field?: string }) => e.field === 'password'), 'weak password reported');
  const precheckLogin = await postJson(`${app.url}/api/auth/login`, { username: 'check_b', password: passwordOf('check_b') });
  check(precheckLogin.status === 200 && precheckLogin.body.user.username === 'check_b', 'bulk-created user signs in');

  // Bulk registration, with the raw hash rate measured just before and just after.
  const usernames = Array.from({ length: USERS }, (_, i) => `bench_user_${String(i).padStart(4, '0')}`);
  const body = { users: usernames.map((username) => ({ username, password: passwordOf(username) })), mode: 'partial' };
  const rawBefore = await rawHashRate(RAW_HASHES, 'before');
  const t0 = performance.now();
  const bulk = await postJson(bulkUrl, body, token);
  const bulkSeconds = (performance.now() - t0) / 1000;
  const rawAfter = await rawHashRate(RAW_HASHES, 'after');
  check(bulk.status === 200, `bulk status ${bulk.status}: ${JSON.stringify(bulk.body).slice(0, 300)}`);
  check(bulk.body.created === USERS && bulk.body.failed === 0, `bulk created ${bulk.body.created}, failed ${bulk.body.failed}`);
  check(bulk.body.results.every((r: { ok: boolean; id?: string }) => r.ok && typeof r.id === 'string'), 'every bulk item ok with an id');
  const usersPerSec = USERS / bulkSeconds;
  const rawRate = (rawBefore.perSec + rawAfter.perSec) / 2;
  const hashCpuUs = (rawBefore.cpuUs + rawAfter.cpuUs) / 2;
  const ratio = usersPerSec / rawRate;
  rows.push(
    { measurement: `raw argon2id hash, ${CORES} at a time (before)`, figure: `${fmt(rawBefore.perSec)} hashes/s` },
    { measurement: `bulk registration of ${USERS} users, one request`, figure: `${fmt(usersPerSec)} users/s (${bulkSeconds.toFixed(1)} s)` },
    { measurement: `raw argon2id hash, ${CORES} at a time (after)`, figure: `${fmt(rawAfter.perSec)} hashes/s` },
    { measurement: 'bulk users/s ÷ raw hashes/s (mean of before and after)', figure: `${ratio.toFixed(3)}` },
  );
  targets.push(target('bulk registration users/s vs raw argon2id hashes/s (all cores)', ratio, { atLeast: 0.8 }));

  // One sign-in alone: the floor of a login's latency (one argon2 verify plus the session writes).
  const loginUsers = usernames.slice(0, LOGIN_USERS);
  const single: number[] = [];
  for (const username of loginUsers.slice(0, 5)) {
    const s0 = performance.now();
    const response = await postJson(`${app.url}/api/auth/login`, { username, password: passwordOf(username) });
    single.push(performance.now() - s0);
    check(response.status === 200 && response.body.user.username === username, `login of ${username}: ${response.status}`);
  }
  single.sort((a, b) => a - b);
  const verifyTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const v0 = performance.now();
    check(await verify(sample, 'reference check password'), 'reference verify');
    verifyTimes.push(performance.now() - v0);
  }
  verifyTimes.sort((a, b) => a - b);

  const login = await load({
    url: app.url,
    duration: LOGIN_SECONDS,
    connections: LOGIN_CONNECTIONS,
    requests: loginUsers.map((username) => ({
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: passwordOf(username) }),
    })),
  });
  const argon2Share = login.rps / rawRate;
  // With every connection waiting on argon2 only, a login would wait for the hashes queued before it.
  const argon2OnlyP50 = (LOGIN_CONNECTIONS / rawRate) * 1000;
  rows.push(
    { measurement: 'one sign-in alone (median of 5)', figure: `${fmt(single[2]!)} ms` },
    { measurement: 'one argon2id verify alone (median of 5)', figure: `${fmt(verifyTimes[2]!)} ms` },
    { measurement: `sign-in under load (${LOGIN_CONNECTIONS} connections, ${LOGIN_SECONDS} s, ${LOGIN_USERS} users)`, figure: `${fmt(login.rps)} logins/s, p50 ${login.latency.p50} ms, p99 ${login.latency.p99} ms` },
    { measurement: 'sign-ins/s ÷ raw hashes/s', figure: argon2Share.toFixed(3) },
    { measurement: 'server CPU per sign-in under load (this process, all threads)', figure: `${fmt(login.cpuUsPerRequest / 1000)} ms` },
    { measurement: 'CPU per raw argon2id hash', figure: `${fmt(hashCpuUs / 1000)} ms (${((hashCpuUs / login.cpuUsPerRequest) * 100).toFixed(0)} % of a sign-in's CPU)` },
    { measurement: `p50 if only argon2 cost (${LOGIN_CONNECTIONS} queued ÷ raw hash rate)`, figure: `${fmt(argon2OnlyP50)} ms` },
  );
  notes.push(
    `The app hashes ${hashConcurrency()} at a time (libuv pool ${process.env.UV_THREADPOOL_SIZE || 4}, capped at ${CORES} cores); the raw reference runs ${CORES} at a time with the same parameters, in the same process.`,
    `Sign-in figures are dominated by argon2: one verify is ${((hashCpuUs / login.cpuUsPerRequest) * 100).toFixed(0)} % of a sign-in's server CPU time; ${fmt(login.rps)} sign-ins/s is ${(argon2Share * 100).toFixed(0)} % of the raw ${fmt(rawRate)} hashes/s, and the measured p50 of ${login.latency.p50} ms compares with ${fmt(argon2OnlyP50)} ms for ${LOGIN_CONNECTIONS} queued verifies alone. A faster sign-in needs cheaper parameters (a security decision), not faster code.`,
    'Sign-in load uses a generous throttle policy (startSatchel throttlePolicy) so every answer is 200; autocannon runs in a child process and shares the two cores with the server.',
  );
} finally {
  await app.close();
}

writeReport({
  name: 'accounts',
  description: `Bulk registration of ${USERS} users and sign-in under load over HTTP with production argon2id, against the raw argon2id hash rate of this machine — one process, one run.`,
  rows,
  targets,
  notes,
});
