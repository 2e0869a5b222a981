import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration.js';

// Note history (issue 10): every change of a note's text is kept.
// `note_changes` is one act of a user — a PUT, a DELETE, a restore, a whole import, an import undo —
// with who (actor = username at the time, token when a named API token did it), how (source ui = cookie
// session, api = bearer, import) and when. `note_history` holds one row per note that act changed:
// old and new text (null old = the act created the note, null new = it deleted it). The history row is
// kept narrow (two integers and the texts) because an import writes one per changed note.
// note_id has no foreign key: a deleted note's history stays (an import undo reads it).
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  const idType = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('note_changes')
    .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey()))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('token_id', 'text')
    .addColumn('job_id', 'text')
    // An undo names the import it reverses; the import names the undo that reversed it.
    .addColumn('undoes', 'bigint')
    .addColumn('undone_by', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('note_changes_kind', sql`kind in ('edit', 'delete', 'import', 'restore', 'undo')`)
    .addCheckConstraint('note_changes_source', sql`source in ('ui', 'api', 'import')`)
    .execute();
  await db.schema.createIndex('note_changes_user').on('note_changes').columns(['user_id', 'id']).execute();
  // A job run again after its instance died records into the import its first run began.
  await db.schema.createIndex('note_changes_job').on('note_changes').column('job_id').execute();

  await db.schema
    .createTable('note_history')
    .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey()))
    .addColumn('change_id', 'bigint', (c) => c.notNull().references('note_changes.id').onDelete('cascade'))
    .addColumn('note_id', 'bigint', (c) => c.notNull())
    .addColumn('old_label', 'text')
    .addColumn('new_label', 'text')
    .execute();
  // A note's history, newest first (keyset on id); an import's rows (undo, and the cascade above).
  await db.schema.createIndex('note_history_note').on('note_history').columns(['note_id', 'id']).execute();
  await db.schema.createIndex('note_history_change').on('note_history').columns(['change_id', 'note_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('note_history').execute();
  await db.schema.dropTable('note_changes').execute();
}
