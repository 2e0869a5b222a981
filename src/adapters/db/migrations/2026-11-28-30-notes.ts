import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration.js';

// BIP-329 labels, one per (owner, type, ref). Refs are stored normalized by the app, so the plain
// UNIQUE is the upsert key; (user_id, created_at, id) serves keyset paging and exports.
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('notes')
    .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
      // SQLite: the rowid alias, which the FTS5 index of the next migration keys on.
      dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey(),
    )
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('origin', 'text')
    .addColumn('spendable', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('notes_owner_type_ref', ['user_id', 'type', 'ref'])
    .addCheckConstraint('notes_type', sql`type in ('tx', 'addr', 'pubkey', 'input', 'output', 'xpub')`)
    .addCheckConstraint('notes_label_length', sql`length(label) <= 255`)
    .addCheckConstraint('notes_spendable', sql`spendable is null or (spendable in (0, 1) and type = 'output')`)
    .execute();
  await db.schema.createIndex('notes_user_created').on('notes').columns(['user_id', 'created_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notes').execute();
}
