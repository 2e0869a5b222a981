/**
 * The users table. Usernames are lower-cased on the way in and on lookup, so uniqueness and search
 * are case-insensitive on both engines (SPEC: "case-insensitive unique"). No rules live here: who may
 * register, password policy and the first-admin decision belong to the accounts domain.
 */
import { fromFlag, inChunks, toFlag } from '../dialect.js';
import type { Db, Role, UserRow } from '../schema.js';

export interface User {
  id: string;
  username: string;
  passwordHash: string;
  role: Role;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface NewUser {
  id: string;
  username: string;
  passwordHash: string;
  role: Role;
  disabled?: boolean;
  createdAt: number;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    role: row.role,
    disabled: fromFlag(row.disabled),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(user: NewUser) {
  return {
    id: user.id,
    username: user.username.toLowerCase(),
    password_hash: user.passwordHash,
    role: user.role,
    disabled: toFlag(user.disabled ?? false),
    created_at: user.createdAt,
    updated_at: user.createdAt,
  };
}

/** Inserts one user; false when the username is taken (race-safe: ON CONFLICT DO NOTHING, no error to catch). */
export async function insertUser(db: Db, user: NewUser): Promise<boolean> {
  const inserted = await db
    .insertInto('users')
    .values(toRow(user))
    .onConflict((oc) => oc.column('username').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Inserts many users with one multi-row INSERT per 500; a username already taken (or repeated in the
 * batch) is skipped, not an error. Returns the lower-cased usernames actually inserted, so the caller
 * can report the others as taken. Wrap in a transaction for all-or-none.
 */
export async function insertUsers(db: Db, users: readonly NewUser[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const chunk of inChunks(users)) {
    const rows = await db
      .insertInto('users')
      .values(chunk.map(toRow))
      .onConflict((oc) => oc.column('username').doNothing())
      .returning('username')
      .execute();
    for (const row of rows) inserted.add(row.username);
  }
  return inserted;
}

export async function findUserByUsername(db: Db, username: string): Promise<User | null> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', username.toLowerCase())
    .executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function findUserById(db: Db, id: string): Promise<User | null> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Which of `usernames` exist already (lower-cased), one query per 500 names. */
export async function existingUsernames(db: Db, usernames: readonly string[]): Promise<Set<string>> {
  const wanted = [...new Set(usernames.map((u) => u.toLowerCase()))];
  const found = new Set<string>();
  for (const chunk of inChunks(wanted)) {
    const rows = await db.selectFrom('users').select('username').where('username', 'in', chunk).execute();
    for (const row of rows) found.add(row.username);
  }
  return found;
}

/** Each returns false when no user has that id. */
export async function setRole(db: Db, id: string, role: Role, now: number): Promise<boolean> {
  const result = await db.updateTable('users').set({ role, updated_at: now }).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function setDisabled(db: Db, id: string, disabled: boolean, now: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ disabled: toFlag(disabled), updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function updatePasswordHash(db: Db, id: string, passwordHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ password_hash: passwordHash, updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
