/**
 * Named API tokens (SPEC: `POST /api/auth/tokens`). Only sha256 of the token is stored. Reads are
 * owner-scoped by `userId` where the API is (GET/DELETE answer 404 for another user's token).
 */
import { decodeCursor, toPage, type Page } from '../cursor.js';
import { fromFlag } from '../dialect.js';
import type { ApiTokenRow, Db, Role } from '../schema.js';

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface NewApiToken {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  scopes: readonly string[];
  createdAt: number;
  expiresAt?: number | null;
}

export interface ApiTokenWithUser extends ApiToken {
  user: { id: string; username: string; role: Role; disabled: boolean };
}

function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    tokenHash: row.token_hash,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export async function insertApiToken(db: Db, token: NewApiToken): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({
      id: token.id,
      user_id: token.userId,
      name: token.name,
      token_hash: token.tokenHash,
      scopes: token.scopes.join(' '),
      created_at: token.createdAt,
      expires_at: token.expiresAt ?? null,
    })
    .execute();
}

/**
 * The token with this hash and its owner, whatever its state: the caller refuses revoked, expired
 * or disabled-owner tokens (all fields are here to decide).
 */
export async function findApiTokenByHash(db: Db, tokenHash: string): Promise<ApiTokenWithUser | null> {
  const row = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .selectAll('t')
    .select(['u.username', 'u.role', 'u.disabled'])
    .where('t.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return null;
  const { username, role, disabled, ...token } = row;
  return { ...toApiToken(token), user: { id: row.user_id, username, role, disabled: fromFlag(disabled) } };
}

export async function findApiToken(db: Db, userId: string, id: string): Promise<ApiToken | null> {
  const row = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? toApiToken(row) : null;
}

/** A user's tokens, newest first, keyset-paged on (created_at, id). */
export async function listApiTokens(
  db: Db,
  userId: string,
  options: { cursor?: string; limit: number },
): Promise<Page<ApiToken>> {
  let query = db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId);
  if (options.cursor !== undefined) {
    const after = decodeCursor(options.cursor);
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute();
  return toPage(rows.map(toApiToken), options.limit, (t) => ({ createdAt: t.createdAt, id: t.id }));
}

/** Revokes the user's token once; false when it is not theirs, unknown or already revoked. */
export async function revokeApiToken(db: Db, userId: string, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Records use of a token. With `minIntervalMs` the row is written only when the stored value is older,
 * so a busy token costs one write per interval rather than one per request.
 */
export async function touchApiTokenLastUsed(db: Db, id: string, now: number, minIntervalMs = 0): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', now - minIntervalMs)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
