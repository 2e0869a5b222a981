import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration.js';

// Durable jobs (issues 5 and 9): an async import's upload is spooled into the database in ~1 MB chunks
// before the 202, so any instance can run the job and a restart can resume it. `input` holds what the
// job needs besides the file (JSON: format, mode, chosen columns); a row without it (older jobs) cannot
// be resumed. `attempts` counts runs that started; a job whose runs keep dying fails after a few.
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('input', 'text').execute();
  await db.schema
    .alterTable('jobs')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // No foreign key to jobs: chunks are written while the upload streams in, before the job row exists.
  await db.schema
    .createTable('job_uploads')
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_uploads_pk', ['job_id', 'seq'])
    .execute();
  await db.schema.createIndex('job_uploads_created').on('job_uploads').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_uploads').execute();
  await db.schema.alterTable('jobs').dropColumn('attempts').execute();
  await db.schema.alterTable('jobs').dropColumn('input').execute();
}
