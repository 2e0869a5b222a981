import { sql, type Kysely } from 'kysely';
import type { MigrationDialect } from './migration.js';

// Case-insensitive substring search on note labels (SPEC: GET /api/notes?q=).
// SQLite: an external-content FTS5 table with the trigram tokenizer (SQLite ≥ 3.34), kept in sync by
//   triggers; `detail=full` because trigram substring queries are phrase queries; `columnsize=0`
//   because nothing ranks by length. Segments are merged 16 at a time instead of 4: imports commit a
//   segment per batch, and the default merges cost a third of the insert time (measured); a query
//   reads a few more segments in return.
// PostgreSQL: a pg_trgm GIN index, which ILIKE '%q%' uses. pg_trgm is a trusted extension (PG ≥ 13),
//   so the database owner may create it. A server built without contrib gets no index: search still
//   works by scanning the owner's notes, and the app must not refuse to start over an index.
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`create virtual table notes_fts using fts5(
      label, content = 'notes', content_rowid = 'id', tokenize = 'trigram', detail = full, columnsize = 0
    )`.execute(db);
    await sql`insert into notes_fts (notes_fts, rank) values ('automerge', 16)`.execute(db);
    await sql`insert into notes_fts (notes_fts, rank) values ('crisismerge', 64)`.execute(db);
    await sql`create trigger notes_fts_insert after insert on notes begin
      insert into notes_fts (rowid, label) values (new.id, new.label);
    end`.execute(db);
    await sql`create trigger notes_fts_delete after delete on notes begin
      insert into notes_fts (notes_fts, rowid, label) values ('delete', old.id, old.label);
    end`.execute(db);
    await sql`create trigger notes_fts_update after update of label on notes begin
      insert into notes_fts (notes_fts, rowid, label) values ('delete', old.id, old.label);
      insert into notes_fts (rowid, label) values (new.id, new.label);
    end`.execute(db);
    return;
  }
  const available = await sql`select 1 from pg_available_extensions where name = 'pg_trgm'`.execute(db);
  if (available.rows.length === 0) return;
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create index notes_label_trgm on notes using gin (label gin_trgm_ops)`.execute(db);
}

export async function down(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  if (dialect === 'sqlite') {
    for (const trigger of ['notes_fts_insert', 'notes_fts_delete', 'notes_fts_update']) {
      await sql`drop trigger if exists ${sql.ref(trigger)}`.execute(db);
    }
    await sql`drop table if exists notes_fts`.execute(db);
    return;
  }
  await sql`drop index if exists notes_label_trgm`.execute(db);
}
