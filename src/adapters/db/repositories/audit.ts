/** The append-only audit trail: sign-ins, token and role changes, bulk imports. `detail` is stored as JSON. */
import { decodeCursor, toPage, type Page } from '../cursor.js';
import { inChunks } from '../dialect.js';
import type { AuditEventRow, Db } from '../schema.js';

export interface AuditEvent {
  id: number;
  at: number;
  /** The user the event is about. */
  userId: string | null;
  /** Who did it, when not the user themself (an admin). */
  actorId: string | null;
  event: string;
  ip: string | null;
  detail: unknown;
}

export interface NewAuditEvent {
  at: number;
  userId?: string | null;
  actorId?: string | null;
  event: string;
  ip?: string | null;
  /** Anything JSON-serialisable; never secrets. */
  detail?: unknown;
}

function toRow(e: NewAuditEvent) {
  return {
    at: e.at,
    user_id: e.userId ?? null,
    actor_id: e.actorId ?? null,
    event: e.event,
    ip: e.ip ?? null,
    detail: e.detail === undefined ? null : JSON.stringify(e.detail),
  };
}

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    userId: row.user_id,
    actorId: row.actor_id,
    event: row.event,
    ip: row.ip,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as unknown),
  };
}

export async function appendAuditEvent(db: Db, event: NewAuditEvent): Promise<number> {
  const row = await db.insertInto('audit_events').values(toRow(event)).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Many events with one INSERT per 500 (e.g. a bulk user import). */
export async function appendAuditEvents(db: Db, events: readonly NewAuditEvent[]): Promise<void> {
  for (const chunk of inChunks(events)) await db.insertInto('audit_events').values(chunk.map(toRow)).execute();
}

/** Newest first, keyset-paged on (at, id); optionally only one user's or one kind of event. */
export async function listAuditEvents(
  db: Db,
  options: { userId?: string; event?: string; cursor?: string; limit: number },
): Promise<Page<AuditEvent>> {
  let query = db.selectFrom('audit_events').selectAll();
  if (options.userId !== undefined) query = query.where('user_id', '=', options.userId);
  if (options.event !== undefined) query = query.where('event', '=', options.event);
  if (options.cursor !== undefined) {
    const after = decodeCursor(options.cursor, 'number');
    query = query.where((eb) => eb(eb.refTuple('at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
  }
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit + 1).execute();
  return toPage(rows.map(toAuditEvent), options.limit, (e) => ({ createdAt: e.at, id: e.id }));
}
