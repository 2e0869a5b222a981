import { describe, expect, it } from 'vitest';
import {
  clearLoginFailures,
  getLoginFailure,
  lockLoginKey,
  purgeLoginFailures,
  recordLoginFailure,
} from '../../../src/adapters/db/repositories/login-failures.js';
import { createDatabase } from '../../../src/adapters/db/database.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { uniqueUsername } from '../../helpers/storage-fixtures.js';

const NOW = 1_764_000_000_000;
const WINDOW = 15 * 60_000;

describe.each(DIALECTS)('login failures repository (%s)', (dialect) => {
  const t = useTestDatabase(dialect);

  it('counts failures within a window and returns the new count', async () => {
    const key = `user:${uniqueUsername()}`;
    expect(await recordLoginFailure(t.db, key, NOW, WINDOW)).toBe(1);
    expect(await recordLoginFailure(t.db, key, NOW + 1_000, WINDOW)).toBe(2);
    expect(await recordLoginFailure(t.db, key, NOW + WINDOW - 1, WINDOW)).toBe(3);
    expect(await getLoginFailure(t.db, key)).toEqual({ key, count: 3, windowStart: NOW, lockedUntil: null });
  });

  it('starts a new window once the old one has passed', async () => {
    const key = `ip:${uniqueUsername()}`;
    await recordLoginFailure(t.db, key, NOW, WINDOW);
    await recordLoginFailure(t.db, key, NOW + 1, WINDOW);
    expect(await recordLoginFailure(t.db, key, NOW + WINDOW, WINDOW)).toBe(1);
    expect(await getLoginFailure(t.db, key)).toMatchObject({ count: 1, windowStart: NOW + WINDOW });
  });

  it('counts 50 concurrent failures exactly once each', async () => {
    const key = `user:${uniqueUsername('race')}`;
    const counts = await Promise.all(Array.from({ length: 50 }, () => recordLoginFailure(t.db, key, NOW, WINDOW)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await getLoginFailure(t.db, key))?.count).toBe(50);
  });

  it('counts concurrent failures from two instances (two pools) exactly once each', async () => {
    const second = await createDatabase(t.database.config);
    try {
      const key = `user:${uniqueUsername('instances')}`;
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => recordLoginFailure(i % 2 ? t.db : second.db, key, NOW, WINDOW)),
      );
      expect((await getLoginFailure(t.db, key))?.count).toBe(40);
    } finally {
      await second.close();
    }
  });

  it('locks a key, keeps the lock while counting, and clears everything', async () => {
    const key = `user:${uniqueUsername()}`;
    await lockLoginKey(t.db, key, NOW + 60_000, NOW);
    expect(await getLoginFailure(t.db, key)).toEqual({ key, count: 0, windowStart: NOW, lockedUntil: NOW + 60_000 });
    expect(await recordLoginFailure(t.db, key, NOW + 1, WINDOW)).toBe(1);
    expect((await getLoginFailure(t.db, key))?.lockedUntil).toBe(NOW + 60_000);
    await clearLoginFailures(t.db, key);
    expect(await getLoginFailure(t.db, key)).toBeNull();
  });

  it('purges old windows but keeps keys still locked', async () => {
    const [old, locked, fresh] = [`k:${uniqueUsername()}`, `k:${uniqueUsername()}`, `k:${uniqueUsername()}`];
    await recordLoginFailure(t.db, old, 1_000, WINDOW);
    await lockLoginKey(t.db, locked, NOW + 60_000, 1_000);
    await recordLoginFailure(t.db, fresh, NOW, WINDOW);
    expect(await purgeLoginFailures(t.db, NOW - WINDOW, NOW)).toBeGreaterThanOrEqual(1);
    expect(await getLoginFailure(t.db, old)).toBeNull();
    expect(await getLoginFailure(t.db, locked)).not.toBeNull();
    expect(await getLoginFailure(t.db, fresh)).not.toBeNull();
  });
});
