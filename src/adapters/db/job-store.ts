/**
 * JobStore over the `jobs` table and UploadSpool over `job_uploads` (SQLite and PostgreSQL alike;
 * report and input are JSON text, upload chunks are blob/bytea). Claims and take-overs are single
 * conditional UPDATEs, so two instances racing for one job cannot both win.
 */
import { sql } from 'kysely';
import type { JobEnd, JobRecord, JobStore, NewJob, StaleJob, UploadSpool } from '../../domain/jobs/ports.js';
import type { Db } from './schema.js';

type Row = {
  id: string;
  user_id: string;
  kind: string;
  state: JobRecord['state'];
  processed: number;
  total: number | null;
  report: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  heartbeat_at: number | null;
  instance: string;
  input: string | null;
  attempts: number;
  checkpoint: string | null;
};

const ACTIVE = ['queued', 'running'] as const;

function parse(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

function toRecord(row: Row): JobRecord {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    state: row.state,
    processed: Number(row.processed),
    total: row.total === null ? null : Number(row.total),
    report: parse(row.report),
    error: row.error,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    heartbeatAt: row.heartbeat_at === null ? null : Number(row.heartbeat_at),
    instance: row.instance,
    input: parse(row.input),
    attempts: Number(row.attempts),
    checkpoint: parse(row.checkpoint),
  };
}

export class SqlJobStore implements JobStore {
  constructor(private readonly db: Db) {}

  async create(job: NewJob): Promise<void> {
    await this.db
      .insertInto('jobs')
      .values({
        id: job.id,
        user_id: job.userId,
        kind: job.kind,
        state: 'queued',
        processed: 0,
        total: job.total,
        report: null,
        error: null,
        created_at: job.now,
        updated_at: job.now,
        heartbeat_at: job.now,
        instance: job.instance,
        input: job.input === null || job.input === undefined ? null : JSON.stringify(job.input),
        attempts: 0,
      })
      .execute();
  }

  async get(userId: string, id: string): Promise<JobRecord | null> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return row ? toRecord(row as Row) : null;
  }

  async claim(id: string, worker: string, now: number): Promise<JobRecord | null> {
    const result = await this.db
      .updateTable('jobs')
      .set((eb) => ({ state: 'running', instance: worker, heartbeat_at: now, updated_at: now, processed: 0, attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .where('state', '=', 'queued')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return null;
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row as Row) : null;
  }

  async checkpoint(id: string, worker: string, checkpoint: unknown, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ checkpoint: JSON.stringify(checkpoint), heartbeat_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where('instance', '=', worker)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async progress(id: string, worker: string, processed: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ processed, heartbeat_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where('instance', '=', worker)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async finish(id: string, worker: string, end: JobEnd, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({
        state: end.state,
        updated_at: now,
        heartbeat_at: now,
        checkpoint: null,
        ...(end.state === 'completed' ? { processed: end.processed, report: JSON.stringify(end.report) } : { error: end.error }),
        ...(end.state === 'failed' && end.report !== undefined ? { report: JSON.stringify(end.report) } : {}),
      })
      .where('id', '=', id)
      .where('state', 'in', ACTIVE)
      .where('instance', '=', worker)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async release(id: string, worker: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set((eb) => ({ state: 'queued', heartbeat_at: null, updated_at: now, attempts: eb('attempts', '-', 1) }))
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where('instance', '=', worker)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async touch(ids: readonly string[], worker: string, heartbeatAt: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('jobs')
      .set({ heartbeat_at: heartbeatAt })
      .where('id', 'in', [...ids])
      .where('state', 'in', ACTIVE)
      .where('instance', '=', worker)
      .execute();
  }

  private stale(staleBefore: number) {
    return sql<boolean>`(heartbeat_at is null or heartbeat_at < ${staleBefore})`;
  }

  async findStale(staleBefore: number, limit: number): Promise<StaleJob[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['id', 'attempts', 'input'])
      .where('state', 'in', ACTIVE)
      .where(this.stale(staleBefore))
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, attempts: Number(row.attempts), resumable: row.input !== null }));
  }

  async takeOver(id: string, worker: string, staleBefore: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ state: 'queued', instance: worker, heartbeat_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', 'in', ACTIVE)
      .where(this.stale(staleBefore))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async failStale(id: string, staleBefore: number, error: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ state: 'failed', error, updated_at: now })
      .where('id', '=', id)
      .where('state', 'in', ACTIVE)
      .where(this.stale(staleBefore))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

export class SqlUploadSpool implements UploadSpool {
  constructor(private readonly db: Db) {}

  async append(jobId: string, seq: number, data: Buffer, now: number): Promise<void> {
    await this.db.insertInto('job_uploads').values({ job_id: jobId, seq, data, created_at: now }).execute();
  }

  async *chunks(jobId: string): AsyncGenerator<Buffer> {
    // One chunk per query, by key: memory holds one chunk whatever the file size.
    for (let seq = 0; ; seq++) {
      const row = await this.db.selectFrom('job_uploads').select('data').where('job_id', '=', jobId).where('seq', '=', seq).executeTakeFirst();
      if (!row) return;
      yield Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data);
    }
  }

  async remove(jobId: string): Promise<void> {
    await this.db.deleteFrom('job_uploads').where('job_id', '=', jobId).execute();
  }

  async removeOrphans(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('job_uploads')
      .where('created_at', '<', before)
      .where('job_id', 'not in', (eb) => eb.selectFrom('jobs').select('id').where('state', 'in', ACTIVE))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
