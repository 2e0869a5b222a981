/**
 * Multi-row INSERTs for the Lightning bulk path with their SQL compiled once. Kysely builds and compiles
 * a query tree for every INSERT (~10 µs a row of 12 columns here, a quarter of what storing an invoice
 * costs on SQLite); the text of an n-row INSERT into a table only depends on the dialect and on n, so it
 * is compiled by Kysely once (for the dialect of the Db it runs on) and reused with new parameters.
 */
import type { CompiledQuery } from 'kysely';
import { LRUCache } from 'lru-cache';
import { inChunks } from '../dialect.js';
import type { Db, Schema } from '../schema.js';

type LightningTable = 'lightning_invoices' | 'lightning_preimages';

// Keyed by placeholder style (pg `$n` or sqlite `?`), table, column list and row count.
const templates = new LRUCache<string, CompiledQuery>({ max: 64 });
const styleOf = new WeakMap<Db, 'pg' | 'sqlite'>();

function placeholderStyle(db: Db, table: LightningTable, row: Record<string, unknown>): 'pg' | 'sqlite' {
  let style = styleOf.get(db);
  if (!style) {
    style = db.insertInto(table).values(row as never).compile().sql.includes('$1') ? 'pg' : 'sqlite';
    styleOf.set(db, style);
  }
  return style;
}

/**
 * Inserts `rows` (plain objects with the same keys in the same order) into `table`, ≤ 500 a statement, on
 * `db` (a transaction when the caller is in one). A failing row fails its statement, as with Kysely.
 */
export async function insertRows<T extends LightningTable>(db: Db, table: T, rows: ReadonlyArray<Record<keyof Schema[T] & string, unknown>>): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const style = placeholderStyle(db, table, rows[0]!);
  for (const chunk of inChunks(rows)) {
    const key = `${style}|${table}|${columns.join(',')}|${chunk.length}`;
    let template = templates.get(key);
    if (!template) {
      template = db.insertInto(table).values(chunk as never).compile();
      templates.set(key, template);
    }
    const parameters: unknown[] = new Array(chunk.length * columns.length);
    let at = 0;
    for (const row of chunk) for (const column of columns) parameters[at++] = (row as Record<string, unknown>)[column];
    // A template that does not take one parameter per cell (a value Kysely would inline) is not reused.
    if (template.parameters.length !== parameters.length) await db.insertInto(table).values(chunk as never).execute();
    else await db.executeQuery({ ...template, parameters });
  }
}
