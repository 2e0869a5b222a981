import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  deleteSession,
  deleteSessionsForUser,
  findValidSession,
  insertSession,
  purgeExpiredSessions,
  touchSession,
} from '../../../src/adapters/db/repositories/sessions.js';
import { setDisabled } from '../../../src/adapters/db/repositories/users.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { createUser } from '../../helpers/storage-fixtures.js';

const idHash = () => createHash('sha256').update(randomBytes(32)).digest('hex');
const NOW = 1_764_000_000_000;
const HOUR = 3_600_000;

describe.each(DIALECTS)('sessions repository (%s)', (dialect) => {
  const t = useTestDatabase(dialect);

  it('finds a live session with its owner', async () => {
    const user = await createUser(t.db);
    const id = idHash();
    await insertSession(t.db, { id, userId: user.id, kind: 'cookie', createdAt: NOW, expiresAt: NOW + HOUR, ip: '192.0.2.1', userAgent: 'test' });
    expect(await findValidSession(t.db, id, NOW + 1)).toEqual({
      id,
      userId: user.id,
      kind: 'cookie',
      createdAt: NOW,
      expiresAt: NOW + HOUR,
      lastSeenAt: NOW,
      ip: '192.0.2.1',
      userAgent: 'test',
      user: { id: user.id, username: user.username, role: 'user', disabled: false },
    });
  });

  it('does not find an expired session, an unknown one, or one of a disabled user', async () => {
    const user = await createUser(t.db);
    const id = idHash();
    await insertSession(t.db, { id, userId: user.id, kind: 'login-token', createdAt: NOW, expiresAt: NOW + HOUR });
    expect(await findValidSession(t.db, id, NOW + HOUR)).toBeNull();
    expect(await findValidSession(t.db, idHash(), NOW)).toBeNull();
    expect(await findValidSession(t.db, id, NOW)).not.toBeNull();
    await setDisabled(t.db, user.id, true, NOW);
    expect(await findValidSession(t.db, id, NOW)).toBeNull();
  });

  it('touch records last use and can slide the expiry', async () => {
    const user = await createUser(t.db);
    const id = idHash();
    await insertSession(t.db, { id, userId: user.id, kind: 'cookie', createdAt: NOW, expiresAt: NOW + HOUR });
    expect(await touchSession(t.db, id, NOW + 10)).toBe(true);
    expect(await findValidSession(t.db, id, NOW + 10)).toMatchObject({ lastSeenAt: NOW + 10, expiresAt: NOW + HOUR });
    expect(await touchSession(t.db, id, NOW + 20, NOW + 2 * HOUR)).toBe(true);
    expect(await findValidSession(t.db, id, NOW + HOUR + 1)).toMatchObject({ lastSeenAt: NOW + 20, expiresAt: NOW + 2 * HOUR });
    expect(await touchSession(t.db, idHash(), NOW)).toBe(false);
  });

  it('deletes one session, or all of a user but one', async () => {
    const user = await createUser(t.db);
    const [a, b, c] = [idHash(), idHash(), idHash()];
    for (const id of [a, b, c]) await insertSession(t.db, { id, userId: user.id, kind: 'cookie', createdAt: NOW, expiresAt: NOW + HOUR });
    expect(await deleteSession(t.db, a)).toBe(true);
    expect(await deleteSession(t.db, a)).toBe(false);
    expect(await deleteSessionsForUser(t.db, user.id, c)).toBe(1);
    expect(await findValidSession(t.db, b, NOW)).toBeNull();
    expect(await findValidSession(t.db, c, NOW)).not.toBeNull();
    expect(await deleteSessionsForUser(t.db, user.id)).toBe(1);
  });

  it('cascades: deleting a user deletes their sessions', async () => {
    const user = await createUser(t.db);
    const id = idHash();
    await insertSession(t.db, { id, userId: user.id, kind: 'cookie', createdAt: NOW, expiresAt: NOW + HOUR });
    await t.db.deleteFrom('users').where('id', '=', user.id).execute();
    const left = await t.db.selectFrom('sessions').select('id').where('id', '=', id).execute();
    expect(left).toEqual([]);
  });

  it('refuses a session for a user that does not exist (foreign key)', async () => {
    await expect(insertSession(t.db, { id: idHash(), userId: 'nobody', kind: 'cookie', createdAt: NOW, expiresAt: NOW + 1 })).rejects.toThrow();
  });

  it('purges expired sessions only', async () => {
    const user = await createUser(t.db);
    const [old, live] = [idHash(), idHash()];
    await insertSession(t.db, { id: old, userId: user.id, kind: 'cookie', createdAt: 0, expiresAt: 10 });
    await insertSession(t.db, { id: live, userId: user.id, kind: 'cookie', createdAt: NOW, expiresAt: NOW + HOUR });
    expect(await purgeExpiredSessions(t.db, NOW)).toBeGreaterThanOrEqual(1);
    expect(await findValidSession(t.db, live, NOW)).not.toBeNull();
  });
});
