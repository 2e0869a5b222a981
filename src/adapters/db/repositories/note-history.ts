/**
 * Note history storage (migration 2026-11-28-70): the acts (`note_changes`) and one row per note an act
 * changed (`note_history`). Imports write their history set-wise, in the statements that write the
 * notes, and only for rows whose text changed or that were created:
 *
 * - PostgreSQL: the upsert becomes a data-modifying CTE. A scalar subquery in RETURNING runs on the
 *   statement's snapshot, which does not see the statement's own writes, so it reads a changed row's
 *   old label (null for a row the statement inserted); the CTE inserts the history rows from that. One
 *   round trip per chunk, as before.
 * - SQLite (one writer, in-process): before a chunk that sets labels, one INSERT … SELECT joins the
 *   chunk's VALUES to the stored notes whose label differs (the rows the upsert is about to change);
 *   after the chunks, one INSERT … SELECT over the rowid range above the max id read before the writes
 *   records the created notes.
 */
import { CompiledQuery, sql } from 'kysely';
import type {
  ImportUndoResult,
  NewNoteChange,
  NoteChangeKind,
  NoteChangeRef,
  NoteChangeSource,
  NoteHistoryEntry,
  NoteHistoryPage,
  NoteImportRecord,
  SkippedNote,
} from '../../../domain/notes/history.js';
import { MAX_SKIPPED_LISTED } from '../../../domain/notes/history.js';
import { decodeCursor, toPage } from '../cursor.js';
import type { DialectName } from '../dialect.js';
import type { Db } from '../schema.js';
import type { UpsertRow } from './notes-dialect.js';

const PG_RETURNING = 'returning type, ref, (xmax = 0) as inserted';

/**
 * PostgreSQL: the notes upsert statement (notes-dialect.ts upsertStatement, parameters $1–$7) wrapped so
 * it also writes the history of the rows it creates or whose label it changes, under change `$8`.
 * Answers the same rows as the plain statement.
 */
export function withHistoryPostgres(statement: { sql: string; parameters: unknown[] }, changeId: number): { sql: string; parameters: unknown[] } {
  const at = statement.sql.lastIndexOf(PG_RETURNING);
  if (at < 0) throw new Error('notes upsert statement changed shape: history cannot wrap it');
  const upsert = `${statement.sql.slice(0, at)}returning id, type, ref, label, (xmax = 0) as inserted,
    case when xmax = 0 then null else (select o.label from notes o where o.id = notes.id) end as old_label`;
  return {
    sql: `with up as (${upsert}),
  history as (
    insert into note_history (change_id, note_id, old_label, new_label)
    select $${statement.parameters.length + 1}, id, case when inserted then null else old_label end, label
    from up where inserted or old_label is distinct from label
  )
  select type, ref, inserted from up`,
    parameters: [...statement.parameters, changeId],
  };
}

const sqliteChangedLabels = new Map<number, string>();

/** SQLite: history rows for the stored notes among `rows` whose label the coming upsert changes. */
export function sqliteChangedLabelsStatement(userId: string, rows: readonly UpsertRow[], changeId: number): { sql: string; parameters: unknown[] } {
  let text = sqliteChangedLabels.get(rows.length);
  if (text === undefined) {
    const values = new Array<string>(rows.length).fill('(?, ?, ?)').join(', ');
    text = `insert into note_history (change_id, note_id, old_label, new_label)
  select ?, n.id, n.label, v.column3 from (values ${values}) as v
  join notes n on n.user_id = ? and n.type = v.column1 and n.ref = v.column2
  where n.label is not v.column3`;
    sqliteChangedLabels.set(rows.length, text);
  }
  const parameters = new Array<unknown>(rows.length * 3 + 2);
  let p = 0;
  parameters[p++] = changeId;
  for (const r of rows) {
    parameters[p++] = r.type;
    parameters[p++] = r.ref;
    parameters[p++] = r.label;
  }
  parameters[p] = userId;
  return { sql: text, parameters };
}

/** SQLite: history rows for the notes this transaction created (rowids above `maxIdBefore`). */
export async function recordCreatedSqlite(db: Db, userId: string, maxIdBefore: number, changeId: number): Promise<void> {
  await db.executeQuery(
    CompiledQuery.raw(
      `insert into note_history (change_id, note_id, old_label, new_label)
  select ?, id, null, label from notes where id > ? and user_id = ?`,
      [changeId, maxIdBefore, userId],
    ),
  );
}

// ---------------------------------------------------------------------------------------------------
// Acts

export async function insertChange(db: Db, userId: string, change: NewNoteChange, now: number): Promise<NoteChangeRef> {
  const row = await db
    .insertInto('note_changes')
    .values({
      user_id: userId,
      kind: change.kind,
      source: change.source,
      actor: change.actor,
      token_id: change.tokenId ?? null,
      job_id: change.jobId ?? null,
      undoes: change.undoes ?? null,
      undone_by: null,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: Number(row.id) };
}

/** Removes an act that wrote no history row. */
export async function discardChange(db: Db, userId: string, changeId: number): Promise<void> {
  await db
    .deleteFrom('note_changes')
    .where('id', '=', changeId)
    .where('user_id', '=', userId)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('note_history').select('id').where('change_id', '=', changeId))))
    .execute();
}

/** Deletes one note and records its last text under `changeId`; false when there was none. */
export async function deleteNoteRecorded(db: Db, userId: string, type: string, ref: string, changeId: number): Promise<boolean> {
  const run = async (trx: Db): Promise<boolean> => {
    const gone = await trx
      .deleteFrom('notes')
      .where('user_id', '=', userId)
      .where('type', '=', type as never)
      .where('ref', '=', ref)
      .returning(['id', 'label'])
      .executeTakeFirst();
    if (!gone) return false;
    await trx.insertInto('note_history').values({ change_id: changeId, note_id: Number(gone.id), old_label: gone.label, new_label: null }).execute();
    return true;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

// ---------------------------------------------------------------------------------------------------
// Reads

interface EntryRow {
  id: number;
  old_label: string | null;
  new_label: string | null;
  change_id: number;
  kind: NoteChangeKind;
  source: NoteChangeSource;
  actor: string | null;
  job_id: string | null;
  undoes: number | null;
  created_at: number;
}

function toEntry(row: EntryRow): NoteHistoryEntry {
  const importId = row.kind === 'import' ? Number(row.change_id) : row.kind === 'undo' && row.undoes !== null ? Number(row.undoes) : undefined;
  return {
    id: Number(row.id),
    kind: row.kind,
    source: row.source,
    actor: row.actor,
    oldNote: row.old_label,
    newNote: row.new_label,
    ...(importId === undefined ? {} : { importId }),
    ...(row.job_id === null ? {} : { jobId: row.job_id }),
    at: Number(row.created_at),
  };
}

function entries(db: Db, userId: string, noteId: number) {
  return db
    .selectFrom('note_history as h')
    .innerJoin('note_changes as c', 'c.id', 'h.change_id')
    .select(['h.id', 'h.old_label', 'h.new_label', 'h.change_id', 'c.kind', 'c.source', 'c.actor', 'c.job_id', 'c.undoes', 'c.created_at'])
    .where('h.note_id', '=', noteId)
    .where('c.user_id', '=', userId)
    // SQLite may give a new note the rowid of a deleted one: a note's history starts after the last
    // deletion recorded under its id.
    .where('h.id', '>', (eb) =>
      eb.fn.coalesce(
        eb.selectFrom('note_history as d').select((d) => d.fn.max('d.id').as('m')).where('d.note_id', '=', noteId).where('d.new_label', 'is', null),
        eb.lit(0),
      ),
    );
}

/** Newest first, keyset-paged on the history row id. */
export async function listNoteHistory(db: Db, userId: string, noteId: number, query: { cursor?: string; limit: number }): Promise<NoteHistoryPage> {
  let q = entries(db, userId, noteId);
  if (query.cursor !== undefined) q = q.where('h.id', '<', decodeCursor(query.cursor, 'number').id);
  const rows = (await q.orderBy('h.id', 'desc').limit(query.limit + 1).execute()) as EntryRow[];
  return toPage(rows.map(toEntry), query.limit, (e) => ({ createdAt: e.at, id: e.id }));
}

export async function getNoteHistoryEntry(db: Db, userId: string, noteId: number, entryId: number): Promise<NoteHistoryEntry | null> {
  const row = (await entries(db, userId, noteId).where('h.id', '=', entryId).executeTakeFirst()) as EntryRow | undefined;
  return row ? toEntry(row) : null;
}

export async function findJobImport(db: Db, userId: string, jobId: string): Promise<NoteChangeRef | null> {
  const row = await db
    .selectFrom('note_changes')
    .select('id')
    .where('job_id', '=', jobId)
    .where('user_id', '=', userId)
    .where('kind', '=', 'import')
    .orderBy('id')
    .executeTakeFirst();
  return row ? { id: Number(row.id) } : null;
}

export async function findImport(db: Db, userId: string, importId: number): Promise<NoteImportRecord | null> {
  const row = await db
    .selectFrom('note_changes')
    .select(['id', 'job_id', 'undone_by', 'created_at'])
    .where('id', '=', importId)
    .where('user_id', '=', userId)
    .where('kind', '=', 'import')
    .executeTakeFirst();
  return row
    ? { id: Number(row.id), jobId: row.job_id, undoneBy: row.undone_by === null ? null : Number(row.undone_by), createdAt: Number(row.created_at) }
    : null;
}

// ---------------------------------------------------------------------------------------------------
// Import undo

/** Notes per step of an undo: every statement stays well inside PostgreSQL's 4 s request statement timeout. */
export const UNDO_CHUNK_NOTES = 2_000;

/**
 * Per note the import touched in [lo, hi]: its first history row (the text before the import) and its
 * last (the text the import left). A note can be reverted when it still holds that last text and no other
 * act wrote its history after the import's first row.
 */
function revertable(importId: number, userId: string, lo: number, hi: number) {
  return sql`
    select g.note_id, f.old_label as before_label, n.label as current_label
    from (select note_id, min(id) as first_id, max(id) as last_id from note_history
          where change_id = ${importId} and note_id between ${lo} and ${hi} group by note_id) g
    join note_history f on f.id = g.first_id
    join note_history l on l.id = g.last_id
    join notes n on n.id = g.note_id and n.user_id = ${userId}
    where n.label = l.new_label
      and not exists (select 1 from note_history x where x.note_id = g.note_id and x.id > g.first_id and x.change_id <> ${importId})`;
}

/**
 * Reverts every note the import changed that nobody changed since, in one transaction, UNDO_CHUNK_NOTES
 * notes a step (by note id), so that no statement grows with the import. In one go, undoing 100,000
 * notes on PostgreSQL ran one 2.4 s statement (and an undo of 12,000 passed the 4 s request statement
 * timeout on a loaded machine: 503); in steps the longest is ~0.1 s and the whole undo 4.8 s
 * (SQLite: 1.6 → 1.9 s).
 */
export async function undoImport(
  db: Db,
  dialect: DialectName,
  userId: string,
  importId: number,
  undo: NewNoteChange,
  now: number,
  chunkNotes = UNDO_CHUNK_NOTES,
): Promise<ImportUndoResult | null> {
  void dialect; // the statements below are portable (UPDATE … FROM: SQLite ≥ 3.33)
  return db.transaction().execute(async (trx) => {
    const change = await insertChange(trx, userId, { ...undo, undoes: importId }, now);
    const u = change.id;
    // Claimed first: a concurrent undo of the same import waits on this row, then finds it taken.
    const claimed = await trx
      .updateTable('note_changes')
      .set({ undone_by: u })
      .where('id', '=', importId)
      .where('user_id', '=', userId)
      .where('undone_by', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) {
      await trx.deleteFrom('note_changes').where('id', '=', u).execute();
      return null;
    }
    const result: ImportUndoResult = { importId, undoId: u, restored: 0, deleted: 0, skipped: 0, skippedNotes: [] };
    for (let after = 0; ; ) {
      // The next chunk: the import's history rows in note order from `after`; [lo, hi] holds their notes.
      const rows = await sql<{ note_id: number | string }>`select note_id from note_history
        where change_id = ${importId} and note_id > ${after} order by note_id limit ${chunkNotes}`.execute(trx);
      if (rows.rows.length === 0) break;
      const lo = Number(rows.rows[0]!.note_id);
      const hi = Number(rows.rows[rows.rows.length - 1]!.note_id);
      after = hi;
      const notesInChunk = new Set(rows.rows.map((r) => Number(r.note_id))).size;
      // Skipped: neither revertable nor a no-op — changed (or deleted) since the import. Counted before
      // anything moves, as two plain counts: a correlated NOT EXISTS over the revertable set was planned
      // as a nested loop over it right after a large import (no statistics yet) and passed the 4 s timeout.
      const revertableCount = await sql<{ n: number | string }>`select count(*) as n from (${revertable(importId, userId, lo, hi)}) r`.execute(trx);
      const skipped = notesInChunk - Number(revertableCount.rows[0]?.n ?? 0);
      result.skipped += skipped;
      const room = MAX_SKIPPED_LISTED - result.skippedNotes.length;
      if (skipped > 0 && room > 0) {
        const listed = await sql<SkippedNote>`select n.type, n.ref, n.label as note from notes n
          where n.user_id = ${userId} and n.id between ${lo} and ${hi}
            and n.id in (select note_id from note_history where change_id = ${importId} and note_id between ${lo} and ${hi})
            and n.id not in (select r.note_id from (${revertable(importId, userId, lo, hi)}) r)
          order by n.id limit ${room}`.execute(trx);
        for (const r of listed.rows) result.skippedNotes.push({ type: r.type, ref: r.ref, note: r.note });
      }

      await sql`insert into note_history (change_id, note_id, old_label, new_label)
        select ${u}, r.note_id, r.current_label, r.before_label from (${revertable(importId, userId, lo, hi)}) r
        where r.before_label is distinct from r.current_label`.execute(trx);
      const restored = await sql`update notes set label = h.new_label, updated_at = ${now}
        from note_history h
        where h.change_id = ${u} and h.note_id between ${lo} and ${hi} and h.note_id = notes.id
          and h.new_label is not null and notes.user_id = ${userId}`.execute(trx);
      const deleted = await sql`delete from notes
        where user_id = ${userId} and id in (select note_id from note_history
          where change_id = ${u} and note_id between ${lo} and ${hi} and new_label is null)`.execute(trx);
      result.restored += Number(restored.numAffectedRows ?? 0n);
      result.deleted += Number(deleted.numAffectedRows ?? 0n);
    }
    return result;
  });
}
