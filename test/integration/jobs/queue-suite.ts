/**
 * The async-import job suite (issues 5 and 9), run by queue-in-process.test.ts (no Redis; SQLite and
 * PostgreSQL) and queue-bullmq.test.ts (real redis-server; PostgreSQL, the scaled mode): the upload is
 * spooled into the database in chunks and removed when the job ends; the SSE stream follows the job; a
 * job accepted by A is run and reported by B; a shut-down instance releases its running job (not
 * failed) and another resumes it with one row per ref; a job whose runs keep dying is failed clearly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tooManyAttemptsError } from '../../../src/domain/jobs/job-service.js';
import type { Satchel } from '../../../src/main.js';
import { openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { signedIn } from '../accounts/harness.js';
import { getJob, noteCounts, notesCsv, startJobsInstance, uploadAsync, waitForJob, type JobsInstanceOptions } from './harness.js';

export type QueueVariant = { name: string; dialect: 'sqlite' | 'postgres'; redis: boolean };

export function describeJobQueue(variants: QueueVariant[]): void {
  describe.each(variants)('async import jobs ($name)', ({ dialect, redis: withRedis }) => {
    let database: TestDatabase;
    let redis: RedisServerHandle | undefined;
    let a: Satchel;
    let b: Satchel;
    let user: { id: string };
    let token: string;
    const extra: Satchel[] = [];
    const prefix = `jobs-test-${process.pid}-${dialect}`;

    const instance = async (id: string, options: Partial<JobsInstanceOptions> = {}) => {
      const satchel = await startJobsInstance({ database, instanceId: id, ...(redis ? { redisUrl: redis.url, queuePrefix: prefix } : {}), ...options });
      extra.push(satchel);
      return satchel;
    };
    const closed = new Set<Satchel>();
    const db = () => extra.find((s) => !closed.has(s))!.database.db;
    const uploads = async (jobId: string) =>
      Number((await db().selectFrom('job_uploads').select((eb) => eb.fn.countAll<number>().as('n')).where('job_id', '=', jobId).executeTakeFirstOrThrow()).n);
    const jobRow = (jobId: string) => db().selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      if (withRedis) redis = await startRedis();
      a = await instance('A', { jobTimings: { chunkBytes: 4096 } });
      b = await instance('B');
      ({ user, token } = await signedIn(a.app, 'alice'));
    });
    afterAll(async () => {
      for (const satchel of extra) await satchel.close().catch(() => undefined);
      await redis?.stop();
      await database?.close();
    });

    it('spools the upload in chunks, imports it, reports progress on the SSE stream, then removes the upload', async () => {
      const csv = notesCsv(3_000, 2_500) + 'bad,row\n';
      const jobId = await uploadAsync(a.app, token, csv);
      const events = await a.app.inject({ method: 'GET', url: `/api/jobs/${jobId}/events`, headers: { authorization: `Bearer ${token}` } });
      expect(events.headers['content-type']).toMatch(/^text\/event-stream/);
      const views = events.body
        .split('\n\n')
        .filter((block) => block.startsWith('event: job'))
        .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { state: string; processed: number });
      expect(views.at(-1)).toMatchObject({ state: 'completed', processed: Buffer.byteLength(csv) });
      const job = await getJob(b.app, token, jobId);
      expect(job).toMatchObject({ state: 'completed', total: Buffer.byteLength(csv), attempts: 1 });
      expect(job.report).toMatchObject({ imported: 2_500, updated: 500, failed: 1, errors: [{ line: 3_002 }] });
      expect(await uploads(jobId)).toBe(0);
      expect(await noteCounts(a, user.id)).toEqual({ rows: 2_500, refs: 2_500 });
    });

    it('runs a job accepted by an instance that runs none on another one; any instance reports it', async () => {
      const front = await instance('front', { runJobs: false, jobTimings: { chunkBytes: 4096 } });
      const csv = notesCsv(1_000, 1_000, 'via front');
      const jobId = await uploadAsync(front.app, token, csv);
      if (!withRedis) {
        // Without Redis nobody else hears of it until its heartbeat is stale (~1 s): the upload is in the database.
        const chunks = await db().selectFrom('job_uploads').select(['seq', 'data']).where('job_id', '=', jobId).orderBy('seq').execute();
        expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
        expect(chunks.length).toBeGreaterThan(1);
        expect(chunks.slice(0, -1).every((c) => c.data.length >= 4096)).toBe(true);
        expect(Buffer.concat(chunks.map((c) => Buffer.from(c.data))).toString()).toBe(csv);
      }
      const done = await waitForJob(front.app, token, jobId);
      expect(done).toMatchObject({ state: 'completed', attempts: 1, report: { updated: 1_000 } });
      expect((await jobRow(jobId)).instance).toMatch(/^(A|B):/);
      expect(await getJob(b.app, token, jobId)).toEqual(done);
      await front.close();
      closed.add(front);
    });

    it('on shutdown a running job finishes its batch and is released, not failed; another instance resumes it', async () => {
      const runner = await instance('runner', { jobTimings: { batchSize: 200 } });
      const live = [a, b, runner];
      const csv = notesCsv(12_000, 6_000, 'resumed');
      const before = await noteCounts(runner, user.id); // earlier tests stored some of these refs
      const jobId = await uploadAsync(runner.app, token, csv, 'format=csv&mode=partial');
      const started = await waitForJob(runner.app, token, jobId, (job) => job.processed > 0 || job.state === 'completed');
      expect(started.state, 'the import ended before it could be interrupted').toBe('running');
      // With BullMQ any worker may have taken it: shut down the one that holds it.
      const holder = (await jobRow(jobId)).instance;
      const owner = live.find((s) => holder.startsWith(`${s.config.instanceId}:`))!;
      expect(owner, `job held by ${holder}`).toBeDefined();
      const other = live.find((s) => s !== owner)!;
      const closing = owner.close();
      closed.add(owner);
      const seen = new Set<string>();
      const end = await waitForJob(other.app, token, jobId, (job) => (seen.add(job.state), job.state === 'completed' || job.state === 'failed'), 25_000);
      await closing;
      expect([...seen]).not.toContain('failed');
      expect(end).toMatchObject({ state: 'completed', attempts: 1, report: { failed: 0 } });
      expect((await jobRow(jobId)).instance.startsWith(`${owner.config.instanceId}:`)).toBe(false);
      // The second run resumed after the first one's last commit: the report is one run's — every row
      // created its ref or changed its label (each label is new), none came back `unchanged` as rows
      // written again would — and nothing was stored twice.
      const created = (await noteCounts(other, user.id)).refs - before.refs;
      expect(end.report).toMatchObject({ imported: created, updated: 12_000 - created, unchanged: 0, failed: 0 });
      const labels = await other.database.db.selectFrom('notes').select('ref').where('user_id', '=', user.id).where('label', 'like', 'resumed %').execute();
      expect(labels).toHaveLength(6_000);
      const counts = await noteCounts(other, user.id);
      expect(counts.rows).toBe(counts.refs);
      // Both runs wrote under one act of the note history, the report's importId: one history row per
      // note created or changed, so undoing the import (which reads that act) takes both runs.
      const importId = Number((end.report as { importId: string }).importId);
      const history = await other.database.db
        .selectFrom('note_history')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('change_id', '=', importId)
        .executeTakeFirstOrThrow();
      expect(Number(history.n)).toBe(12_000);
      if (owner === a) a = other;
      if (owner === b) b = other;
    }, 30_000);

    it('fails a job whose runs keep dying after the allowed attempts, and removes its upload', async () => {
      const now = Date.now();
      const row = { user_id: user.id, kind: 'notes-import', processed: 0, total: 10, created_at: now - 60_000, updated_at: now - 60_000 };
      await db()
        .insertInto('jobs')
        .values({ ...row, id: 'doomed-job', state: 'running', heartbeat_at: now - 60_000, instance: 'dead:1', input: '{"format":"csv","mode":"partial"}', attempts: 3 })
        .execute();
      await db().insertInto('job_uploads').values({ job_id: 'doomed-job', seq: 0, data: Buffer.from('txid,note\n'), created_at: now - 60_000 }).execute();
      const job = await waitForJob(a.app, token, 'doomed-job');
      expect(job).toMatchObject({ state: 'failed', error: tooManyAttemptsError(3) });
      // The sweeper fails the job first, then removes its upload (never the other way round: another
      // instance may have claimed it in between); the removal follows within moments.
      await expect.poll(() => uploads('doomed-job'), { timeout: 5_000, interval: 50 }).toBe(0);
    });
  });
}
