/**
 * Failed-login counters in the database: shared by every instance, and the fallback when Redis is
 * down (SPEC: login throttling fails closed). Thresholds and lock lengths are the domain's; this file
 * only counts, atomically.
 */
import type { Db, LoginFailureRow } from '../schema.js';

export interface LoginFailure {
  key: string;
  count: number;
  windowStart: number;
  lockedUntil: number | null;
}

function toLoginFailure(row: LoginFailureRow): LoginFailure {
  return { key: row.key, count: row.count, windowStart: row.window_start, lockedUntil: row.locked_until };
}

/**
 * Counts one failure for `key` in a fixed window of `windowMs` starting at its first failure, and
 * returns the count including this one. A single upsert, so concurrent failures on any number of
 * instances are each counted exactly once (the row lock of ON CONFLICT DO UPDATE on PostgreSQL,
 * the single writer on SQLite).
 */
export async function recordLoginFailure(db: Db, key: string, now: number, windowMs: number): Promise<number> {
  const windowExpired = now - windowMs;
  const row = await db
    .insertInto('login_failures')
    .values({ key, count: 1, window_start: now, locked_until: null })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        count: eb
          .case()
          .when('login_failures.window_start', '<=', windowExpired)
          .then(1)
          .else(eb(eb.ref('login_failures.count'), '+', 1))
          .end(),
        window_start: eb
          .case()
          .when('login_failures.window_start', '<=', windowExpired)
          .then(now)
          .else(eb.ref('login_failures.window_start'))
          .end(),
      })),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return row.count;
}

export async function getLoginFailure(db: Db, key: string): Promise<LoginFailure | null> {
  const row = await db.selectFrom('login_failures').selectAll().where('key', '=', key).executeTakeFirst();
  return row ? toLoginFailure(row) : null;
}

/** Locks `key` until `until` (ms); the counter row is created if missing. */
export async function lockLoginKey(db: Db, key: string, until: number, now: number): Promise<void> {
  await db
    .insertInto('login_failures')
    .values({ key, count: 0, window_start: now, locked_until: until })
    .onConflict((oc) => oc.column('key').doUpdateSet({ locked_until: until }))
    .execute();
}

/** Forgets `key` (a successful login). */
export async function clearLoginFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', key).execute();
}

/** Drops counters whose window started before `before` and that are not locked past `now`. */
export async function purgeLoginFailures(db: Db, before: number, now: number): Promise<number> {
  const result = await db
    .deleteFrom('login_failures')
    .where('window_start', '<', before)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
