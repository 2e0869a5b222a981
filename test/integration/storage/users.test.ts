import { describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../../src/adapters/db/dialect.js';
import {
  countUsers,
  existingUsernames,
  findUserById,
  findUserByUsername,
  insertUser,
  insertUsers,
  setDisabled,
  setRole,
  updatePasswordHash,
  type NewUser,
} from '../../../src/adapters/db/repositories/users.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { createUser, newId, uniqueUsername } from '../../helpers/storage-fixtures.js';

function newUser(username: string, overrides: Partial<NewUser> = {}): NewUser {
  return { id: newId(), username, passwordHash: 'hash', role: 'user', createdAt: 1_700_000_000_000, ...overrides };
}

describe.each(DIALECTS)('users repository (%s)', (dialect) => {
  const t = useTestDatabase(dialect);

  it('inserts a user and finds it by id and by username', async () => {
    const user = newUser(uniqueUsername('alice'), { role: 'admin' });
    expect(await insertUser(t.db, user)).toBe(true);
    const expected = {
      id: user.id,
      username: user.username,
      passwordHash: 'hash',
      role: 'admin',
      disabled: false,
      createdAt: user.createdAt,
      updatedAt: user.createdAt,
    };
    expect(await findUserById(t.db, user.id)).toEqual(expected);
    expect(await findUserByUsername(t.db, user.username)).toEqual(expected);
    expect(await findUserById(t.db, 'missing')).toBeNull();
    expect(await findUserByUsername(t.db, 'missing')).toBeNull();
  });

  it('stores usernames lower-cased and finds them whatever the case', async () => {
    const name = uniqueUsername('bob');
    await insertUser(t.db, newUser(name.toUpperCase()));
    const found = await findUserByUsername(t.db, name.toUpperCase());
    expect(found?.username).toBe(name);
    expect((await findUserByUsername(t.db, name))?.id).toBe(found?.id);
  });

  it('refuses a username that differs only in case (returns false, no error)', async () => {
    const name = uniqueUsername('carol');
    expect(await insertUser(t.db, newUser(name))).toBe(true);
    expect(await insertUser(t.db, newUser(name.toUpperCase()))).toBe(false);
    expect(await existingUsernames(t.db, [name])).toEqual(new Set([name]));
  });

  it('enforces lower-case storage in the table itself (CHECK constraint)', async () => {
    await expect(
      t.db
        .insertInto('users')
        .values({ id: newId(), username: 'MiXeD', password_hash: 'h', role: 'user', created_at: 1, updated_at: 1 })
        .execute(),
    ).rejects.toThrow();
  });

  it('reports a racing duplicate insert as a unique violation on both engines', async () => {
    const name = uniqueUsername('dave');
    await insertUser(t.db, newUser(name));
    const error = await t.db
      .insertInto('users')
      .values({ id: newId(), username: name, password_hash: 'h', role: 'user', created_at: 1, updated_at: 1 })
      .execute()
      .catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('bulk-inserts 1,200 users in chunks, skipping taken and repeated names', async () => {
    const prefix = uniqueUsername('bulk');
    const taken = `${prefix}_taken`;
    await insertUser(t.db, newUser(taken));
    const names = Array.from({ length: 1_200 }, (_, i) => `${prefix}_${i}`);
    const batch = [...names.map((n) => newUser(n)), newUser(taken), newUser(names[5]!.toUpperCase())];
    const before = await countUsers(t.db);
    const inserted = await insertUsers(t.db, batch);
    expect(inserted).toEqual(new Set(names));
    expect(await countUsers(t.db)).toBe(before + 1_200);
    const existing = await existingUsernames(t.db, [...names, taken, `${prefix}_nobody`]);
    expect(existing.size).toBe(1_201);
    expect(existing.has(`${prefix}_nobody`)).toBe(false);
  });

  it('bulk insert inside a rolled-back transaction leaves nothing behind (atomic mode)', async () => {
    const prefix = uniqueUsername('atomic');
    const before = await countUsers(t.db);
    await expect(
      t.db.transaction().execute(async (trx) => {
        await insertUsers(trx, [newUser(`${prefix}_a`), newUser(`${prefix}_b`)]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await countUsers(t.db)).toBe(before);
  });

  it('counts users', async () => {
    const before = await countUsers(t.db);
    await createUser(t.db);
    expect(await countUsers(t.db)).toBe(before + 1);
  });

  it('changes role, disabled flag and password hash, stamping updated_at', async () => {
    const user = await createUser(t.db, { createdAt: 1_000 });
    expect(await setRole(t.db, user.id, 'admin', 2_000)).toBe(true);
    expect(await setDisabled(t.db, user.id, true, 3_000)).toBe(true);
    expect(await updatePasswordHash(t.db, user.id, 'new-hash', 4_000)).toBe(true);
    const found = await findUserById(t.db, user.id);
    expect(found).toMatchObject({ role: 'admin', disabled: true, passwordHash: 'new-hash', createdAt: 1_000, updatedAt: 4_000 });
    expect(await setDisabled(t.db, user.id, false, 5_000)).toBe(true);
    expect((await findUserById(t.db, user.id))?.disabled).toBe(false);
  });

  it('answers false when updating a user that does not exist', async () => {
    expect(await setRole(t.db, 'missing', 'admin', 1)).toBe(false);
    expect(await setDisabled(t.db, 'missing', true, 1)).toBe(false);
    expect(await updatePasswordHash(t.db, 'missing', 'h', 1)).toBe(false);
  });
});
