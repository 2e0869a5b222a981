/**
 * Idempotency-Key records (IETF httpapi draft; SPEC: Lightning). A key is claimed with one INSERT …
 * ON CONFLICT DO NOTHING, so of two concurrent requests with the same key on any instances exactly one
 * starts; the other reads the existing record and the HTTP layer answers 409 (running), 422 (another
 * body) or the stored response.
 */
import type { Db, IdempotencyKeyRow, IdempotencyStatus } from '../schema.js';

export interface IdempotencyScope {
  userId: string;
  route: string;
  key: string;
}

export interface IdempotencyRecord extends IdempotencyScope {
  requestHash: string;
  status: IdempotencyStatus;
  responseStatus: number | null;
  responseBody: string | null;
  createdAt: number;
}

function toRecord(row: IdempotencyKeyRow): IdempotencyRecord {
  return {
    userId: row.user_id,
    route: row.route,
    key: row.key,
    requestHash: row.request_hash,
    status: row.status,
    responseStatus: row.response_status,
    responseBody: row.response_body,
    createdAt: row.created_at,
  };
}

export async function findIdempotencyKey(db: Db, scope: IdempotencyScope): Promise<IdempotencyRecord | null> {
  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('user_id', '=', scope.userId)
    .where('route', '=', scope.route)
    .where('key', '=', scope.key)
    .executeTakeFirst();
  return row ? toRecord(row) : null;
}

/**
 * Claims the key: 'started' when this call created the record (status running), otherwise the
 * record that was there first.
 */
export async function tryBeginIdempotent(
  db: Db,
  scope: IdempotencyScope & { requestHash: string; now: number },
): Promise<'started' | IdempotencyRecord> {
  // A record purged between the failed INSERT and the SELECT is claimed again; two rounds suffice.
  for (let attempt = 0; attempt < 3; attempt++) {
    const claimed = await db
      .insertInto('idempotency_keys')
      .values({
        user_id: scope.userId,
        route: scope.route,
        key: scope.key,
        request_hash: scope.requestHash,
        status: 'running',
        response_status: null,
        response_body: null,
        created_at: scope.now,
      })
      .onConflict((oc) => oc.columns(['user_id', 'route', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (claimed) return 'started';
    const existing = await findIdempotencyKey(db, scope);
    if (existing) return existing;
  }
  throw new Error(`idempotency key ${scope.key} could neither be claimed nor read`);
}

/** Stores the response of a started request; false when the record is gone (purged or released). */
export async function completeIdempotent(
  db: Db,
  scope: IdempotencyScope,
  response: { status: number; body: string },
): Promise<boolean> {
  const result = await db
    .updateTable('idempotency_keys')
    .set({ status: 'done', response_status: response.status, response_body: response.body })
    .where('user_id', '=', scope.userId)
    .where('route', '=', scope.route)
    .where('key', '=', scope.key)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Drops a running claim whose request failed before producing an answer worth replaying. */
export async function releaseIdempotent(db: Db, scope: IdempotencyScope): Promise<boolean> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('user_id', '=', scope.userId)
    .where('route', '=', scope.route)
    .where('key', '=', scope.key)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Deletes records created before `cutoff` (SPEC: keep ≥ 24 h); returns how many. */
export async function purgeIdempotencyKeysOlderThan(db: Db, cutoff: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Drops one record created before `cutoff` (only a running one with `onlyRunning`): an expired key, or a
 * claim whose request died with its instance. Conditional, so of two instances at most one drops it.
 */
export async function discardIdempotentOlderThan(db: Db, scope: IdempotencyScope, cutoff: number, onlyRunning: boolean): Promise<boolean> {
  let query = db
    .deleteFrom('idempotency_keys')
    .where('user_id', '=', scope.userId)
    .where('route', '=', scope.route)
    .where('key', '=', scope.key)
    .where('created_at', '<', cutoff);
  if (onlyRunning) query = query.where('status', '=', 'running');
  const result = await query.executeTakeFirst();
  return result.numDeletedRows > 0n;
}
