/**
 * The one place the notes storage differs between the engines (see the notes migrations):
 *
 * - Bulk upsert. SQLite: multi-row `VALUES` statements (8 parameters a row, within its 32,766 limit),
 *   the SQL text built once per row count. PostgreSQL: `INSERT … SELECT FROM unnest($3::text[], …)` —
 *   seven parameters whatever the row count, so the server parses and plans a tiny statement instead
 *   of one with 8,000 placeholders (measured ~1.5–2× faster than VALUES). How a returned row tells
 *   "inserted" from "updated" differs too (see upsertStatement).
 * - Label search. SQLite matches through the FTS5 trigram index, which needs ≥ 3 characters, and
 *   falls back to LIKE for shorter queries; PostgreSQL uses ILIKE, which the pg_trgm GIN index serves.
 *   Both are case-insensitive substring matches (SQLite's LIKE folds ASCII only, FTS5 all of Unicode).
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { DialectName } from '../dialect.js';

/** FTS5 trigram tokens are 3 characters: shorter queries cannot use the index. */
export const MIN_INDEXED_QUERY_CHARS = 3;

/** Rows per upsert statement: SQLite 1,000 × 8 parameters; PostgreSQL's arrays have no such limit. */
export function rowsPerUpsert(dialect: DialectName): number {
  return dialect === 'sqlite' ? 1_000 : 5_000;
}

/** Which values a group of drafts carries; the others keep what is stored (BIP-329 partial records). */
export interface GivenFields {
  label: boolean;
  origin: boolean;
  spendable: boolean;
}

export const ALL_FIELDS: GivenFields = { label: true, origin: true, spendable: true };

/** A row to write: values of fields not given are only used when the row is new. */
export interface UpsertRow {
  type: string;
  ref: string;
  label: string;
  origin: string | null;
  spendable: 0 | 1 | null;
}

/**
 * ON CONFLICT for the given fields: only they are updated, and only when one differs, so an unchanged
 * note keeps its updated_at and is not returned. Nothing given → DO NOTHING.
 */
function onConflict(given: GivenFields): string {
  const fields = (['label', 'origin', 'spendable'] as const).filter((f) => given[f]);
  if (fields.length === 0) return 'on conflict (user_id, type, ref) do nothing';
  return `on conflict (user_id, type, ref) do update set ${fields.map((f) => `${f} = excluded.${f}`).join(', ')}, updated_at = excluded.updated_at
    where ${fields.map((f) => `notes.${f} is distinct from excluded.${f}`).join(' or ')}`;
}

const sqliteUpserts = new Map<string, string>();

/**
 * SQL and parameters writing `rows` (≤ rowsPerUpsert) for one owner at one instant. It returns
 * (type, ref, inserted) for each row it inserted or changed — unchanged rows are not returned.
 * `inserted` is exact on both engines: PostgreSQL's `xmax = 0` marks a row this statement created;
 * on SQLite (one writer at a time) a new row's rowid is above `maxIdBefore`, read in the same transaction.
 */
export function upsertStatement(
  dialect: DialectName,
  userId: string,
  rows: readonly UpsertRow[],
  now: number,
  given: GivenFields = ALL_FIELDS,
  maxIdBefore = 0,
): { sql: string; parameters: unknown[] } {
  if (dialect === 'postgres') {
    return {
      sql: `insert into notes (user_id, type, ref, label, origin, spendable, created_at, updated_at)
  select $1, t.type, t.ref, t.label, t.origin, t.spendable, $2, $2
  from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int[]) as t (type, ref, label, origin, spendable)
  ${onConflict(given)}
  returning type, ref, (xmax = 0) as inserted`,
      parameters: [
        userId,
        now,
        rows.map((r) => r.type),
        rows.map((r) => r.ref),
        rows.map((r) => r.label),
        rows.map((r) => r.origin),
        rows.map((r) => r.spendable),
      ],
    };
  }
  const key = `${rows.length}:${+given.label}${+given.origin}${+given.spendable}`;
  let text = sqliteUpserts.get(key);
  if (text === undefined) {
    const values = new Array<string>(rows.length).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    text = `insert into notes (user_id, type, ref, label, origin, spendable, created_at, updated_at) values ${values}
  ${onConflict(given)}
  returning type, ref, id > ? as inserted`;
    sqliteUpserts.set(key, text);
  }
  const parameters = new Array<unknown>(rows.length * 8 + 1);
  let p = 0;
  for (const r of rows) {
    parameters[p++] = userId;
    parameters[p++] = r.type;
    parameters[p++] = r.ref;
    parameters[p++] = r.label;
    parameters[p++] = r.origin;
    parameters[p++] = r.spendable;
    parameters[p++] = now;
    parameters[p++] = now;
  }
  parameters[p] = maxIdBefore;
  return { sql: text, parameters };
}

/** SQLite: the highest rowid so far (new rows get higher ones); PostgreSQL needs none. */
export function maxIdStatement(dialect: DialectName): { sql: string; parameters: unknown[] } | undefined {
  return dialect === 'sqlite' ? { sql: 'select coalesce(max(id), 0) as max_id from notes', parameters: [] } : undefined;
}

/** Rows per "which of these refs exist" query on SQLite (parameters, like the upsert). */
export const SQLITE_REFS_PER_SELECT = 1_000;

/** SQL and parameters reading the stored values of some of an owner's refs. */
export function existingStatement(
  dialect: DialectName,
  userId: string,
  refs: readonly string[],
): { sql: string; parameters: unknown[] } {
  const columns = 'select type, ref, label, origin, spendable from notes where user_id = ';
  if (dialect === 'postgres') return { sql: `${columns}$1 and ref = any($2::text[])`, parameters: [userId, refs] };
  const marks = new Array<string>(refs.length).fill('?').join(', ');
  return { sql: `${columns}? and ref in (${marks})`, parameters: [userId, ...refs] };
}

function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** An FTS5 phrase: the trigrams of `q`, in order — i.e. `q` as a substring. */
function ftsPhrase(q: string): string {
  return `"${q.replace(/"/g, '""')}"`;
}

/** A condition on `notes` (aliased `n`) true when the label contains `q`, ignoring case. */
export function labelContains(dialect: DialectName, q: string): Expression<SqlBool> {
  if (dialect === 'postgres') return sql<SqlBool>`n.label ilike ${likePattern(q)}`;
  if ([...q].length >= MIN_INDEXED_QUERY_CHARS) {
    return sql<SqlBool>`n.id in (select rowid from notes_fts where notes_fts match ${ftsPhrase(q)})`;
  }
  return sql<SqlBool>`n.label like ${likePattern(q)} escape '\\'`;
}
