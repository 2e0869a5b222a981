/**
 * Sessions behind a browser cookie or a login token. The row id is sha256 hex of the secret the
 * client holds; callers hash before every call, the secret never reaches the database.
 */
import { fromFlag } from '../dialect.js';
import type { Db, Role, SessionKind, SessionRow } from '../schema.js';

export interface Session {
  id: string;
  userId: string;
  kind: SessionKind;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  ip: string | null;
  userAgent: string | null;
}

export interface NewSession {
  /** sha256 hex of the session secret. */
  id: string;
  userId: string;
  kind: SessionKind;
  createdAt: number;
  expiresAt: number;
  ip?: string | null;
  userAgent?: string | null;
}

/** A live session with the owner fields auth needs, read in one query. */
export interface ValidSession extends Session {
  user: { id: string; username: string; role: Role; disabled: boolean };
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastSeenAt: row.last_seen_at,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

export async function insertSession(db: Db, session: NewSession): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: session.id,
      user_id: session.userId,
      kind: session.kind,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
      last_seen_at: session.createdAt,
      ip: session.ip ?? null,
      user_agent: session.userAgent ?? null,
    })
    .execute();
}

/**
 * The session with this id hash if it has not expired at `now` and its user is not disabled
 * (fail closed: a disabled account's sessions stop working even before they are deleted).
 */
export async function findValidSession(db: Db, idHash: string, now: number): Promise<ValidSession | null> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('s')
    .select(['u.username', 'u.role', 'u.disabled'])
    .where('s.id', '=', idHash)
    .where('s.expires_at', '>', now)
    .where('u.disabled', '=', 0)
    .executeTakeFirst();
  if (!row) return null;
  const { username, role, disabled, ...session } = row;
  return { ...toSession(session), user: { id: row.user_id, username, role, disabled: fromFlag(disabled) } };
}

/** Records activity; with `expiresAt` it also slides the expiry. False when the session is gone. */
export async function touchSession(db: Db, idHash: string, now: number, expiresAt?: number): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set(expiresAt === undefined ? { last_seen_at: now } : { last_seen_at: now, expires_at: expiresAt })
    .where('id', '=', idHash)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteSession(db: Db, idHash: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('id', '=', idHash).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Ends every session of a user (password change, disable), optionally keeping one; returns how many. */
export async function deleteSessionsForUser(db: Db, userId: string, exceptIdHash?: string): Promise<number> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptIdHash !== undefined) query = query.where('id', '!=', exceptIdHash);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function purgeExpiredSessions(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
