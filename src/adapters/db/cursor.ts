/**
 * Opaque keyset cursors (SPEC: collections answer `{items, next?}` with `?cursor=`). A cursor is the
 * (created_at, id) of the last row of a page, base64url-encoded JSON; clients must not read it.
 * Keyset rather than OFFSET: a page costs the same at row 1 and row 1,000,000, and rows inserted
 * between two requests neither repeat nor shift the rows still to come.
 */
import { AppError } from '../../errors.js';

export interface CursorKey {
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** The row's id: text ids (users, tokens) or integer ids (audit events). */
  id: string | number;
}

export interface Page<T> {
  items: T[];
  next?: string;
}

/** A cursor that was not made by encodeCursor → 400 invalid_cursor. */
export class InvalidCursorError extends AppError {
  constructor() {
    super('invalid_cursor', 'The cursor is not one this server handed out');
    this.name = 'InvalidCursorError';
  }
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.createdAt, key.id]), 'utf8').toString('base64url');
}

const MAX_CURSOR_LENGTH = 512;

/** Reads a cursor back; `idType` is the table's id type, so a cursor of another collection is refused too. */
export function decodeCursor(cursor: string, idType: 'number'): { createdAt: number; id: number };
export function decodeCursor(cursor: string, idType?: 'string'): { createdAt: number; id: string };
export function decodeCursor(cursor: string, idType: 'string' | 'number' = 'string'): CursorKey {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw new InvalidCursorError();
  const [createdAt, id] = parsed as [unknown, unknown];
  if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt)) throw new InvalidCursorError();
  const idOk =
    idType === 'string'
      ? typeof id === 'string' && id.length > 0 && id.length <= 128
      : typeof id === 'number' && Number.isSafeInteger(id);
  if (!idOk) throw new InvalidCursorError();
  return { createdAt, id: id as string | number };
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only tells that a next page exists.
 * `keyOf` gives the row's cursor key.
 */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => CursorKey): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next: encodeCursor(keyOf(items[items.length - 1]!)) };
}
