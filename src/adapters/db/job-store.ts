/** JobStore over the `jobs` table (SQLite and PostgreSQL alike; report is JSON text). */
import type { JobPatch, JobRecord, JobStore } from '../../domain/jobs/job-service.js';
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
};

function toRecord(row: Row): JobRecord {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    state: row.state,
    processed: Number(row.processed),
    total: row.total === null ? null : Number(row.total),
    report: row.report === null ? null : (JSON.parse(row.report) as unknown),
    error: row.error,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    heartbeatAt: row.heartbeat_at === null ? null : Number(row.heartbeat_at),
    instance: row.instance,
  };
}

export class SqlJobStore implements JobStore {
  constructor(private readonly db: Db) {}

  async create(job: JobRecord): Promise<void> {
    await this.db
      .insertInto('jobs')
      .values({
        id: job.id,
        user_id: job.userId,
        kind: job.kind,
        state: job.state,
        processed: job.processed,
        total: job.total,
        report: job.report === null || job.report === undefined ? null : JSON.stringify(job.report),
        error: job.error,
        created_at: job.createdAt,
        updated_at: job.updatedAt,
        heartbeat_at: job.heartbeatAt,
        instance: job.instance,
      })
      .execute();
  }

  async get(userId: string, id: string): Promise<JobRecord | null> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return row ? toRecord(row as Row) : null;
  }

  async update(id: string, patch: JobPatch, now: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({
        updated_at: now,
        ...(patch.state === undefined ? {} : { state: patch.state }),
        ...(patch.processed === undefined ? {} : { processed: patch.processed }),
        ...(patch.total === undefined ? {} : { total: patch.total }),
        ...(patch.report === undefined ? {} : { report: JSON.stringify(patch.report) }),
        ...(patch.error === undefined ? {} : { error: patch.error }),
        ...(patch.heartbeatAt === undefined ? {} : { heartbeat_at: patch.heartbeatAt }),
      })
      .where('id', '=', id)
      // A finished job stays finished (a late heartbeat must not touch it).
      .where('state', 'in', ['queued', 'running'])
      .execute();
  }

  async failAbandoned(options: { instance: string; staleBefore: number; error: string; now: number }): Promise<number> {
    const result = await this.db
      .updateTable('jobs')
      .set({ state: 'failed', error: options.error, updated_at: options.now })
      .where('state', 'in', ['queued', 'running'])
      // Not "every job of my INSTANCE_ID": containers often share one (pid 1), so only the heartbeat counts.
      .where((eb) => eb.or([eb('heartbeat_at', 'is', null), eb('heartbeat_at', '<', options.staleBefore)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
