import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../../src/adapters/db/cursor.js';
import { isUniqueViolation } from '../../../src/adapters/db/dialect.js';
import {
  findApiToken,
  findApiTokenByHash,
  insertApiToken,
  listApiTokens,
  revokeApiToken,
  touchApiTokenLastUsed,
  type NewApiToken,
} from '../../../src/adapters/db/repositories/api-tokens.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { createUser, newId } from '../../helpers/storage-fixtures.js';

const NOW = 1_764_000_000_000;

function newToken(userId: string, overrides: Partial<NewApiToken> = {}): NewApiToken {
  return { id: newId(), userId, name: 'ci', tokenHash: newId(), scopes: ['read', 'write'], createdAt: NOW, ...overrides };
}

describe.each(DIALECTS)('api tokens repository (%s)', (dialect) => {
  const t = useTestDatabase(dialect);

  it('inserts a token and finds it by hash with its owner, and by owner + id', async () => {
    const user = await createUser(t.db);
    const token = newToken(user.id, { expiresAt: NOW + 1_000 });
    await insertApiToken(t.db, token);
    const expected = {
      id: token.id,
      userId: user.id,
      name: 'ci',
      tokenHash: token.tokenHash,
      scopes: ['read', 'write'],
      createdAt: NOW,
      lastUsedAt: null,
      expiresAt: NOW + 1_000,
      revokedAt: null,
    };
    expect(await findApiTokenByHash(t.db, token.tokenHash)).toEqual({
      ...expected,
      user: { id: user.id, username: user.username, role: 'user', disabled: false },
    });
    expect(await findApiToken(t.db, user.id, token.id)).toEqual(expected);
    expect(await findApiTokenByHash(t.db, 'unknown')).toBeNull();
  });

  it('hides a token from another user (owner-scoped reads and revokes)', async () => {
    const [owner, other] = [await createUser(t.db), await createUser(t.db)];
    const token = newToken(owner.id);
    await insertApiToken(t.db, token);
    expect(await findApiToken(t.db, other.id, token.id)).toBeNull();
    expect(await revokeApiToken(t.db, other.id, token.id, NOW)).toBe(false);
    expect((await findApiToken(t.db, owner.id, token.id))?.revokedAt).toBeNull();
  });

  it('keeps token hashes unique', async () => {
    const user = await createUser(t.db);
    const token = newToken(user.id);
    await insertApiToken(t.db, token);
    const error = await insertApiToken(t.db, newToken(user.id, { tokenHash: token.tokenHash })).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('revokes once', async () => {
    const user = await createUser(t.db);
    const token = newToken(user.id);
    await insertApiToken(t.db, token);
    expect(await revokeApiToken(t.db, user.id, token.id, NOW + 5)).toBe(true);
    expect(await revokeApiToken(t.db, user.id, token.id, NOW + 6)).toBe(false);
    expect((await findApiTokenByHash(t.db, token.tokenHash))?.revokedAt).toBe(NOW + 5);
  });

  it('touches last use, at most once per interval when asked', async () => {
    const user = await createUser(t.db);
    const token = newToken(user.id, { scopes: ['read'] });
    await insertApiToken(t.db, token);
    expect(await touchApiTokenLastUsed(t.db, token.id, NOW + 1_000, 60_000)).toBe(true);
    expect(await touchApiTokenLastUsed(t.db, token.id, NOW + 2_000, 60_000)).toBe(false);
    expect(await touchApiTokenLastUsed(t.db, token.id, NOW + 61_000, 60_000)).toBe(true);
    expect(await touchApiTokenLastUsed(t.db, token.id, NOW + 61_001)).toBe(true);
    expect(await findApiTokenByHash(t.db, token.tokenHash)).toMatchObject({ lastUsedAt: NOW + 61_001, scopes: ['read'] });
  });

  it('pages 1,000 tokens newest first, each exactly once, with inserts between pages', async () => {
    const user = await createUser(t.db);
    // Seven tokens share each millisecond, so (created_at, id) must break ties.
    const tokens = Array.from({ length: 1_000 }, (_, i) => newToken(user.id, { createdAt: NOW + Math.floor(i / 7), name: `t${i}` }));
    await t.db.transaction().execute(async (trx) => {
      for (const token of tokens) await insertApiToken(trx, token);
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let lastCreatedAt = Infinity;
    do {
      const page = await listApiTokens(t.db, user.id, { limit: 37, ...(cursor ? { cursor } : {}) });
      for (const item of page.items) {
        // Ids break ties in the database's collation, so only the time order is checked here.
        expect(item.createdAt).toBeLessThanOrEqual(lastCreatedAt);
        lastCreatedAt = item.createdAt;
        seen.push(item.id);
      }
      // Tokens arriving between requests: newer ones land before the cursor, older ones may come in a
      // later page; neither repeats nor shifts the original rows still to come.
      await insertApiToken(t.db, newToken(user.id, { createdAt: NOW + 10_000 + pages }));
      await insertApiToken(t.db, newToken(user.id, { createdAt: NOW + Math.floor(Math.random() * 143), name: 'late' }));
      cursor = page.next;
      pages++;
    } while (cursor);
    const original = new Set(tokens.map((tok) => tok.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => original.has(id))).toHaveLength(1_000);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(1_000 / 37));
  });

  it('answers an empty page without next, and a bad cursor with InvalidCursorError', async () => {
    const user = await createUser(t.db);
    expect(await listApiTokens(t.db, user.id, { limit: 10 })).toEqual({ items: [] });
    await expect(listApiTokens(t.db, user.id, { limit: 10, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
