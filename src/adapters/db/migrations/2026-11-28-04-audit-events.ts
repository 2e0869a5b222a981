import type { Kysely } from 'kysely';
import type { MigrationDialect } from './migration.js';

// No foreign keys: the audit trail outlives the users it mentions.
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
      // SQLite AUTOINCREMENT never reuses a deleted id, like an identity column.
      dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').columns(['at', 'id']).execute();
  await db.schema.createIndex('audit_events_user_at').on('audit_events').columns(['user_id', 'at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_events').execute();
}
