/**
 * Issue 9, soak: the load mix of scripts/load.ts against one real `satchel serve` process (as the
 * systemd unit starts it) on PostgreSQL + Redis for SOAK_SECONDS (default 600; 60 with --quick), in
 * slices of 30 s. Reports the server's RSS after the warm-up slice and at the end, and the throughput
 * and p99 of the first and last slices. Target: RSS at the end within 25 % of the start (caches are
 * bounded; what grows without bound is a leak).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, seed, type LoadResult } from '../../scripts/load.js';
import { startServeProcess, unitCommand } from '../../test/helpers/nginx.js';
import { startPostgres } from '../../test/helpers/postgres-server.js';
import { startRedis } from '../../test/helpers/redis-server.js';
import { check } from '../lib/measure.js';
import { fmt, target, writeReport } from '../lib/report.js';

const quick = process.env.BENCH_QUICK === '1';
const SECONDS = Number(process.env.SOAK_SECONDS ?? (quick ? 60 : 600));
const SLICE_S = Math.min(30, SECONDS);
// A steady, moderate load (a busy day, not a stress test): 8 connections.
const CONNECTIONS = 8;

function rssMb(pid: number | undefined): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

const postgres = await startPostgres();
const redis = await startRedis();
const dataDir = mkdtempSync(join(tmpdir(), 'satchel-soak-'));
const instance = await startServeProcess({
  env: { DATABASE_URL: postgres.url, REDIS_URL: redis.url, DATA_DIR: dataDir, CHAIN_BACKEND: 'none', LOG_LEVEL: 'warn' },
});
try {
  const users = await seed(instance.url, { users: 4, notesPerUser: 200 });
  const rows: Array<Record<string, string | number>> = [];
  const slices: Array<LoadResult & { rss: number; atS: number }> = [];
  const started = Date.now();
  const rssBeforeLoad = rssMb(instance.pid());
  while ((Date.now() - started) / 1000 < SECONDS - 1) {
    const remaining = Math.max(1, Math.round(SECONDS - (Date.now() - started) / 1000));
    const result = await runLoad(instance.url, users, { durationS: Math.min(SLICE_S, remaining), connections: CONNECTIONS });
    const slice = { ...result, rss: rssMb(instance.pid()), atS: Math.round((Date.now() - started) / 1000) };
    slices.push(slice);
    console.log(`  ${slice.atS} s: ${fmt(result.throughputRps)} req/s, p99 ${result.p99Ms} ms, RSS ${slice.rss.toFixed(1)} MB, failed ${result.non2xx + result.errors + result.timeouts}`);
  }
  const first = slices[0]!;
  const last = slices[slices.length - 1]!;
  const failed = slices.reduce((sum, s) => sum + s.non2xx + s.errors + s.timeouts, 0);
  check(slices.length >= 2 || SECONDS < 2 * SLICE_S, 'the soak needs at least two slices');
  for (const slice of slices) {
    rows.push({ 'at s': slice.atS, 'req/s': fmt(slice.throughputRps), 'p50 ms': slice.p50Ms, 'p99 ms': slice.p99Ms, 'RSS MB': slice.rss.toFixed(1), failed: slice.non2xx + slice.errors + slice.timeouts });
  }
  const growth = last.rss / first.rss;
  writeReport({
    name: 'soak',
    description: `The load mix (scripts/load.ts, ${CONNECTIONS} connections) for ${SECONDS} s against one satchel serve process on PostgreSQL + Redis; RSS after the first ${SLICE_S} s slice (warm) and at the end.`,
    rows,
    targets: [
      target('RSS at the end vs after the warm-up slice', growth, { atMost: 1.25 }),
      target('failed requests during the soak', failed, { atMost: 0 }, ''),
    ],
    notes: [
      `RSS before any load ${rssBeforeLoad.toFixed(1)} MB, after the first slice ${first.rss.toFixed(1)} MB, at the end ${last.rss.toFixed(1)} MB (${SECONDS} s, ${slices.reduce((s, x) => s + x.requests, 0)} requests).`,
      `Throughput first/last slice ${fmt(first.throughputRps)} / ${fmt(last.throughputRps)} req/s, p99 ${first.p99Ms} / ${last.p99Ms} ms.`,
      `SOAK_SECONDS sets the length (default 600). The instance runs ${unitCommand().fromDist ? 'dist/ (bin/satchel.js)' : 'the sources through tsx (dist/ older than src/)'}.`,
    ],
  });
} finally {
  await instance.stop('SIGTERM');
  await redis.stop();
  await postgres.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
