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
 *   Both plans (planSqliteLabelSearch, planPostgresLabelSearch) sample the newest notes of the page's
 *   range first: a frequent term is read newest first, a rare one through the index's rarest trigrams.
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
 * phrase cost 50–500 ms at 1,000,000 notes whether it matched one note or half of them; an AND of
 * frequent trigrams costs nearly as much. Only rare trigrams are cheap (~0.1 µs a note of their
 * doclist). So (planSqliteLabelSearch):
 * 1. `sample`: one statement reads the newest SQLITE_SAMPLE notes of the page's range and counts those
 *    holding `q`, and those holding each trigram of `q` (an estimate of each one's share).
 *    - The range is no bigger than the sample, or `q` is in at least SQLITE_SCAN_MIN_HITS of it
 *      (≳ 1 %): the owner's notes are read newest first and the label tested on each (`scan`); a page
 *      is full after ~50/share rows.
 * 2. Otherwise the term is rare: the FTS index is asked for the notes holding the (up to 3) trigrams
 *    rarest in the sample (an AND, no phrase), up to SEARCH_PROBE_CAP of them. None → nothing matches
 *    (every trigram of a match is in the index); else they are read by id and the label tested on each
 *    (`candidates`). Over the cap (trigrams rare lately but common in older notes), `scan` as above.
 * The label test is LIKE, which folds ASCII case only, so this plan is for ASCII queries. Others keep
 * the FTS5 phrase (exact Unicode case folding): its matches are read by id when there are at most
 * SEARCH_PROBE_CAP of them, else the owner's notes are walked and each tested against the phrase.
 * A term shorter than a trigram (1–2 characters) can only be scanned: nothing in the index bounds it
 * soundly ("qz" may end a label, and no trigram query finds "?qz"), so it is a `walk`, read at most
 * WALK_NOTES_PER_PAGE notes a page.
 */
export const SEARCH_PROBE_CAP = 3_000;
/** A query of 255 characters has 253 trigrams: probing a spread of them finds the rare ones. */
const MAX_PROBED_TRIGRAMS = 12;
/** SQLite: notes sampled to estimate the share of the term and of each trigram (~0.3 ms). */
export const SQLITE_SAMPLE = 128;
/** In the sample this often (~1.5 %) or more: a scan fills a page after ≲ 3,500 rows (~2–3 ms). */
export const SQLITE_SCAN_MIN_HITS = 2;
/** Trigrams ANDed in the index: a third one rarely removes enough candidates to pay for its doclist (measured). */
const SQLITE_INDEX_TRIGRAMS = 2;

export type LabelSearch =
  | { kind: 'none' }
  | { kind: 'candidates'; ids: number[]; condition: Expression<SqlBool> }
  | { kind: 'scan'; condition: Expression<SqlBool> }
  /** No index can bound it (1–2 characters, no indexable trigram): walked at most WALK_NOTES_PER_PAGE notes a page. */
  | { kind: 'walk'; condition: Expression<SqlBool> };

/**
 * Notes a `walk` search tests per page. A rare term that no index can bound would otherwise read all of
 * the owner's notes for one page (0.5–1.3 s at 1,000,000): a page stops here, short or empty, with a
 * cursor to go on from where it stopped (~30–60 ms of walking on this VM).
 */
export const WALK_NOTES_PER_PAGE = 50_000;

/** Which notes a search pages over (both engines' plans look at the newest of them first). */
export interface SearchScope {
  userId: string;
  type?: string;
  after?: { createdAt: number; id: number };
  limit: number;
}

/** The distinct lower-case 3-character pieces of `q`, at most MAX_PROBED_TRIGRAMS of them, spread over `q`. */
function spread(pieces: string[]): string[] {
  if (pieces.length <= MAX_PROBED_TRIGRAMS) return pieces;
  return Array.from({ length: MAX_PROBED_TRIGRAMS }, (_, i) => pieces[Math.floor((i * (pieces.length - 1)) / (MAX_PROBED_TRIGRAMS - 1))]!);
}

function scopeRange(scope: SearchScope) {
  const range = [sql`n.user_id = ${scope.userId}`];
  if (scope.type !== undefined) range.push(sql`n.type = ${scope.type}`);
  if (scope.after !== undefined) range.push(sql`(n.created_at, n.id) < (${scope.after.createdAt}, ${scope.after.id})`);
  return sql.join(range, sql` and `);
}

export async function planLabelSearch(db: Kysely<any>, dialect: DialectName, q: string, scope?: SearchScope): Promise<LabelSearch> {
  if (dialect === 'postgres' && scope !== undefined) return planPostgresLabelSearch(db, q, scope);
  if (dialect === 'postgres') return { kind: 'scan', condition: labelContains(dialect, q) };
  if ([...q].length < MIN_INDEXED_QUERY_CHARS) return { kind: 'walk', condition: labelContains(dialect, q) };
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(q)) {
    // The phrase is the definition of a match here: its rows are the answer, read by id when few.
    const { rows } = await sql<{ id: number }>`select rowid as id from notes_fts where notes_fts match ${ftsPhrase(q)} limit ${SEARCH_PROBE_CAP + 1}`.execute(db);
    if (rows.length === 0) return { kind: 'none' };
    if (rows.length > SEARCH_PROBE_CAP) return { kind: 'scan', condition: labelContains(dialect, q) };
    return { kind: 'candidates', ids: rows.map((r) => Number(r.id)), condition: sql<SqlBool>`1 = 1` };
  }
  return planSqliteLabelSearch(db, q, scope);
}

async function planSqliteLabelSearch(db: Kysely<any>, q: string, scope: SearchScope | undefined): Promise<LabelSearch> {
  const like = sql<SqlBool>`n.label like ${likePattern(q)} escape '\\'`;
  const lower = q.toLowerCase();
  const trigrams = spread([...new Set(Array.from({ length: lower.length - 2 }, (_, i) => lower.slice(i, i + 3)))]);
  if (scope === undefined) {
    const { rows } = await sql<{ id: number }>`select rowid as id from notes_fts where notes_fts match ${trigrams.map(ftsPhrase).join(' AND ')} limit ${SEARCH_PROBE_CAP + 1}`.execute(db);
    if (rows.length > SEARCH_PROBE_CAP) return { kind: 'scan', condition: like };
    return rows.length === 0 ? { kind: 'none' } : { kind: 'candidates', ids: rows.map((r) => Number(r.id)), condition: like };
  }
  const range = scopeRange(scope);
  // lower() folds ASCII only, as LIKE does: for an ASCII `q`, instr(lower(label), lower(q)) > 0 is the LIKE test.
  const { rows: sampled } = await sql<{ counts: string }>`
    select json_array(count(*), sum(instr(s.l, ${lower}) > 0), ${sql.join(trigrams.map((t) => sql`sum(instr(s.l, ${t}) > 0)`))}) as counts
    from (select lower(n.label) as l from notes n where ${range} order by n.created_at desc, n.id desc limit ${SQLITE_SAMPLE}) s`.execute(db);
  const counts = (JSON.parse(sampled[0]?.counts ?? '[]') as Array<number | null>).map((c) => Number(c ?? 0));
  const [rangeRows = 0, hits = 0] = counts;
  // A range within the sample is read whole anyway; a frequent term fills a page soon.
  if (rangeRows < SQLITE_SAMPLE || hits >= SQLITE_SCAN_MIN_HITS) return { kind: 'scan', condition: like };
  const rarest = trigrams
    .map((trigram, i) => ({ trigram, notes: counts[i + 2]! }))
    .sort((a, b) => a.notes - b.notes)
    .slice(0, SQLITE_INDEX_TRIGRAMS)
    .map((r) => ftsPhrase(r.trigram))
    .join(' AND ');
  // One statement: the index's notes (all of them, or more than the cap), joined to the range and the
  // label test and sorted: the page. CROSS JOIN keeps the index outside, so MATCH runs once.
  const { rows } = await sql<{ id: number; total: number }>`
    with f as materialized (select rowid as id from notes_fts where notes_fts match ${rarest} limit ${SEARCH_PROBE_CAP + 1})
    select -1 as id, (select count(*) from f) as total
    union all
    select * from (select n.id, 0 as total from f cross join notes n on n.id = f.id
      where (select count(*) from f) <= ${SEARCH_PROBE_CAP} and ${range} and ${like}
      order by n.created_at desc, n.id desc limit ${scope.limit + 1})`.execute(db);
  const total = Number(rows.find((r) => Number(r.id) === -1)?.total ?? 0);
  if (total > SEARCH_PROBE_CAP) return { kind: 'scan', condition: like };
  const ids = rows.map((r) => Number(r.id)).filter((id) => id !== -1);
  // Every match holds each of these trigrams, and the index gave all notes holding them: these are the page.
  return ids.length === 0 ? { kind: 'none' } : { kind: 'candidates', ids, condition: like };
}

/**
 * PostgreSQL's side of the same problem. `label ILIKE '%q%'` over the pg_trgm GIN index ANDs the
 * posting lists of every trigram of `q`, and pg_trgm has no cheap way to skip a trigram held by most
 * notes ("ven" of "vendor0042x", "ref" and "000" of "ref-0004711-"): measured at 1,000,000 notes, the
 * index scan alone read ~1,800 pages and took 50–110 ms for terms held by 1 in 1,000 notes or by one.
 * The planner's other choice, the owner's notes newest first with a filter, reads 1/frequency rows per
 * match. So, as on SQLite (planPostgresLabelSearch):
 * 1. `sample`: one statement reads the newest PG_SEARCH_SAMPLE notes of the page's range and counts
 *    those holding `q` and those holding each 3-letter/digit piece of `q`.
 * 2. The range is no bigger than the sample, or `q` is in at least PG_SCAN_MIN_HITS of it (≳ 1.5 %):
 *    the notes are read newest first and tested with `strpos(lower(label), lower(q))` — the same test
 *    ILIKE makes on a UTF-8 database, and one the GIN index cannot serve, so the planner cannot pick a
 *    bitmap of all matches and a sort.
 * 3. Otherwise the GIN index is read with only the (up to 2) trigrams rarest in the sample (one
 *    `ILIKE '%abc%'` each), and each row found is tested for the whole term with strpos.
 * 4. A term with no such trigram (1–2 characters, punctuation, non-ASCII), or whose trigrams are all
 *    common, keeps plain ILIKE and the planner's choice (a rare one of those reads every note of the
 *    owner: pg_trgm cannot index it).
 * Every plan is one condition on the same keyset query: the order and the cursors are the list's.
 */
export const PG_SEARCH_SAMPLE = 128;
export const PG_SCAN_MIN_HITS = 2;
/** Two: a third posting list (often a long one) cost more GIN time than the heap visits it saved (measured). */
const PG_INDEX_TRIGRAMS = 2;
/** A trigram in more of the sample than this (10 %) is not worth an index scan. */
const PG_RARE_TRIGRAM_NOTES = PG_SEARCH_SAMPLE / 10;

/** The distinct 3-character pieces of `q` (lower case) that pg_trgm indexes as they are: ASCII letters and digits. */
export function indexableTrigrams(q: string): string[] {
  const lower = q.toLowerCase();
  const pieces = new Set<string>();
  for (let i = 0; i + 3 <= lower.length; i++) {
    const piece = lower.slice(i, i + 3);
    if (/^[a-z0-9]{3}$/.test(piece)) pieces.add(piece);
  }
  return spread([...pieces]);
}

async function planPostgresLabelSearch(db: Kysely<any>, q: string, scope: SearchScope): Promise<LabelSearch> {
  const holds = sql<SqlBool>`strpos(lower(n.label), lower(${q})) > 0`;
  const trigrams = indexableTrigrams(q);
  const { rows } = await sql<{ counts: Array<number | string> }>`
    select json_build_array(count(*), count(*) filter (where strpos(w.l, lower(${q})) > 0)
      ${sql.join(trigrams.map((t) => sql`, count(*) filter (where strpos(w.l, ${t}) > 0)`), sql``)}) as counts
    from (select lower(n.label) as l from notes n where ${scopeRange(scope)}
      order by n.created_at desc, n.id desc limit ${PG_SEARCH_SAMPLE}) w`.execute(db);
  const counts = (rows[0]?.counts ?? []).map(Number);
  const [sampled = 0, hits = 0] = counts;
  if (sampled < PG_SEARCH_SAMPLE || hits >= PG_SCAN_MIN_HITS) return { kind: 'scan', condition: holds };
  const rarest = trigrams
    .map((trigram, i) => ({ trigram, notes: counts[i + 2] ?? 0 }))
    .sort((a, b) => a.notes - b.notes)
    .slice(0, PG_INDEX_TRIGRAMS);
  // No trigram of `q` is rare (or none is indexable): pg_trgm's own plan, with its word-boundary trigrams, is the best there is.
  // Rare in the sample and nothing indexable (1–2 characters, punctuation, non-ASCII): walked a bounded stretch a page.
  if (rarest.length === 0) return { kind: 'walk', condition: labelContains('postgres', q) };
  if (rarest[0]!.notes > PG_RARE_TRIGRAM_NOTES) return { kind: 'scan', condition: labelContains('postgres', q) };
  // Each `ILIKE '%abc%'` is one trigram for the GIN index; the whole term is tested on the rows found.
  const index = rarest.map((r) => sql<SqlBool>`n.label ilike ${`%${r.trigram}%`}`);
  return { kind: 'scan', condition: sql<SqlBool>`${sql.join(index, sql` and `)} and ${holds}` };
}
