/**
 * Issue 9, load: the realistic mix of scripts/load.ts (sign-in, wallet pages, address ranges, note
 * search, validation, invoice creation) against real `satchel serve` processes (as the systemd unit
 * starts them) on one PostgreSQL and one redis-server:
 *   1. one instance, direct;  2. one instance behind nginx (deploy/nginx/satchel.conf);
 *   3. two instances behind nginx — throughput and p50/p99 of each, the ratio 3 / 1;
 *   4. two behind nginx while Redis is killed and, later, started again (empty);
 *   5. two behind nginx while PostgreSQL restarts — p99 against the steady state (3).
 * The load generator is this process (autocannon), on the same 2 cores as the servers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, seed, type LoadResult, type SeededUser } from '../../scripts/load.js';
import { startNginx, startServeProcess, unitCommand, type NginxHandle, type ServeProcess } from '../../test/helpers/nginx.js';
import { startPostgres } from '../../test/helpers/postgres-server.js';
import { startRedis } from '../../test/helpers/redis-server.js';
import { check } from '../lib/measure.js';
import { fmt, target, writeReport } from '../lib/report.js';

const quick = process.env.BENCH_QUICK === '1';
const SECONDS = Number(process.env.LOAD_MIX_SECONDS ?? (quick ? 4 : 20));
const CONNECTIONS = 16;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const rows: Array<Record<string, string | number>> = [];
const notes: string[] = [];
/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Runs the load and reports how busy each instance was (% of one core) during it. */
async function measured(url: string, users: SeededUser[], durationS: number): Promise<LoadResult & { cpu: number[] }> {
  const before = instances.map((instance) => cpuSeconds(instance.pid()));
  const started = Date.now();
  const result = await runLoad(url, users, { durationS, connections: CONNECTIONS });
  const wall = (Date.now() - started) / 1000;
  const cpu = instances.map((instance, i) => Math.round(((cpuSeconds(instance.pid()) - before[i]!) / wall) * 100));
  return { ...result, cpu };
}

const row = (step: string, result: LoadResult & { cpu?: number[] }) => {
  rows.push({
    step,
    'instance CPU % of a core': result.cpu ? result.cpu.join(' + ') : '',
    'req/s': fmt(result.throughputRps),
    'p50 ms': result.p50Ms,
    'p99 ms': result.p99Ms,
    'max ms': result.maxMs,
    requests: result.requests,
    'non-2xx': result.non2xx,
    errors: result.errors + result.timeouts,
  });
  console.log(`  ${step}: ${fmt(result.throughputRps)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}, errors ${result.errors + result.timeouts}`);
  for (const failure of result.failures) console.log(`    ${failure}`);
};

const postgres = await startPostgres();
const redis = await startRedis();
const dataDir = mkdtempSync(join(tmpdir(), 'satchel-load-mix-'));
const env = {
  DATABASE_URL: postgres.url,
  REDIS_URL: redis.url,
  TRUST_PROXY: '127.0.0.1',
  DATA_DIR: dataDir,
  CHAIN_BACKEND: 'none',
  LOG_LEVEL: 'warn',
};
const instances: ServeProcess[] = [];
const proxies: NginxHandle[] = [];
try {
  instances.push(await startServeProcess({ env }));
  const users: SeededUser[] = await seed(instances[0]!.url, { users: 4, notesPerUser: quick ? 100 : 400 });
  // Warm-up: JIT, caches, pools; not measured.
  await runLoad(instances[0]!.url, users, { durationS: quick ? 2 : 5, connections: CONNECTIONS });

  const oneDirect = await measured(instances[0]!.url, users, SECONDS);
  row('1 instance, direct', oneDirect);
  const nginxOne = await startNginx({ upstreamPorts: [instances[0]!.port] });
  proxies.push(nginxOne);
  const oneProxied = await measured(nginxOne.url, users, SECONDS);
  row('1 instance behind nginx', oneProxied);

  instances.push(await startServeProcess({ env }));
  const nginxTwo = await startNginx({ upstreamPorts: instances.map((instance) => instance.port) });
  proxies.push(nginxTwo);
  await runLoad(nginxTwo.url, users, { durationS: quick ? 2 : 5, connections: CONNECTIONS }); // warm the second one
  const two = await measured(nginxTwo.url, users, SECONDS);
  row('2 instances behind nginx (steady state)', two);

  // Redis down for the middle half of the run, then back empty (cache cold, throttle counters gone).
  const redisRun = measured(nginxTwo.url, users, SECONDS);
  await sleep((SECONDS * 1000) / 4);
  await redis.kill();
  await sleep((SECONDS * 1000) / 2);
  await redis.restart();
  const redisOutage = await redisRun;
  row('2 behind nginx, Redis killed for the middle half', redisOutage);

  // PostgreSQL restarted a quarter into the run (requests it cannot serve get a fast 503 meanwhile).
  const pgRun = measured(nginxTwo.url, users, SECONDS);
  await sleep((SECONDS * 1000) / 4);
  const restartStarted = Date.now();
  await postgres.restart();
  const restartMs = Date.now() - restartStarted;
  const pgRestart = await pgRun;
  row(`2 behind nginx, PostgreSQL restarted (took ${restartMs} ms)`, pgRestart);

  check(oneDirect.non2xx + oneDirect.errors === 0 && two.non2xx + two.errors === 0, 'the steady-state runs must have no failures');
  const ratio = two.throughputRps / oneDirect.throughputRps;
  const targets = [
    // 2 cores: the two instances, nginx, PostgreSQL, Redis and autocannon share them; no gain is expected.
    target('throughput, 2 instances behind nginx vs 1 direct', ratio, { atLeast: 0.8 }),
    target('p99 during a Redis outage vs steady state', redisOutage.p99Ms / Math.max(1, two.p99Ms), { atMost: 3 }),
    target('failed requests during a Redis outage', redisOutage.non2xx + redisOutage.errors + redisOutage.timeouts, { atMost: 0 }, ''),
    target('p99 during a PostgreSQL restart', pgRestart.p99Ms, { atMost: 5000 }, ' ms'),
  ];
  notes.push(
    `${SECONDS} s per run, ${CONNECTIONS} connections, mix and seed of scripts/load.ts (4 users; sign-in 1/50, validation 14/50, wallet list/page 11/50, address ranges 8/50, note search 8/50, invoices 5/50 created + 2/50 listed, health 1/50).`,
    `Instances run ${unitCommand().fromDist ? 'dist/ (bin/satchel.js)' : 'the sources through tsx (dist/ older than src/)'}.`,
    `2 vs 1: ${fmt(ratio)}×. ${cpuLimitNote(oneDirect.cpu[0] ?? 0, two.cpu)}`,
    `Redis outage: non-2xx ${redisOutage.non2xx}, errors ${redisOutage.errors + redisOutage.timeouts}. PostgreSQL restart: non-2xx ${pgRestart.non2xx} (fast 503 dependency_down while it is down), errors ${pgRestart.errors + pgRestart.timeouts}.`,
  );
  writeReport({
    name: 'load-mix',
    description:
      'The realistic load mix (scripts/load.ts) against real `satchel serve` processes on PostgreSQL + Redis: one instance direct and behind nginx, two behind nginx, and two while Redis is down or PostgreSQL restarts.',
    rows,
    targets,
    notes,
  });
} finally {
  for (const proxy of proxies) await proxy.stop();
  for (const instance of instances) await instance.stop('SIGTERM');
  await redis.stop();
  await postgres.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

/** What limits the gain, from the CPU each instance used: a Node process runs its JavaScript on one core. */
function cpuLimitNote(one: number, two: number[]): string {
  const cores = cpus().length;
  const load = loadavg()[0]!.toFixed(1);
  const sum = two.reduce((a, b) => a + b, 0);
  return (
    `One instance used ${one}% of a core: ${one >= 85 ? 'its event loop (one thread) was the limit' : 'not its event loop alone (PostgreSQL, argon2 threads, the load generator share the cores)'}. ` +
    `Two used ${two.join('% + ')}% = ${sum}% of the ${cores * 100}% the ${cores} cores give, shared with nginx, PostgreSQL, Redis and autocannon ` +
    `(this process, about a core at these rates); load average at the end ${load} (other work on the machine counts too). ` +
    'So a second instance gains only what a single event loop left unused on an idle core; with both cores busy it adds a proxy hop and context switches, not throughput.'
  );
}
