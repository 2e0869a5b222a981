import { describe, expect, it } from 'vitest';
import { encodeCursor, InvalidCursorError } from '../../../src/adapters/db/cursor.js';
import { appendAuditEvent, appendAuditEvents, listAuditEvents } from '../../../src/adapters/db/repositories/audit.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { newId } from '../../helpers/storage-fixtures.js';

const NOW = 1_764_000_000_000;

describe.each(DIALECTS)('audit repository (%s)', (dialect) => {
  const t = useTestDatabase(dialect);

  it('appends an event and reads it back with its JSON detail', async () => {
    const userId = newId();
    const id = await appendAuditEvent(t.db, {
      at: NOW,
      userId,
      actorId: 'admin-1',
      event: 'user.role_changed',
      ip: '2001:db8::1',
      detail: { from: 'user', to: 'admin', n: 1 },
    });
    expect(typeof id).toBe('number');
    const page = await listAuditEvents(t.db, { userId, limit: 10 });
    expect(page).toEqual({
      items: [{ id, at: NOW, userId, actorId: 'admin-1', event: 'user.role_changed', ip: '2001:db8::1', detail: { from: 'user', to: 'admin', n: 1 } }],
    });
  });

  it('stores optional fields as null', async () => {
    await appendAuditEvent(t.db, { at: NOW, event: 'system.started' });
    const page = await listAuditEvents(t.db, { event: 'system.started', limit: 1 });
    expect(page.items[0]).toMatchObject({ userId: null, actorId: null, ip: null, detail: null });
  });

  it('pages 1,000 events newest first, each exactly once, with appends between pages', async () => {
    const userId = newId();
    await appendAuditEvents(
      t.db,
      Array.from({ length: 1_000 }, (_, i) => ({ at: NOW + Math.floor(i / 3), userId, event: 'paging', detail: { i } })),
    );
    const seen: number[] = [];
    let cursor: string | undefined;
    let previous: { at: number; id: number } | undefined;
    do {
      const page = await listAuditEvents(t.db, { userId, event: 'paging', limit: 64, ...(cursor ? { cursor } : {}) });
      for (const e of page.items) {
        if (previous) expect(e.at < previous.at || (e.at === previous.at && e.id < previous.id)).toBe(true);
        previous = { at: e.at, id: e.id };
        seen.push((e.detail as { i: number }).i);
      }
      await appendAuditEvent(t.db, { at: NOW + 5_000, userId, event: 'paging', detail: { i: -1 } });
      cursor = page.next;
    } while (cursor);
    expect(seen).toHaveLength(1_000);
    expect(new Set(seen).size).toBe(1_000);
  });

  it('refuses a cursor of another collection (text id) and garbage', async () => {
    await expect(listAuditEvents(t.db, { limit: 5, cursor: encodeCursor({ createdAt: 1, id: 'abc' }) })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(listAuditEvents(t.db, { limit: 5, cursor: '!!!' })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
