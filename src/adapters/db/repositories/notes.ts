/**
 * Notes storage: batched upserts for imports, owner-scoped reads, keyset pages, label search and
 * export streaming. Every function takes the database (or a transaction) first and the owner's id.
 *
 * upsertNotes is the import's hot path: batched INSERT … ON CONFLICT DO UPDATE … WHERE <a value
 * differs> RETURNING statements, whose answer tells inserted from updated rows, while unchanged rows
 * are neither touched nor returned (notes-dialect.ts has their per-engine SQL, passed to Kysely
 * pre-built: compiling an 8,000-parameter statement through the query builder for every chunk would
 * cost more than running it). Stored rows are read first only for keys given twice in one call, whose
 * in-order outcomes need them — reading every key first made imports ~1.5× slower (measured).
 */
import { CompiledQuery, sql, type SqlBool } from 'kysely';
import { applyDraft, sameValues, type Note, type NoteDraft, type NoteType, type NoteValues, type UpsertOutcome } from '../../../domain/notes/types.js';
import { decodeCursor, encodeCursor, toPage, type Page } from '../cursor.js';
import { toFlag, type DialectName } from '../dialect.js';
import type { Db, NoteRow } from '../schema.js';
import {
  ALL_FIELDS,
  SQLITE_REFS_PER_SELECT,
  existingStatement,
  maxIdStatement,
  planLabelSearch,
  rowsPerUpsert,
  upsertStatement,
  WALK_NOTES_PER_PAGE,
  type GivenFields,
  type LabelSearch,
  type UpsertRow,
} from './notes-dialect.js';
import { recordCreatedSqlite, sqliteChangedLabelsStatement, withHistoryPostgres } from './note-history.js';

/** Rows per export read. */
export const NOTE_STREAM_BATCH = 1_000;

export function toNote(row: NoteRow): Note {
  return {
    id: Number(row.id),
    type: row.type,
    ref: row.ref,
    label: row.label,
    origin: row.origin,
    spendable: row.spendable === null ? null : row.spendable !== 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// ---------------------------------------------------------------------------------------------------
// Upsert

const keyOf = (type: string, ref: string): string => `${type}\u0000${ref}`;


async function readExisting(db: Db, dialect: DialectName, userId: string, refs: readonly string[]): Promise<Map<string, NoteValues>> {
  const existing = new Map<string, NoteValues>();
  const step = dialect === 'sqlite' ? SQLITE_REFS_PER_SELECT : rowsPerUpsert(dialect);
  for (let i = 0; i < refs.length; i += step) {
    const statement = existingStatement(dialect, userId, refs.slice(i, i + step));
    const result = await db.executeQuery<Pick<NoteRow, 'type' | 'ref' | 'label' | 'origin' | 'spendable'>>(
      CompiledQuery.raw(statement.sql, statement.parameters),
    );
    for (const row of result.rows) {
      existing.set(keyOf(row.type, row.ref), {
        label: row.label,
        origin: row.origin,
        spendable: row.spendable === null ? null : row.spendable !== 0,
      });
    }
  }
  return existing;
}

const byKeyOrder = (a: UpsertRow, b: UpsertRow): number =>
  a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0;

function toUpsertRow(type: string, ref: string, values: Partial<NoteValues>): UpsertRow {
  return {
    type,
    ref,
    label: values.label ?? '',
    origin: values.origin ?? null,
    spendable: values.spendable === undefined || values.spendable === null ? null : toFlag(values.spendable),
  };
}

/**
 * Writes rows that share which fields they carry; answers, per key written, whether the row was
 * inserted (true) or changed (false) — keys absent from the answer were left as they were.
 */
async function writeGroup(
  db: Db,
  dialect: DialectName,
  userId: string,
  rows: UpsertRow[],
  given: GivenFields,
  now: number,
  maxIdBefore: number,
  written: Map<string, boolean>,
  changeId?: number,
): Promise<void> {
  // In key order: neighbouring inserts land on neighbouring index pages (~1.5× faster with random txids).
  rows.sort(byKeyOrder);
  const step = rowsPerUpsert(dialect);
  for (let i = 0; i < rows.length; i += step) {
    const chunk = rows.slice(i, i + step);
    let statement = upsertStatement(dialect, userId, chunk, now, given, maxIdBefore);
    // Note history (note-history.ts): set-wise, only for rows whose label changes or that are new.
    if (changeId !== undefined && dialect === 'postgres') statement = withHistoryPostgres(statement, changeId);
    if (changeId !== undefined && dialect === 'sqlite' && given.label) {
      const changed = sqliteChangedLabelsStatement(userId, chunk, changeId);
      await db.executeQuery(CompiledQuery.raw(changed.sql, changed.parameters));
    }
    const result = await db.executeQuery<{ type: string; ref: string; inserted: boolean | number }>(
      CompiledQuery.raw(statement.sql, statement.parameters),
    );
    for (const row of result.rows) written.set(keyOf(row.type, row.ref), row.inserted === true || row.inserted === 1);
  }
}

async function upsertInTransaction(
  db: Db,
  dialect: DialectName,
  userId: string,
  rows: readonly NoteDraft[],
  now: number,
  changeId?: number,
): Promise<UpsertOutcome[]> {
  const outcomes: UpsertOutcome[] = new Array(rows.length);
  const positions = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const key = keyOf(row.type, row.ref);
    const at = positions.get(key);
    if (at) at.push(i);
    else positions.set(key, [i]);
  });

  // A key given more than once: the in-order outcome of each of its rows needs the stored values,
  // read first; only its final values are written. Rare, so the common case reads nothing.
  const repeatedRefs = new Set<string>();
  for (const at of positions.values()) if (at.length > 1) repeatedRefs.add(rows[at[0]!]!.ref);
  const stored = repeatedRefs.size > 0 ? await readExisting(db, dialect, userId, [...repeatedRefs]) : new Map<string, NoteValues>();

  const groups = new Map<string, { given: GivenFields; rows: UpsertRow[] }>();
  const addTo = (given: GivenFields, row: UpsertRow): void => {
    const id = `${+given.label}${+given.origin}${+given.spendable}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { given, rows: [] }));
    group.rows.push(row);
  };
  const single: Array<[key: string, index: number]> = [];
  for (const [key, at] of positions) {
    if (at.length === 1) {
      const draft = rows[at[0]!]!;
      single.push([key, at[0]!]);
      addTo({ label: draft.label !== undefined, origin: draft.origin !== undefined, spendable: draft.spendable !== undefined }, toUpsertRow(draft.type, draft.ref, draft));
      continue;
    }
    const first = rows[at[0]!]!;
    const before = stored.get(key);
    let current = before;
    for (const i of at) {
      const after = applyDraft(current, rows[i]!);
      outcomes[i] = current === undefined ? 'inserted' : sameValues(current, after) ? 'unchanged' : 'updated';
      current = after;
    }
    if (current && (before === undefined || !sameValues(before, current))) addTo(ALL_FIELDS, toUpsertRow(first.type, first.ref, current));
  }

  const maxId = maxIdStatement(dialect);
  const maxIdBefore = maxId
    ? Number((await db.executeQuery<{ max_id: number }>(CompiledQuery.raw(maxId.sql, maxId.parameters))).rows[0]?.max_id ?? 0)
    : 0;
  const written = new Map<string, boolean>();
  for (const group of groups.values()) await writeGroup(db, dialect, userId, group.rows, group.given, now, maxIdBefore, written, changeId);
  if (changeId !== undefined && dialect === 'sqlite' && written.size > 0) await recordCreatedSqlite(db, userId, maxIdBefore, changeId);
  for (const [key, index] of single) {
    const inserted = written.get(key);
    outcomes[index] = inserted === undefined ? 'unchanged' : inserted ? 'inserted' : 'updated';
  }
  return outcomes;
}

/**
 * Inserts or updates the owner's notes, in order (a later row for the same type+ref wins, also
 * within one call), and tells per row what an in-order write did. A draft's undefined fields keep
 * the stored values. Unchanged notes are not written, so their updated_at stays. Runs in one
 * transaction (the caller's, when given one).
 */
export async function upsertNotes(
  db: Db,
  dialect: DialectName,
  userId: string,
  rows: readonly NoteDraft[],
  now: number = Date.now(),
  /** Records the history of what changes under this note_changes id (note-history.ts). */
  changeId?: number,
): Promise<UpsertOutcome[]> {
  if (rows.length === 0) return [];
  if (db.isTransaction) return upsertInTransaction(db, dialect, userId, rows, now, changeId);
  return db.transaction().execute((trx) => upsertInTransaction(trx, dialect, userId, rows, now, changeId));
}

// ---------------------------------------------------------------------------------------------------
// Reads

export async function getNote(db: Db, userId: string, type: NoteType, ref: string): Promise<Note | null> {
  const row = await db
    .selectFrom('notes')
    .selectAll()
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .where('ref', '=', ref)
    .executeTakeFirst();
  return row ? toNote(row) : null;
}

export async function deleteNote(db: Db, userId: string, type: NoteType, ref: string): Promise<boolean> {
  const result = await db
    .deleteFrom('notes')
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .where('ref', '=', ref)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export interface NoteListOptions {
  type?: NoteType;
  cursor?: string;
  limit: number;
  /** Notes a search no index can bound tests per page (default WALK_NOTES_PER_PAGE; tests set it small). */
  walkNotes?: number;
}

/** Newest first, keyset-paged on (created_at, id); a search when `q` is given. */
export async function listNotes(
  db: Db,
  dialect: DialectName,
  userId: string,
  options: NoteListOptions & { q?: string },
): Promise<Page<Note>> {
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, 'number');
  const search = options.q === undefined || options.q === ''
    ? undefined
    : await planLabelSearch(db, dialect, options.q, { userId, ...(options.type !== undefined ? { type: options.type } : {}), ...(after ? { after } : {}), limit: options.limit });
  if (search?.kind === 'none') return { items: [] };
  const select = (condition: LabelSearch | undefined, from: { createdAt: number; id: number } | undefined, limit: number) => {
    let query = db.selectFrom('notes as n').selectAll('n');
    if (condition?.kind === 'candidates' && dialect === 'postgres') {
      query = query.where(sql<SqlBool>`n.id = any(${condition.ids}::bigint[])`).where('n.user_id', '=', userId);
      if (options.type !== undefined) query = query.where('n.type', '=', options.type);
    } else if (condition?.kind === 'candidates') {
      // Read the few candidates by id and sort them: the unary + keeps SQLite from walking the owner's
      // notes in order instead and testing each against the list (notes-dialect.ts planLabelSearch).
      query = query.where('n.id', 'in', (eb) => eb.selectFrom(sql<{ value: number }>`json_each(${JSON.stringify(condition.ids)})`.as('c')).select('c.value'));
      query = query.where(sql`+n.user_id`, '=', userId);
      if (options.type !== undefined) query = query.where(sql`+n.type`, '=', options.type);
    } else {
      query = query.where('n.user_id', '=', userId);
      if (options.type !== undefined) query = query.where('n.type', '=', options.type);
    }
    if (condition !== undefined && condition.kind !== 'none') query = query.where(condition.condition);
    if (from !== undefined) {
      query = query.where((eb) => eb(eb.refTuple('n.created_at', 'n.id'), '<', eb.tuple(from.createdAt, from.id)));
    }
    if (condition?.kind === 'candidates' && dialect === 'sqlite') {
      // Sort the candidates' keys only, then read the page's rows: sorting ~1,000 whole rows cost 3× more (measured).
      const page = query.clearSelect().select('n.id').orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').limit(limit);
      return db.selectFrom('notes as o').selectAll('o').where('o.id', 'in', page).orderBy('o.created_at', 'desc').orderBy('o.id', 'desc').execute();
    }
    return query.orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').limit(limit).execute();
  };
  const keyOf = (n: Note) => ({ createdAt: n.createdAt, id: n.id });
  if (search?.kind === 'walk') {
    // The last note this page may test; none when fewer are left, and the walk runs to the end.
    const stop = await stopOfWalk(db, userId, options.type, after, options.walkNotes ?? WALK_NOTES_PER_PAGE);
    if (stop) {
      const condition = sql<SqlBool>`${search.condition} and (n.created_at, n.id) >= (${stop.created_at}, ${stop.id})`;
      const rows = (await select({ kind: 'walk', condition }, after, options.limit + 1)).map(toNote);
      // Short or empty, the page goes on from where the walk stopped.
      return rows.length > options.limit ? toPage(rows, options.limit, keyOf) : { items: rows, next: encodeCursor({ createdAt: Number(stop.created_at), id: Number(stop.id) }) };
    }
  }
  const rows: NoteRow[] = await select(search, after, options.limit + 1);
  return toPage(rows.map(toNote), options.limit, keyOf);
}

/** The `walkNotes`-th newest note of the owner (of `type`) before `after`, or undefined when fewer are left. */
async function stopOfWalk(db: Db, userId: string, type: NoteType | undefined, after: { createdAt: number; id: number } | undefined, walkNotes: number) {
  let query = db.selectFrom('notes').select(['created_at', 'id']).where('user_id', '=', userId);
  if (type !== undefined) query = query.where('type', '=', type);
  if (after !== undefined) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').offset(walkNotes - 1).limit(1).executeTakeFirst();
}

/** Case-insensitive substring search on labels, newest first (see notes-search.ts). */
export function searchNotes(
  db: Db,
  dialect: DialectName,
  userId: string,
  options: NoteListOptions & { q: string },
): Promise<Page<Note>> {
  return listNotes(db, dialect, userId, options);
}

/** Every note of the owner, oldest first, read NOTE_STREAM_BATCH rows at a time (exports). */
export async function* streamNotes(db: Db, userId: string, options: { type?: NoteType; batchSize?: number } = {}): AsyncGenerator<Note> {
  const batchSize = options.batchSize ?? NOTE_STREAM_BATCH;
  let after: { createdAt: number; id: number } | undefined;
  for (;;) {
    let query = db.selectFrom('notes').selectAll().where('user_id', '=', userId);
    if (options.type !== undefined) query = query.where('type', '=', options.type);
    if (after) {
      const key = after;
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(key.createdAt, key.id)));
    }
    const rows = await query.orderBy('created_at').orderBy('id').limit(batchSize).execute();
    for (const row of rows) yield toNote(row);
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.created_at, id: Number(last.id) };
  }
}

/** How many notes the owner has (tests, admin figures). */
export async function countNotes(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notes')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
