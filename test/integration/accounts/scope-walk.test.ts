/**
 * The scope walk (issue 10: "every route declares the scope it needs, and a test walks every route with
 * a `read` token to prove no write succeeds"). Every route the app registers is collected (the onRoute
 * table of buildApp), and:
 * - each declares `access`, and each that is not public declares `scope`; a non-GET route may declare
 *   `read` only when it is listed below as storing nothing (and the walk proves it stores nothing);
 * - with an admin's `read`-scoped API token, every non-GET/HEAD route is called with plausible params
 *   and body (ids of real objects of that admin) and must answer 403 insufficient_scope — and the
 *   database must be exactly as before;
 * - every GET route that declares `read` answers 200 or 404 to that token, never 401/403; GET routes
 *   that declare `admin` (admin figures: users, audit, performance) answer 403 to it; no GET declares `write`.
 * A write route added without a scope, or with the wrong one, fails this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { RouteSummary } from '../../../src/http/app.js';
import type { Satchel } from '../../../src/main.js';
import { createDatabase, type Database } from '../../../src/adapters/db/database.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { expectProblem, signedIn, startInstance, type Client } from './harness.js';

const TXID = 'ab'.repeat(32);
const ADDRESS = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';

/** Public routes: no credentials needed, so no scope applies (reviewed: none acts for a token's owner). */
const PUBLIC_WRITES = new Set(['POST /api/auth/register', 'POST /api/auth/login', 'POST /api/auth/logout']);
/** Non-GET routes that compute an answer and store nothing: a `read` token may call them. */
const READ_ONLY_POSTS = new Set(['POST /api/validate', 'POST /api/validate/batch']);
/** Server-Sent Events: they never end, so they are checked for their declaration only. */
const STREAMS = new Set(['GET /api/performance/stream', 'GET /api/jobs/:id/events']);

/** Columns that reads legitimately touch (a session's last use), left out of the before/after comparison. */
const VOLATILE: Record<string, string[]> = { sessions: ['last_seen_at'], api_tokens: ['last_used_at'] };

async function snapshot(db: Database['db'], dialect: string): Promise<Record<string, string>> {
  const tables =
    dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'notes_fts%'`.execute(db)).rows
      : (await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public'`.execute(db)).rows;
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows.map((row) => {
      for (const column of VOLATILE[name] ?? []) delete row[column];
      return JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    });
    out[name] = rows.sort().join('\n');
  }
  return out;
}

describe.each(DIALECTS.slice(0, 1))('scope walk (%s)', (dialect) => {
  let database: TestDatabase;
  let observer: Database;
  let satchel: Satchel;
  let admin: { client: Client; token: string; user: { id: string } };
  let readToken: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    satchel = await startInstance({ database });
    observer = await createDatabase(database.config);
    admin = await signedIn(satchel.app, 'root'); // the first account is the admin
    const bob = await signedIn(satchel.app, 'bob');
    const as = (method: 'POST' | 'PUT', url: string, payload: unknown, headers?: Record<string, string>) =>
      admin.client.request(method, url, { bearer: admin.token, payload, ...(headers ? { headers } : {}) });

    const token = await as('POST', '/api/auth/tokens', { name: 'reader', scopes: ['read'] });
    expect(token.statusCode, token.body).toBe(201);
    readToken = token.json().token;
    ids.token = token.json().id;
    ids.user = bob.user.id;
    const wallet = await as('POST', '/api/wallets', { name: 'cold', source: ADDRESS });
    expect(wallet.statusCode, wallet.body).toBe(201);
    ids.wallet = wallet.json().id;
    const invoice = await as('POST', '/api/lightning/invoices', { amountSat: 1000, memo: 'walk' });
    expect(invoice.statusCode, invoice.body).toBe(201);
    ids.invoice = invoice.json().id;
    await as('PUT', `/api/notes/tx/${TXID}`, { note: 'walk' });
    const imported = await as('POST', '/api/notes/import?format=csv', `txid,note\n${TXID},imported\n`, { 'content-type': 'text/csv' });
    ids.import = imported.json().importId;
    const history = await admin.client.request('GET', `/api/notes/tx/${TXID}/history`, { bearer: admin.token });
    ids.entry = history.json().items[0].id;
    const job = await as('POST', '/api/notes/import?format=csv&async=1', `txid,note\n${TXID},job\n`, { 'content-type': 'text/csv' });
    ids.job = job.json().jobId;
    for (let i = 0; i < 400; i++) {
      const state = (await admin.client.request('GET', `/api/jobs/${ids.job}`, { bearer: admin.token })).json().state;
      if (state === 'completed' || state === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });
  afterAll(async () => {
    await observer?.close();
    await satchel?.close();
    await database?.close();
  });

  const routes = (): RouteSummary[] => satchel.app.routeTable.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
  const key = (r: RouteSummary) => `${r.method} ${r.url}`;

  function urlOf(route: RouteSummary): string {
    const idFor = (): string => {
      if (route.url.startsWith('/api/auth/tokens')) return ids.token!;
      if (route.url.startsWith('/api/admin/users')) return ids.user!;
      if (route.url.startsWith('/api/wallets')) return ids.wallet!;
      if (route.url.startsWith('/api/lightning/invoices')) return ids.invoice!;
      if (route.url.startsWith('/api/jobs')) return ids.job!;
      if (route.url.startsWith('/api/notes/imports')) return ids.import!;
      if (route.url.includes('/history/')) return ids.entry!;
      throw new Error(`no id known for ${key(route)}: add one to the scope walk`);
    };
    return route.url
      .replace(':type', 'tx')
      .replace(':ref', TXID)
      .replace(':namespace?', 'validation')
      .replace(':id', idFor);
  }

  const BODIES: Record<string, unknown> = {
    'POST /api/auth/password': { currentPassword: 'correct horse battery staple 42', newPassword: 'another long passphrase 43' },
    'POST /api/auth/tokens': { name: 'sneaky', scopes: ['read', 'write'] },
    'POST /api/admin/users/bulk': { users: [{ username: 'mallory', password: 'a long enough password 1' }] },
    'POST /api/auth/register/bulk': { users: [{ username: 'mallory', password: 'a long enough password 1' }] },
    'PATCH /api/admin/users/:id': { disabled: true },
    'POST /api/wallets': { name: 'hot', source: ADDRESS },
    'PATCH /api/wallets/:id': { name: 'renamed' },
    'POST /api/lightning/invoices': { amountSat: 1 },
    'POST /api/lightning/invoices/bulk': { invoices: [{ amountSat: 1 }] },
    'PUT /api/lightning/webhook': { url: 'https://example.com/hook' },
    'PUT /api/notes/:type/:ref': { note: 'overwritten' },
    'PUT /api/performance/optimizer': { enabled: false },
    'PUT /api/performance/alerts/thresholds': {},
    'POST /api/validate': { type: 'txid', value: TXID },
    'POST /api/validate/batch': { type: 'txid', values: [TXID] },
  };
  const FILES: Record<string, string> = {
    'POST /api/notes/import': `txid,note\n${TXID},overwritten\n`,
    'POST /api/notes/import/preview': `txid,note\n${TXID},preview\n`,
  };

  it('every route declares its access, and every route that needs a user declares its scope', () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(40);
    const undeclared = all.filter((r) => r.config.access === undefined || (r.config.access !== 'public' && r.config.scope === undefined)).map(key);
    expect(undeclared).toEqual([]);
    const readWrites = all.filter((r) => r.method !== 'GET' && r.config.access !== 'public' && r.config.scope === 'read').map(key);
    expect(readWrites.sort()).toEqual([...READ_ONLY_POSTS].sort());
    const publicWrites = all.filter((r) => r.method !== 'GET' && r.config.access === 'public').map(key);
    expect(publicWrites.sort()).toEqual([...PUBLIC_WRITES].sort());
  });

  it('a read token gets 403 on every write route, and the database is unchanged', async () => {
    const before = await snapshot(observer.db, dialect);
    expect(Object.keys(before).length).toBeGreaterThan(10);
    expect(before.notes).toContain(TXID);
    const allowed: string[] = [];
    for (const route of routes()) {
      if (route.method === 'GET' || PUBLIC_WRITES.has(key(route))) continue;
      const file = FILES[key(route)];
      const response = await admin.client.request(route.method as 'POST', urlOf(route), {
        bearer: readToken,
        ...(file === undefined ? { payload: BODIES[key(route)] ?? {} } : { payload: file, headers: { 'content-type': 'text/csv' } }),
      });
      if (READ_ONLY_POSTS.has(key(route))) {
        expect(response.statusCode, `${key(route)}: ${response.body}`).toBe(200);
        continue;
      }
      if (response.statusCode !== 403) allowed.push(`${key(route)} → ${response.statusCode}`);
      else expectProblem(response, 403, 'insufficient_scope');
    }
    expect(allowed).toEqual([]);
    expect(await snapshot(observer.db, dialect)).toEqual(before);
  });

  it('a read token reads: every GET that declares read answers 200 or 404, never 401 or 403', async () => {
    const refused: string[] = [];
    expect(routes().filter((r) => r.method === 'GET' && r.config.scope === 'write').map(key)).toEqual([]);
    for (const route of routes()) {
      if (route.method !== 'GET' || STREAMS.has(key(route))) continue;
      if (route.config.scope === 'admin') {
        const response = await admin.client.request('GET', urlOf(route), { bearer: readToken });
        if (response.statusCode !== 403) refused.push(`${key(route)} (scope admin) → ${response.statusCode}`);
        continue;
      }
      const query = route.url === '/api/wallets/:id/addresses' ? '?chain=receive&start=0&count=2' : '';
      const response = await admin.client.request('GET', `${urlOf(route)}${query}`, { bearer: readToken });
      if (![200, 404].includes(response.statusCode)) refused.push(`${key(route)} → ${response.statusCode} ${response.body.slice(0, 120)}`);
    }
    expect(refused).toEqual([]);
  });
});
