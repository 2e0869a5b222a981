/**
 * PostgreSQL faults against a real server of this file's own (it is restarted, so not the run's shared
 * one): a restart under load answers what it cannot serve with a fast 503 problem and the app reconnects
 * by itself; an atomic notes import cut by the restart is wholly absent, and whole once repeated; a
 * frozen server (a network path that stops forwarding) costs a request at most the statement budget.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_STATEMENT_TIMEOUT_MS } from '../../../src/adapters/db/database.js';
import { loadConfig } from '../../../src/config.js';
import { startSatchel, type Satchel } from '../../../src/main.js';
import { createTestDatabase, startPostgres, type PostgresServer } from '../../helpers/postgres-server.js';
import { expectProblem, fastHasher, signedIn, type Client } from '../accounts/harness.js';

/** The promise to users (docs/deploy.md): a request that cannot be served fails within this. */
const FAIL_FAST_MS = 5_000;
const txid = (i: number): string => i.toString(16).padStart(64, '0');

async function start(databaseUrl: string): Promise<Satchel> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satchel-faults-'));
  const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent' });
  const satchel = await startSatchel(config, { webRoot: null, passwordHasher: fastHasher() });
  satchel.app.addHook('onClose', async () => rmSync(dataDir, { recursive: true, force: true }));
  return satchel;
}

interface Outcome {
  status: number;
  startedAt: number;
  ms: number;
  response: LightMyRequestResponse;
}

async function timed(request: () => Promise<LightMyRequestResponse>): Promise<Outcome> {
  const startedAt = performance.now();
  const response = await request();
  return { status: response.statusCode, startedAt, ms: performance.now() - startedAt, response };
}

/** A 503 as users get it while the database is away: problem+json, dependency_down, Retry-After. */
function expectDatabaseDown(outcome: Outcome): void {
  const body = expectProblem(outcome.response, 503, 'dependency_down');
  expect(body.detail).toMatch(/database is unavailable/);
  expect(Number(outcome.response.headers['retry-after'])).toBeGreaterThan(0);
}

/** Notes whose text starts with `prefix`, counted in the database itself. */
async function countNotes(url: string, prefix: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from notes where label like $1', [`${prefix}%`]);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

/**
 * Waits until an open transaction of Satchel's has written notes (polled: PostgreSQL emits no event for
 * it); the import is then certainly in flight, its rows not yet committed.
 */
async function untilImportInFlight(url: string, timeoutMs = 20_000): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query(
        `select 1 from pg_stat_activity
          where application_name = 'satchel' and xact_start is not null and pid <> pg_backend_pid()
            and query ilike '%into notes%'`,
      );
      if (rows.length) return;
      if (Date.now() > deadline) throw new Error('the import never reached the database');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await client.end();
  }
}

describe('PostgreSQL restarted under load', () => {
  let server: PostgresServer;
  let databaseUrl: string;
  let satchel: Satchel;
  let alice: { client: Client; token: string };

  beforeAll(async () => {
    server = await startPostgres();
    databaseUrl = await createTestDatabase(server.url);
    satchel = await start(databaseUrl);
    alice = await signedIn(satchel.app, 'alice');
  });
  afterAll(async () => {
    await satchel?.close();
    await server?.stop();
  });

  const get = (url: string) => alice.client.request('GET', url, { bearer: alice.token });
  const put = (url: string, payload: unknown) => alice.client.request('PUT', url, { bearer: alice.token, payload });

  it('answers what it cannot serve with a fast 503 problem, and serves again by itself once the server is back', async () => {
    const outcomes: Outcome[] = [];
    // When PostgreSQL answers again; a request counts as "after" only if it started then (one in flight
    // across the restart may also be served, and once made the count fall one short: 7 of 8).
    let backAt = Number.POSITIVE_INFINITY;
    let afterRestartOk = 0;
    let n = 0;
    // Four clients in a loop: reads (session, wallets, notes) and writes (notes), until the restart is over
    // and each has been served twice since.
    const worker = async (w: number) => {
      for (;;) {
        const i = n++;
        const request =
          i % 4 === 0
            ? () => put(`/api/notes/tx/${txid(i)}`, { note: `load ${i}` })
            : i % 4 === 1
              ? () => get('/api/auth/me')
              : i % 4 === 2
                ? () => get('/api/wallets')
                : () => get('/api/notes?q=load&limit=5');
        const outcome = await timed(request);
        outcomes.push(outcome);
        if (outcome.startedAt > backAt && outcome.status < 300 && ++afterRestartOk >= 8) return;
        if (outcomes.length > 50_000) throw new Error(`worker ${w}: no recovery`);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    // Let the load settle on a warm pool, then restart (fast shutdown: open connections are terminated).
    while (outcomes.filter((o) => o.status < 300).length < 20) await new Promise((resolve) => setImmediate(resolve));
    await server.restart();
    backAt = performance.now();
    await load;

    const failed = outcomes.filter((o) => o.status >= 300);
    expect(failed.length, 'the restart window was seen by the load').toBeGreaterThan(0);
    for (const outcome of failed) expectDatabaseDown(outcome);
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(FAIL_FAST_MS);
    // Recovered without any help: every request made once PostgreSQL was back was served, and a write sticks.
    const afterwards = outcomes.filter((o) => o.startedAt > backAt);
    expect(afterwards.length).toBeGreaterThanOrEqual(8);
    expect(afterwards.filter((o) => o.status >= 300)).toEqual([]);
    expect((await put(`/api/notes/tx/${txid(999_999)}`, { note: 'after the restart' })).statusCode).toBe(201);
    expect((await get(`/api/notes/tx/${txid(999_999)}`)).json()).toMatchObject({ note: 'after the restart' });
  });

  it('an atomic import cut by the restart stores nothing; repeated, it stores everything', async () => {
    const rows = 20_000;
    const csv = ['txid,note', ...Array.from({ length: rows }, (_, i) => `${txid(2_000_000 + i)},cut import ${i}`)].join('\n');
    const upload = () =>
      alice.client.request('POST', '/api/notes/import?format=csv&mode=atomic', {
        bearer: alice.token,
        payload: csv,
        headers: { 'content-type': 'text/csv' },
      });

    const inFlight = timed(upload);
    await untilImportInFlight(databaseUrl);
    await server.restart();
    const cut = await inFlight;
    expectDatabaseDown(cut);
    expect(await countNotes(databaseUrl, 'cut import ')).toBe(0);

    const again = await upload();
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ imported: rows, failed: 0 });
    expect(await countNotes(databaseUrl, 'cut import ')).toBe(rows);
  });
});

/**
 * A TCP hop between Satchel and PostgreSQL that can stop forwarding without closing anything, as a
 * frozen server or a cut network path does (no RST, no FIN: only timeouts can tell).
 */
async function startFreezableHop(targetPort: number): Promise<{ port: number; freeze(): void; thaw(): void; close(): Promise<void> }> {
  const pairs = new Set<[Socket, Socket]>();
  let frozen = false;
  const held: Socket[] = [];
  const connect = (downstream: Socket) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    const pair: [Socket, Socket] = [downstream, upstream];
    pairs.add(pair);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    const end = () => {
      pairs.delete(pair);
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  };
  const server: Server = createServer((socket) => {
    if (frozen) held.push(socket);
    else connect(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    freeze() {
      frozen = true;
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const [a, b] of pairs) {
        a.pipe(b);
        b.pipe(a);
        a.resume();
        b.resume();
      }
      for (const socket of held.splice(0)) connect(socket);
    },
    async close() {
      for (const [a, b] of pairs) (a.destroy(), b.destroy());
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('PostgreSQL frozen (no answer, no error)', () => {
  let server: PostgresServer;
  let hop: Awaited<ReturnType<typeof startFreezableHop>>;
  let satchel: Satchel;
  let alice: { client: Client; token: string };

  beforeAll(async () => {
    server = await startPostgres();
    const direct = await createTestDatabase(server.url);
    hop = await startFreezableHop(server.port);
    const viaHop = new URL(direct);
    viaHop.port = String(hop.port);
    satchel = await start(viaHop.toString());
    alice = await signedIn(satchel.app, 'alice');
  });
  afterAll(async () => {
    hop?.thaw();
    await satchel?.close();
    await hop?.close();
    await server?.stop();
  });

  it('fails each request within ~5 s with a 503, and serves again once the path is back', async () => {
    const get = (url: string) => timed(() => alice.client.request('GET', url, { bearer: alice.token }));
    expect((await get('/api/wallets')).status).toBe(200);
    // The client-side limit (statement timeout + 1 s) is the promise; a little scheduling slack on top.
    expect(PG_STATEMENT_TIMEOUT_MS + 1_000).toBeLessThanOrEqual(FAIL_FAST_MS);
    hop.freeze();
    // Pooled connections (statement timeout) and new ones (connect timeout) alike, concurrently.
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => get(i % 2 ? '/api/wallets' : '/api/auth/me')));
    for (const outcome of outcomes) {
      expectDatabaseDown(outcome);
      expect(outcome.ms).toBeLessThan(FAIL_FAST_MS + 300);
    }
    hop.thaw();
    // Connections that timed out are discarded or recover; within a few tries every request is served.
    const deadline = Date.now() + 15_000;
    let ok = 0;
    while (ok < 5) {
      const outcome = await get('/api/wallets');
      if (outcome.status === 200) ok++;
      else expectDatabaseDown(outcome);
      expect(Date.now()).toBeLessThan(deadline);
    }
  });
});
