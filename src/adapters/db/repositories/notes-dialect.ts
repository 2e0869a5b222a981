/**
 * The one place the notes storage differs between the engines (see the notes migrations):
 *
 * - Bulk upsert. SQLite: multi-row `VALUES` statements (8 parameters a row, within its 32,766 limit),
 *   the SQL text built once per row count. PostgreSQL: `INSERT … SELECT FROM unnest($3::text[], …)` —
 *   seven parameters whatever the row count, so the server parses and plans a tiny statement instead
 *   of one with 8,000 placeholders (measured ~1.5–2× faster than VALUES). How a returned row tells
 *   "inserted" from "updated" differs too (see upsertStatement).
 * - Label search. SQLite matches through the FTS5 trigram index, which needs ≥ 3 characters, and
 *   falls back to LIKE for shorter queries; PostgreSQL uses ILIKE, which the pg_trgm GIN index serves
 *   (planPostgresLabelSearch: the newest notes first, then the index with only the term's rare trigrams).
 *   Both are case-insensitive substring matches (SQLite's LIKE folds ASCII only, FTS5 all of Unicode).
 */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
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

/**
 * How a search over SQLite's FTS5 trigram index runs fast at any frequency of the term (issue 10: one
 * owner with 1,000,000 notes). A phrase query over the trigram index decodes the doclists of every
 * trigram of `q`, and a trigram such as "pay" or "ref" can be in most labels: measured, one such
 * phrase cost 50–500 ms at 1,000,000 notes whether it matched one note or half of them. So:
 * - count each distinct trigram's notes, up to SEARCH_PROBE_CAP (a frequent one stops early);
 *   a trigram in no note → nothing matches;
 * - the notes holding the rarest (up to 3) trigrams are candidates; when there are at most
 *   SEARCH_PROBE_CAP of them they are read by id and the label is tested on each (`candidates`);
 * - otherwise the term is frequent: the owner's notes are read newest first and the label tested on
 *   each, which finds a page after a few hundred rows (`scan`).
 * The label test is LIKE, which folds ASCII case only, so this plan is for ASCII queries; others keep
 * the FTS5 phrase (exact Unicode case folding, slower on very large note sets).
 */
export const SEARCH_PROBE_CAP = 1_000;
/** A query of 255 characters has 253 trigrams: probing a spread of them finds the rare ones. */
const MAX_PROBED_TRIGRAMS = 12;

export type LabelSearch =
  | { kind: 'none' }
  | { kind: 'candidates'; ids: number[]; condition: Expression<SqlBool> }
  | { kind: 'scan'; condition: Expression<SqlBool> }
  /**
   * PostgreSQL: `ids` are the matches among the newest rows of the page's range, newest first, and the
   * rest of the page is the rows older than `before` (created_at, id) that meet `condition`.
   */
  | { kind: 'split'; ids: number[]; before: { createdAt: number; id: number }; condition: Expression<SqlBool> };

/** Which notes a search pages over (PostgreSQL's plan looks at the newest of them first). */
export interface SearchScope {
  userId: string;
  type?: string;
  after?: { createdAt: number; id: number };
  limit: number;
}

export async function planLabelSearch(db: Kysely<any>, dialect: DialectName, q: string, scope?: SearchScope): Promise<LabelSearch> {
  if (dialect === 'postgres' && scope !== undefined) return planPostgresLabelSearch(db, q, scope);
  const chars = [...q];
  // eslint-disable-next-line no-control-regex
  if (dialect === 'postgres' || chars.length < MIN_INDEXED_QUERY_CHARS || !/^[\x00-\x7f]*$/.test(q)) {
    return { kind: 'scan', condition: labelContains(dialect, q) };
  }
  const like = sql<SqlBool>`n.label like ${likePattern(q)} escape '\\'`;
  const lower = q.toLowerCase();
  const trigrams = [...new Set(Array.from({ length: lower.length - 2 }, (_, i) => lower.slice(i, i + 3)))];
  const probed = trigrams.length <= MAX_PROBED_TRIGRAMS
    ? trigrams
    : Array.from({ length: MAX_PROBED_TRIGRAMS }, (_, i) => trigrams[Math.floor((i * (trigrams.length - 1)) / (MAX_PROBED_TRIGRAMS - 1))]!);
  const counted: Array<{ trigram: string; notes: number }> = [];
  for (const trigram of probed) {
    const { rows } = await sql<{ n: number }>`select count(*) as n from (
      select rowid from notes_fts where notes_fts match ${ftsPhrase(trigram)} limit ${SEARCH_PROBE_CAP + 1})`.execute(db);
    const notes = Number(rows[0]?.n ?? 0);
    if (notes === 0) return { kind: 'none' };
    counted.push({ trigram, notes });
  }
  counted.sort((a, b) => a.notes - b.notes);
  const rarest = counted.slice(0, 3).map((c) => ftsPhrase(c.trigram)).join(' AND ');
  const { rows } = await sql<{ id: number }>`select rowid as id from notes_fts where notes_fts match ${rarest} limit ${SEARCH_PROBE_CAP + 1}`.execute(db);
  if (rows.length > SEARCH_PROBE_CAP) return { kind: 'scan', condition: like };
  if (rows.length === 0) return { kind: 'none' };
  return { kind: 'candidates', ids: rows.map((r) => Number(r.id)), condition: like };
}

/**
 * PostgreSQL's side of the same problem. `label ILIKE '%q%'` over the pg_trgm GIN index ANDs the
 * posting lists of every trigram of `q`, and pg_trgm has no cheap way to skip a trigram held by most
 * notes ("ven" of "vendor0042x", "ref" and "000" of "ref-0004711-"): measured at 1,000,000 notes, the
 * index scan alone read ~1,800 pages and took 50–110 ms for terms held by 1 in 1,000 notes or by one.
 * The planner's other choice, the owner's notes newest first with a filter, reads 1/frequency rows per
 * match. So:
 * 1. `window`: one query reads the newest PG_SEARCH_WINDOW notes of the page's range and tells which
 *    match (up to a page), and how many of them hold each 3-letter/digit piece of `q` — a sample of
 *    each trigram's frequency. Frequent terms end here with a full page (`candidates`).
 * 2. Otherwise the rest of the page is among older rows (`split`):
 *    - a term found at least PG_SCAN_MIN_HITS times in the window (≥ 0.5 %) is looked for by reading
 *      the older notes newest first (≤ ~10,000 rows for a page of 50);
 *    - a rarer one goes through the GIN index with only the (up to 3) trigrams rarest in the sample,
 *      and each row found is tested for the whole term with a condition the index cannot serve
 *      (`strpos(lower(label), lower(q))`, the same test ILIKE makes on a UTF-8 database);
 *    - a term with no such trigram (1–2 characters, punctuation, non-ASCII) keeps plain ILIKE and the
 *      planner's choice (a rare one of those reads every note of the owner: pg_trgm cannot index it).
 */
export const PG_SEARCH_WINDOW = 2_000;
export const PG_SCAN_MIN_HITS = 10;
const PG_INDEX_TRIGRAMS = 3;
/** Trigrams are counted in the newest notes of the window only: enough to tell 0.2 % from 10 %, and cheap. */
const PG_TRIGRAM_SAMPLE = 500;
/** A trigram in more of the sample than this (10 %) is not worth an index scan. */
const PG_RARE_TRIGRAM_NOTES = PG_TRIGRAM_SAMPLE / 10;

/** The distinct 3-character pieces of `q` (lower case) that pg_trgm indexes as they are: ASCII letters and digits. */
export function indexableTrigrams(q: string): string[] {
  const lower = q.toLowerCase();
  const pieces = new Set<string>();
  for (let i = 0; i + 3 <= lower.length; i++) {
    const piece = lower.slice(i, i + 3);
    if (/^[a-z0-9]{3}$/.test(piece)) pieces.add(piece);
  }
  const all = [...pieces];
  if (all.length <= MAX_PROBED_TRIGRAMS) return all;
  return Array.from({ length: MAX_PROBED_TRIGRAMS }, (_, i) => all[Math.floor((i * (all.length - 1)) / (MAX_PROBED_TRIGRAMS - 1))]!);
}

async function planPostgresLabelSearch(db: Kysely<any>, q: string, scope: SearchScope): Promise<LabelSearch> {
  const holds = sql<SqlBool>`strpos(lower(n.label), lower(${q})) > 0`;
  const range = [sql`n.user_id = ${scope.userId}`];
  if (scope.type !== undefined) range.push(sql`n.type = ${scope.type}`);
  if (scope.after !== undefined) range.push(sql`(n.created_at, n.id) < (${scope.after.createdAt}, ${scope.after.id})`);
  const inRange = sql.join(range, sql` and `);
  // The window, newest first: its matches and its last row, stopping as soon as a page and one more
  // row match (a frequent term). One statement, so the rows tested and where they end agree.
  const { rows: found } = await sql<{ id: number | string; created_at: number | string; hit: boolean; last: boolean }>`
    select w.id, w.created_at, w.hit, w.k = ${PG_SEARCH_WINDOW} as last from (
      select n.id, n.created_at, strpos(lower(n.label), lower(${q})) > 0 as hit,
        row_number() over (order by n.created_at desc, n.id desc) as k
      from notes n where ${inRange}
      order by n.created_at desc, n.id desc limit ${PG_SEARCH_WINDOW}) w
    where w.hit or w.k = ${PG_SEARCH_WINDOW}
    order by w.created_at desc, w.id desc limit ${scope.limit + 1}`.execute(db);
  const hits = found.filter((r) => r.hit).map((r) => Number(r.id));
  const last = found.find((r) => r.last);
  if (hits.length > scope.limit) return { kind: 'candidates', ids: hits, condition: holds };
  if (last === undefined) {
    // The window held every note of the range.
    return hits.length === 0 ? { kind: 'none' } : { kind: 'candidates', ids: hits, condition: holds };
  }
  const before = { createdAt: Number(last.created_at), id: Number(last.id) };
  if (hits.length >= PG_SCAN_MIN_HITS) {
    // The index cannot serve strpos(lower(…)): the older notes are read newest first.
    return { kind: 'split', ids: hits, before, condition: holds };
  }
  // A rare term: how many of the window's newest notes hold each trigram of `q` (an estimate of its
  // share, to pick the trigrams the GIN index reads).
  const trigrams = indexableTrigrams(q);
  if (trigrams.length === 0) return { kind: 'split', ids: hits, before, condition: labelContains('postgres', q) };
  const { rows } = await sql<{ counts: number[] }>`
    select json_build_array(${sql.join(trigrams.map((t) => sql`count(*) filter (where strpos(w.l, ${t}) > 0)`))}) as counts
    from (select lower(n.label) as l from notes n where ${inRange}
      order by n.created_at desc, n.id desc limit ${PG_TRIGRAM_SAMPLE}) w`.execute(db);
  const counts = rows[0]?.counts ?? [];
  const rarest = trigrams
    .map((trigram, i) => ({ trigram, notes: Number(counts[i] ?? 0) }))
    .sort((a, b) => a.notes - b.notes)
    .slice(0, PG_INDEX_TRIGRAMS);
  if (rarest[0]!.notes > PG_RARE_TRIGRAM_NOTES) {
    // No trigram of `q` is rare: pg_trgm's own plan, with its word-boundary trigrams, is the best there is.
    return { kind: 'split', ids: hits, before, condition: labelContains('postgres', q) };
  }
  // Each `ILIKE '%abc%'` is one trigram for the GIN index; the whole term is tested on the rows found.
  const index = rarest.map((r) => sql<SqlBool>`n.label ilike ${`%${r.trigram}%`}`);
  return { kind: 'split', ids: hits, before, condition: sql<SqlBool>`${sql.join(index, sql` and `)} and ${holds}` };
}
