/**
 * The one place that knows SQLite and PostgreSQL differ. The dialect is always taken from config
 * (`createDatabase`), never sniffed from a connection. Everything the repositories write is portable
 * SQL (ON CONFLICT … DO NOTHING/UPDATE, RETURNING, row-value comparison — SQLite ≥ 3.35 and PG ≥ 9.5),
 * so what is left here is how values and errors are represented.
 */
import type { Flag } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** Booleans are stored as 0/1 integers on both engines (SQLite has no boolean type). */
export function toFlag(value: boolean): Flag {
  return value ? 1 : 0;
}

export function fromFlag(value: number): boolean {
  return value !== 0;
}

/**
 * A UNIQUE or PRIMARY KEY violation, whichever engine raised it. Prefer `ON CONFLICT DO NOTHING`
 * in repositories; this is for the callers that must map a race onto 409.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  // pg: SQLSTATE 23505 unique_violation. better-sqlite3: extended result codes.
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A FOREIGN KEY violation (pg 23503, SQLite SQLITE_CONSTRAINT_FOREIGNKEY). */
export function isForeignKeyViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * Rows per multi-row INSERT. SQLite allows 32,766 bound parameters per statement, PostgreSQL 65,535;
 * 500 rows of ≤ 10 columns stays far below both and keeps each statement's plan small.
 */
export const ROWS_PER_INSERT = 500;

export function inChunks<T>(items: readonly T[], size = ROWS_PER_INSERT): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
