/**
 * What the jobs tests share: Satchel instances (in this process) on one test database, optionally one
 * Redis, with short job timings; a CSV of many notes with repeated refs; polling a job to its end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { JobView } from '../../../src/domain/jobs/job-service.js';
import { startSatchel, type Satchel, type StartOptions } from '../../../src/main.js';
import type { TestDatabase } from '../../helpers/dialects.js';
import { fastHasher } from '../accounts/harness.js';

/**
 * Test job timings: a dead holder is noticed within ~3 s (tests share one busy event loop, so a shorter
 * staleness would take live holders for dead), a released job within one sweep (200 ms).
 */
export const FAST_JOBS = { heartbeatMs: 100, staleMs: 3_000, sweepMs: 200, progressMs: 0 } as const;

export const txid = (i: number): string => i.toString(16).padStart(64, '0');

/**
 * `rows` data rows over `distinct` refs (row i names ref i mod distinct, so later rows update earlier
 * ones: "a later row for the same ref updates the earlier one").
 */
export function notesCsv(rows: number, distinct = rows, label = 'note'): string {
  const lines = ['txid,note'];
  for (let i = 0; i < rows; i++) lines.push(`${txid(i % distinct)},${label} ${i}`);
  return lines.join('\n') + '\n';
}

export interface JobsInstanceOptions {
  database: TestDatabase;
  instanceId: string;
  redisUrl?: string;
  queuePrefix?: string;
  runJobs?: boolean;
  jobTimings?: StartOptions['jobTimings'];
}

export async function startJobsInstance(options: JobsInstanceOptions): Promise<Satchel> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satchel-jobs-'));
  const config = {
    ...loadConfig({
      DATA_DIR: dataDir,
      CHAIN_BACKEND: 'none',
      LOG_LEVEL: 'silent',
      INSTANCE_ID: options.instanceId,
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    }),
    storage: options.database.config,
  };
  const satchel = await startSatchel(config, {
    webRoot: null,
    passwordHasher: fastHasher(),
    jobTimings: { ...FAST_JOBS, ...options.jobTimings },
    ...(options.queuePrefix ? { jobQueuePrefix: options.queuePrefix } : {}),
    ...(options.runJobs === false ? { runJobs: false } : {}),
  });
  satchel.app.addHook('onClose', async () => rmSync(dataDir, { recursive: true, force: true }));
  return satchel;
}

export async function uploadAsync(app: FastifyInstance, token: string, csv: string, query = 'format=csv'): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: `/api/notes/import?async=1&${query}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    payload: csv,
  });
  expect(response.statusCode, response.body).toBe(202);
  return (response.json() as { jobId: string }).jobId;
}

export async function getJob(app: FastifyInstance, token: string, id: string): Promise<JobView> {
  const response = await app.inject({ method: 'GET', url: `/api/jobs/${id}`, headers: { authorization: `Bearer ${token}` } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as JobView;
}

/** Polls until `done(job)` (default: the job ended), failing after `timeoutMs`. */
export async function waitForJob(
  app: FastifyInstance,
  token: string,
  id: string,
  done: (job: JobView) => boolean = (job) => job.state === 'completed' || job.state === 'failed',
  timeoutMs = 20_000,
): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(app, token, id);
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state} (processed ${job.processed}) after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Rows of the user's notes, and how many distinct refs they hold (one row per ref, never two). */
export async function noteCounts(satchel: Satchel, userId: string): Promise<{ rows: number; refs: number }> {
  const rows = await satchel.database.db.selectFrom('notes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
  const refs = await satchel.database.db
    .selectFrom('notes')
    .select((eb) => eb.fn.count<number>('ref').distinct().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return { rows: Number(rows.n), refs: Number(refs.n) };
}
