import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, InvalidCursorError, toPage } from '../../../../src/adapters/db/cursor.js';
import { AppError } from '../../../../src/errors.js';

describe('keyset cursors', () => {
  it('round-trip text and integer ids', () => {
    expect(decodeCursor(encodeCursor({ createdAt: 1_764_000_000_000, id: 'AbC-_9' }))).toEqual({ createdAt: 1_764_000_000_000, id: 'AbC-_9' });
    expect(decodeCursor(encodeCursor({ createdAt: 5, id: 42 }), 'number')).toEqual({ createdAt: 5, id: 42 });
  });

  it('are opaque base64url', () => {
    expect(encodeCursor({ createdAt: 1, id: 'x' })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['not a pair', Buffer.from('[1]').toString('base64url')],
    ['fractional time', Buffer.from('[1.5,"a"]').toString('base64url')],
    ['time as string', Buffer.from('["1","a"]').toString('base64url')],
    ['empty id', Buffer.from('[1,""]').toString('base64url')],
    ['object', Buffer.from('{"a":1}').toString('base64url')],
    ['too long', 'a'.repeat(600)],
  ])('refuse a cursor that is %s with InvalidCursorError (400 invalid_cursor)', (_, cursor) => {
    let error: unknown;
    try {
      decodeCursor(cursor);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidCursorError);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(400);
    expect((error as AppError).code).toBe('invalid_cursor');
  });

  it('refuse an id of the wrong type for the collection', () => {
    expect(() => decodeCursor(encodeCursor({ createdAt: 1, id: 7 }))).toThrow(InvalidCursorError);
    expect(() => decodeCursor(encodeCursor({ createdAt: 1, id: 'a' }), 'number')).toThrow(InvalidCursorError);
  });

  it('toPage keeps `limit` rows and points next at the last one kept', () => {
    const rows = [1, 2, 3].map((n) => ({ at: n, id: `r${n}` }));
    const key = (r: { at: number; id: string }) => ({ createdAt: r.at, id: r.id });
    expect(toPage(rows, 3, key)).toEqual({ items: rows });
    const page = toPage(rows, 2, key);
    expect(page.items).toEqual(rows.slice(0, 2));
    expect(decodeCursor(page.next!)).toEqual({ createdAt: 2, id: 'r2' });
  });
});
