import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { appendAuditEvent, listAuditEvents } from '../../../src/adapters/db/repositories/audit.js';
import { countUsers, findUserById } from '../../../src/adapters/db/repositories/users.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { createUser } from '../../helpers/storage-fixtures.js';

describe.each(DIALECTS)('column types (%s)', (dialect) => {
  const t = useTestDatabase(dialect);

  it('BIGINT timestamps come back as exact JS numbers', async () => {
    const createdAt = 1_764_000_000_123; // beyond 2^32
    const user = await createUser(t.db, { createdAt });
    const found = await findUserById(t.db, user.id);
    expect(found?.createdAt).toBe(createdAt);
    expect(typeof found?.createdAt).toBe('number');
  });

  it('BIGINT values up to Number.MAX_SAFE_INTEGER round-trip as numbers', async () => {
    const at = Number.MAX_SAFE_INTEGER;
    const id = await appendAuditEvent(t.db, { at, event: 'types.max' });
    expect(typeof id).toBe('number');
    const page = await listAuditEvents(t.db, { event: 'types.max', limit: 10 });
    expect(page.items[0]?.at).toBe(at);
  });

  it('COUNT and SUM over BIGINT are numbers', async () => {
    expect(typeof (await countUsers(t.db))).toBe('number');
    const msats = 2_100_000_000_000_000; // 21M BTC in msat, below 2^53
    await appendAuditEvent(t.db, { at: msats, event: 'types.sum' });
    await appendAuditEvent(t.db, { at: 1, event: 'types.sum' });
    const row = await t.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.sum<number>('at').as('total'))
      .where('event', '=', 'types.sum')
      .executeTakeFirstOrThrow();
    expect(row.total).toBe(msats + 1);
  });

  it('flags are booleans to callers and 0/1 in the table', async () => {
    const user = await createUser(t.db);
    expect((await findUserById(t.db, user.id))?.disabled).toBe(false);
    const raw = await t.db.selectFrom('users').select('disabled').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(raw.disabled).toBe(0);
  });

  // PostgreSQL only: SQLite has no int8 parser to configure (better-sqlite3 reads INTEGER as number).
  if (dialect === 'postgres') it('an int8 beyond 2^53 fails loudly instead of losing precision', async () => {
    await expect(sql`select 9007199254740993::int8 as big`.execute(t.db)).rejects.toThrow(/MAX_SAFE_INTEGER/);
    // The pool survives the failed parse.
    const ok = await sql<{ n: number }>`select 42::int8 as n`.execute(t.db);
    expect(ok.rows[0]?.n).toBe(42);
  });
});
