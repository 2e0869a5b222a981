/**
 * Several instances as one service (issue 9): two Satchel instances on ONE database and ONE real
 * redis-server behave as one. A token from A works on B; a rename on B is seen at once on A although A
 * had the wallet and its address range cached; an Idempotency-Key replay on B answers A's bytes and
 * creates nothing; a lock-out reached on A holds on B; an async import accepted by A is reported by B;
 * a logout on B ends the session on A. And two instances starting at once on a fresh database both
 * come up, the migrations applied once (one migrates under the lock, the other waits). Runs on
 * PostgreSQL (the scaled mode) and on one SQLite file.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../../src/adapters/db/database.js';
import { knownMigrations } from '../../../src/adapters/db/migrator.js';
import type { Satchel } from '../../../src/main.js';
import { testAccount } from '../../helpers/chain/test-accounts.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { Client, expectProblem, GOOD_PASSWORD, signedIn, startInstance } from '../accounts/harness.js';

const txid = (i: number): string => i.toString(16).padStart(64, '0');

/** A bearer-token caller on one instance; `on(other)` is the same credential sent to another instance. */
function caller(app: FastifyInstance, token: string) {
  const send = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(payload === undefined ? {} : { 'content-type': typeof payload === 'string' ? 'text/csv' : 'application/json' }),
        ...headers,
      },
      ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
    });
  return {
    get: (url: string) => send('GET', url),
    post: (url: string, payload?: unknown, headers?: Record<string, string>) => send('POST', url, payload, headers),
    patch: (url: string, payload: unknown) => send('PATCH', url, payload),
  };
}

describe.each(DIALECTS)('two instances as one service (%s)', (dialect) => {
  let redis: RedisServerHandle;
  let database: TestDatabase;
  let a: Satchel;
  let b: Satchel;

  beforeAll(async () => {
    redis = await startRedis();
    database = await openTestDatabase(dialect);
    const env = { REDIS_URL: redis.url, NETWORK: 'regtest', WALLET_SYNC_INTERVAL_S: '0' };
    [a, b] = await Promise.all([
      startInstance({ database, env: { ...env, INSTANCE_ID: 'a' } }),
      startInstance({ database, env: { ...env, INSTANCE_ID: 'b' } }),
    ]);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.close();
    await redis?.stop();
  });

  it('accepts on B a token and a session cookie issued by A', async () => {
    const { client, token, user } = await signedIn(a.app, `token_${dialect}`);
    const viaToken = await caller(b.app, token).get('/api/auth/me');
    expect(viaToken.statusCode, viaToken.body).toBe(200);
    expect(viaToken.json()).toMatchObject({ user: { id: user.id }, via: 'bearer' });

    const onB = new Client(b.app);
    for (const [name, value] of client.jar) onB.jar.set(name, value);
    const viaCookie = await onB.request('GET', '/api/auth/me');
    expect(viaCookie.statusCode, viaCookie.body).toBe(200);
    expect(viaCookie.json()).toMatchObject({ user: { id: user.id }, via: 'cookie' });
  });

  it('shows on A a rename made on B at once, though A had the wallet and its addresses cached', async () => {
    const { token } = await signedIn(a.app, `wallets_${dialect}`);
    const onA = caller(a.app, token);
    const onB = caller(b.app, token);
    const account = testAccount('p2wpkh');
    const created = await onA.post('/api/wallets', { name: 'before', source: account.tpub, network: 'regtest', scriptType: 'p2wpkh' });
    expect(created.statusCode, created.body).toBe(201);
    const id = (created.json() as { id: string }).id;
    // A reads the wallet, its list and an address range, so whatever A keeps is warm.
    const range = `/api/wallets/${id}/addresses?chain=receive&start=0&count=20`;
    expect((await onA.get(`/api/wallets/${id}`)).json()).toMatchObject({ name: 'before' });
    expect((await onA.get('/api/wallets')).json().items.map((w: { name: string }) => w.name)).toEqual(['before']);
    const addressesOnA = await onA.get(range);
    expect(addressesOnA.statusCode, addressesOnA.body).toBe(200);

    const renamed = await onB.patch(`/api/wallets/${id}`, { name: 'after' });
    expect(renamed.statusCode, renamed.body).toBe(200);

    // No wait: the very next read on A has the new name, in the wallet and in the list.
    expect((await onA.get(`/api/wallets/${id}`)).json()).toMatchObject({ id, name: 'after' });
    expect((await onA.get('/api/wallets')).json().items.map((w: { name: string }) => w.name)).toEqual(['after']);
    // Addresses are derived from the descriptor, which a rename does not change: both instances agree.
    expect((await onB.get(range)).body).toBe((await onA.get(range)).body);
  });

  it('replays on B the answer A gave to an Idempotency-Key request, byte for byte, creating nothing', async () => {
    const { token, user } = await signedIn(a.app, `idem_${dialect}`);
    const invoices = async () =>
      Number(
        (
          await database.db
            .selectFrom('lightning_invoices')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('user_id', '=', user.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const headers = { 'idempotency-key': `cross-instance-${dialect}` };
    const body = { amountSat: 2100, memo: 'one invoice, two instances' };
    const first = await caller(a.app, token).post('/api/lightning/invoices', body, headers);
    expect(first.statusCode, first.body).toBe(201);
    expect(await invoices()).toBe(1);

    const replay = await caller(b.app, token).post('/api/lightning/invoices', body, headers);
    expect(replay.statusCode).toBe(201);
    expect(replay.body).toBe(first.body);
    expect(replay.headers['content-type']).toBe(first.headers['content-type']);
    expect(await invoices()).toBe(1);
    // The same key with another body is refused on B too.
    expectProblem(await caller(b.app, token).post('/api/lightning/invoices', { amountSat: 2200 }, headers), 422, 'idempotency_key_reused');
    expect(await invoices()).toBe(1);
  });

  it('keeps on B a login lock-out reached on A', async () => {
    const name = `locked_${dialect}`;
    expect((await new Client(a.app).register(name)).statusCode).toBe(201);
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 5; i++) {
      last = await new Client(a.app, '198.51.100.7').login(name, `wrong password ${i}`);
      expect(last.statusCode).toBe(401);
    }
    expectProblem(await new Client(a.app, '198.51.100.8').login(name), 429, 'rate_limited');
    // The right password, from another address, on the other instance: still locked.
    const onB = await new Client(b.app, '198.51.100.9').login(name, GOOD_PASSWORD);
    expectProblem(onB, 429, 'rate_limited');
    expect(Number(onB.headers['retry-after'])).toBeGreaterThan(60);
  });

  it('reports on B an async notes import accepted by A, to its owner only', async () => {
    const { token } = await signedIn(a.app, `jobs_${dialect}`);
    const other = await signedIn(b.app, `jobs_other_${dialect}`);
    const csv = ['txid,note', ...Array.from({ length: 50 }, (_, i) => `${txid(7000 + i)},imported on A ${i}`)].join('\n');
    const accepted = await caller(a.app, token).post('/api/notes/import?format=csv&async=1', csv);
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { jobId } = accepted.json() as { jobId: string };

    const deadline = Date.now() + 15_000;
    let job: { state: string; report?: { imported: number; failed: number } };
    for (;;) {
      const polled = await caller(b.app, token).get(`/api/jobs/${jobId}`);
      expect(polled.statusCode, polled.body).toBe(200);
      job = polled.json();
      if (job.state === 'completed' || job.state === 'failed' || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(job).toMatchObject({ state: 'completed', report: { imported: 50, failed: 0 } });
    // What A imported is readable on B, and another user does not see the job.
    const note = await caller(b.app, token).get(`/api/notes/tx/${txid(7003)}`);
    expect(note.statusCode, note.body).toBe(200);
    expect(note.json()).toMatchObject({ note: 'imported on A 3' });
    expectProblem(await caller(b.app, other.token).get(`/api/jobs/${jobId}`), 404, 'not_found');
  });

  it('ends on A, for cookie and token alike, a session logged out on B', async () => {
    const { client, token } = await signedIn(a.app, `logout_${dialect}`);
    expect((await client.request('GET', '/api/auth/me')).statusCode).toBe(200);

    const onB = new Client(b.app);
    for (const [name, value] of client.jar) onB.jar.set(name, value);
    const logout = await onB.request('POST', '/api/auth/logout', { csrf: true });
    expect(logout.statusCode, logout.body).toBe(204);

    // The same cookie (kept by a client that ignored the cleared cookie) and the token, back on A.
    const stale = new Client(a.app);
    for (const [name, value] of client.jar) stale.jar.set(name, value);
    expectProblem(await stale.request('GET', '/api/auth/me'), 401);
    expectProblem(await caller(a.app, token).get('/api/auth/me'), 401);
  });
});

describe.each(DIALECTS)('two instances starting at once on a fresh database (%s)', (dialect) => {
  it('both come up and every migration is applied exactly once', async () => {
    const database = await openTestDatabase(dialect, { migrate: false });
    let started: Satchel[] = [];
    try {
      const results = await Promise.allSettled([
        startInstance({ database, env: { INSTANCE_ID: 'first' } }),
        startInstance({ database, env: { INSTANCE_ID: 'second' } }),
      ]);
      started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason?.cause ?? r.reason) : 'up'))).toEqual(['up', 'up']);
      for (const satchel of started) expect((await satchel.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
      expect(await appliedMigrations(database)).toEqual(knownMigrations());
      // Both serve the one schema: an account registered on one signs in on the other.
      expect((await new Client(started[0]!.app).register(`fresh_${dialect}`)).statusCode).toBe(201);
      expect((await new Client(started[1]!.app).login(`fresh_${dialect}`)).statusCode).toBe(200);
    } finally {
      await Promise.all(started.map((satchel) => satchel.close()));
      await database.close();
    }
  });

  it('an instance waits while another holds the migration lock, then migrates', async () => {
    const database = await openTestDatabase(dialect, { migrate: false });
    const holder = await createDatabase(database.config);
    let satchel: Satchel | undefined;
    try {
      // Another instance "migrating": it holds the lock, on its own connection, for a while.
      const release = await holdMigrationLock(holder);
      let up = false;
      const starting = startInstance({ database, env: { INSTANCE_ID: 'waiting' } }).then((s) => {
        up = true;
        return s;
      });
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(up).toBe(false);
      expect(await appliedMigrations(database)).toEqual([]);
      await release();
      satchel = await starting;
      expect(await appliedMigrations(database)).toEqual(knownMigrations());
    } finally {
      await satchel?.close();
      await holder.close();
      await database.close();
    }
  });
});

async function appliedMigrations(database: TestDatabase): Promise<string[]> {
  const tables = (await database.db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name);
  if (!tables.includes('kysely_migration')) return [];
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
  return rows.rows.map((r) => r.name);
}

/**
 * Takes the lock migrateToLatest takes (Kysely's advisory lock key on PostgreSQL, a write transaction on
 * SQLite) on one connection of `holder`, kept until the returned function is called.
 */
async function holdMigrationLock(holder: Database): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const held = holder.db.connection().execute(async (db) => {
    if (holder.dialect === 'postgres') {
      await sql`select pg_advisory_lock(${sql.lit('3853314791062309107')})`.execute(db);
      locked();
      await released;
      await sql`select pg_advisory_unlock(${sql.lit('3853314791062309107')})`.execute(db);
    } else {
      await sql`begin immediate`.execute(db);
      locked();
      await released;
      await sql`commit`.execute(db);
    }
  });
  await isLocked;
  return async () => {
    release();
    await held;
  };
}

