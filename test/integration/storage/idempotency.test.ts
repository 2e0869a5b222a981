import { describe, expect, it } from 'vitest';
import {
  completeIdempotent,
  findIdempotencyKey,
  purgeIdempotencyKeysOlderThan,
  releaseIdempotent,
  tryBeginIdempotent,
} from '../../../src/adapters/db/repositories/idempotency.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { createUser, newId } from '../../helpers/storage-fixtures.js';

const NOW = 1_764_000_000_000;
const ROUTE = 'POST /api/lightning/invoices';

describe.each(DIALECTS)('idempotency repository (%s)', (dialect) => {
  const t = useTestDatabase(dialect);

  it('starts once; a second begin sees the running record, then the stored answer', async () => {
    const user = await createUser(t.db);
    const scope = { userId: user.id, route: ROUTE, key: newId() };
    expect(await tryBeginIdempotent(t.db, { ...scope, requestHash: 'h1', now: NOW })).toBe('started');
    expect(await tryBeginIdempotent(t.db, { ...scope, requestHash: 'h2', now: NOW + 1 })).toEqual({
      ...scope,
      requestHash: 'h1',
      status: 'running',
      responseStatus: null,
      responseBody: null,
      createdAt: NOW,
    });
    const body = '{"id":"inv_1","amountMsat":1000}';
    expect(await completeIdempotent(t.db, scope, { status: 201, body })).toBe(true);
    expect(await completeIdempotent(t.db, scope, { status: 500, body: 'x' })).toBe(false);
    expect(await tryBeginIdempotent(t.db, { ...scope, requestHash: 'h1', now: NOW + 2 })).toMatchObject({
      status: 'done',
      responseStatus: 201,
      responseBody: body,
    });
  });

  it('scopes keys to user and route', async () => {
    const [a, b] = [await createUser(t.db), await createUser(t.db)];
    const key = newId();
    expect(await tryBeginIdempotent(t.db, { userId: a.id, route: ROUTE, key, requestHash: 'h', now: NOW })).toBe('started');
    expect(await tryBeginIdempotent(t.db, { userId: b.id, route: ROUTE, key, requestHash: 'h', now: NOW })).toBe('started');
    expect(await tryBeginIdempotent(t.db, { userId: a.id, route: `${ROUTE}/bulk`, key, requestHash: 'h', now: NOW })).toBe('started');
  });

  it('lets exactly one of 20 concurrent begins start', async () => {
    const user = await createUser(t.db);
    const scope = { userId: user.id, route: ROUTE, key: newId(), requestHash: 'h', now: NOW };
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => tryBeginIdempotent(t.db, scope)));
    expect(outcomes.filter((o) => o === 'started')).toHaveLength(1);
  });

  it('releases a running claim so the key can start again', async () => {
    const user = await createUser(t.db);
    const scope = { userId: user.id, route: ROUTE, key: newId() };
    await tryBeginIdempotent(t.db, { ...scope, requestHash: 'h', now: NOW });
    expect(await releaseIdempotent(t.db, scope)).toBe(true);
    expect(await findIdempotencyKey(t.db, scope)).toBeNull();
    expect(await tryBeginIdempotent(t.db, { ...scope, requestHash: 'h', now: NOW })).toBe('started');
  });

  it('purges records older than the cutoff only', async () => {
    const user = await createUser(t.db);
    const old = { userId: user.id, route: ROUTE, key: newId() };
    const recent = { userId: user.id, route: ROUTE, key: newId() };
    await tryBeginIdempotent(t.db, { ...old, requestHash: 'h', now: 1_000 });
    await tryBeginIdempotent(t.db, { ...recent, requestHash: 'h', now: NOW });
    expect(await purgeIdempotencyKeysOlderThan(t.db, NOW - 24 * 3_600_000)).toBeGreaterThanOrEqual(1);
    expect(await findIdempotencyKey(t.db, old)).toBeNull();
    expect(await findIdempotencyKey(t.db, recent)).not.toBeNull();
  });
});
