import { sql, type Kysely } from 'kysely';

// Background jobs (SPEC: `GET /api/jobs/:id`), owner-scoped, kept in the database so any instance can
// answer for a job another instance runs. `instance` + `heartbeat_at` let a starting instance fail the
// jobs of an instance that died (state 'running', heartbeat gone stale). `report` is JSON text.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('processed', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('total', 'bigint')
    .addColumn('report', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint')
    .addColumn('instance', 'text', (c) => c.notNull())
    .addCheckConstraint('jobs_state', sql`state in ('queued', 'running', 'completed', 'failed')`)
    .execute();
  await db.schema.createIndex('jobs_state_heartbeat').on('jobs').columns(['state', 'heartbeat_at']).execute();
  await db.schema.createIndex('jobs_user_created').on('jobs').columns(['user_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('jobs').execute();
}
