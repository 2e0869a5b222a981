/**
 * Large wallets stay fast (issue 10; BTCPay #2775: 12 s for a wallet with 30k transactions): one user
 * with 30,000 wallet transactions, 1,000,000 notes and 100,000 invoices (bench/lib/seed-large.ts, rows
 * written straight into the tables), on SQLite and on PostgreSQL. Under autocannon over real HTTP, p50
 * and p99 of the first and a deep page (page 200, its cursor got by walking the pages) of
 * GET /api/wallets/:id/transactions, GET /api/notes and GET /api/lightning/invoices (with and without
 * ?status=), and of note searches (?q=) for terms of every frequency: half the notes, 1 in 20, 1 in
 * 1,000, exactly one note, none. Target: p99 < 50 ms for every one, on both engines.
 *
 * LARGE_SCALE=0.1 seeds a tenth of the rows (quick runs default to it); BENCH_SKIP_PG=1 skips PostgreSQL,
 * BENCH_SKIP_SQLITE=1 skips SQLite.
 */
import { performance } from 'node:perf_hooks';
import { createDatabase } from '../../src/adapters/db/database.js';
import { Argon2PasswordHasher } from '../../src/adapters/password/argon2-hasher.js';
import { adminToken, load, postJson, startBenchApp, type BenchApp } from '../lib/app.js';
import { check } from '../lib/measure.js';
import { fmt, target, writeReport, type Target } from '../lib/report.js';
import { LARGE_TERMS, largeCounts, noteLabel, seedLargeUser, type LargeSeed } from '../lib/seed-large.js';

const quick = process.env.BENCH_QUICK === '1';
const SCALE = Number(process.env.LARGE_SCALE ?? (quick ? '0.1' : '1'));
check(Number.isFinite(SCALE) && SCALE > 0 && SCALE <= 1, `LARGE_SCALE must be in (0, 1], got ${process.env.LARGE_SCALE}`);
const SECONDS = quick ? 2 : 5;
/** A few people (or one UI with several panes) reading at once; more connections measure queueing, not queries. */
const CONNECTIONS = 4;
const DEEP_PAGE = 200;
const P99_TARGET_MS = 50;
const counts = largeCounts(SCALE);

const rows: Array<Record<string, string | number>> = [];
const targets: Target[] = [];
const notes: string[] = [];

async function getJson(app: BenchApp, path: string, token: string): Promise<any> {
  const response = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json();
  check(response.status === 200, `GET ${path}: ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
  return body;
}

const withCursor = (path: string, cursor: string) => `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;

/**
 * Walks `path` page by page, checking every page is newest first with no row twice, up to page `upTo`
 * (1-based) or the last page. Answers the path of the page reached and how many rows came before it.
 */
async function walk(
  app: BenchApp,
  token: string,
  path: string,
  field: 'items' | 'transactions',
  upTo: number,
  idOf: (item: any) => string,
): Promise<{ path: string; page: number; rowsBefore: number; total?: number; items: any[] }> {
  const seen = new Set<string>();
  let current = path;
  let rowsBefore = 0;
  for (let page = 1; ; page++) {
    const body = await getJson(app, current, token);
    const items = body[field] as any[];
    for (const item of items) {
      const id = idOf(item);
      check(!seen.has(id), `${path}: ${id} answered twice while paging`);
      seen.add(id);
    }
    if (page === upTo || !body.next) return { path: current, page, rowsBefore, ...(body.next ? {} : { total: seen.size }), items };
    rowsBefore += items.length;
    current = withCursor(path, body.next as string);
  }
}

interface Scenario {
  name: string;
  path: string;
}

/** Builds and checks the requests of one engine's run, then loads each with autocannon. */
async function runEngine(engine: 'SQLite' | 'PostgreSQL', env: Record<string, string>, pgUrl?: string): Promise<void> {
  const app = await startBenchApp({ passwordHasher: new Argon2PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }) }, env);
  try {
    const token = await adminToken(app);
    const wallet = await postJson(`${app.url}/api/wallets`, { name: 'large', source: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' }, token);
    check(wallet.status === 201, `wallet: ${wallet.status} ${JSON.stringify(wallet.body)}`);
    const me = await getJson(app, '/api/auth/me', token);
    const owner = { userId: me.user.id as string, walletId: wallet.body.id as string };

    // PostgreSQL: a connection without the app's 4 s statement timeout (10,000-row INSERTs, VACUUM).
    const seedDb = pgUrl ? await createDatabase({ kind: 'postgres', url: pgUrl }, { statementTimeoutMs: 0, poolMax: 1 }) : app.satchel.database;
    let seed: LargeSeed;
    const t0 = performance.now();
    try {
      seed = await seedLargeUser(seedDb, owner, counts, { progress: (line) => console.log(`  ${engine} seed ${line}`) });
    } finally {
      if (pgUrl) await seedDb.close();
    }
    const seedSeconds = (performance.now() - t0) / 1000;
    console.log(`  ${engine}: seeded in ${seedSeconds.toFixed(0)} s`);

    // Check the answers before timing anything; find the deep pages' cursors by walking to them.
    const scenarios: Scenario[] = [];
    const txPath = `/api/wallets/${owner.walletId}/transactions`;
    const txFirst = await getJson(app, txPath, token);
    check(txFirst.transactions.length === 50 && txFirst.transactions[0].txid === seed.txids[0], 'first transaction page starts with the newest');
    check(txFirst.transactions[0].note === noteLabel(0), 'transactions carry their notes');
    const txDeep = await walk(app, token, txPath, 'transactions', DEEP_PAGE, (t) => t.txid);
    // Three transactions share each block: within one, the order is by txid.
    const deepAt = seed.txids.indexOf(txDeep.items[0].txid);
    check(Math.abs(deepAt - txDeep.rowsBefore) <= 2, `deep transaction page starts at row ${txDeep.rowsBefore}, not ${deepAt}`);
    scenarios.push({ name: 'wallet transactions, first page', path: txPath }, { name: `wallet transactions, page ${txDeep.page}`, path: txDeep.path });

    const notesFirst = await getJson(app, '/api/notes', token);
    check(notesFirst.items.length === 50, 'first notes page is full');
    const notesDeep = await walk(app, token, '/api/notes', 'items', DEEP_PAGE, (n) => `${n.type}:${n.ref}`);
    scenarios.push({ name: 'notes, first page', path: '/api/notes' }, { name: `notes, page ${notesDeep.page}`, path: notesDeep.path });

    for (const status of [undefined, 'pending', 'paid', 'expired'] as const) {
      const path = status ? `/api/lightning/invoices?status=${status}` : '/api/lightning/invoices';
      const first = await getJson(app, path, token);
      check(first.items.length === 50, `${path}: first page is full`);
      if (status) check(first.items.every((i: { status: string }) => i.status === status), `${path}: only ${status} invoices`);
      const deep = await walk(app, token, path, 'items', DEEP_PAGE, (i) => i.id);
      if (deep.total !== undefined) {
        const stored = status ? (seed.invoiceStatuses[status] ?? 0) : counts.invoices;
        check(deep.total === stored, `${path}: walked ${deep.total} invoices, stored ${stored}`);
      }
      const label = status ? `invoices ?status=${status}` : 'invoices';
      scenarios.push({ name: `${label}, first page`, path }, { name: `${label}, page ${deep.page}`, path: deep.path });
    }

    for (const [kind, term] of Object.entries(LARGE_TERMS) as Array<[keyof typeof LARGE_TERMS, string]>) {
      const path = `/api/notes?q=${encodeURIComponent(term)}`;
      const expected = seed.termCounts[kind];
      const first = await getJson(app, path, token);
      check(first.items.length === Math.min(50, expected), `search ${term}: ${first.items.length} answers, ${expected} notes hold it`);
      check(first.items.every((n: { note: string }) => n.note.toLowerCase().includes(term)), `search ${term}: every answer holds it`);
      const share = expected === 0 ? 'no note' : expected === 1 ? 'one note' : `1 in ${Math.round(counts.notes / expected)}`;
      scenarios.push({ name: `note search "${term}" (${share}), first page`, path });
      if (expected > 50) {
        const deep = await walk(app, token, path, 'items', DEEP_PAGE, (n) => `${n.type}:${n.ref}`);
        if (deep.total !== undefined) check(deep.total === expected, `search ${term}: walked ${deep.total}, ${expected} notes hold it`);
        scenarios.push({ name: `note search "${term}", page ${deep.page}`, path: deep.path });
      }
    }
    const upper = await getJson(app, `/api/notes?q=${encodeURIComponent(LARGE_TERMS.vendor.toUpperCase())}`, token);
    check(upper.items.length === Math.min(50, seed.termCounts.vendor), 'search ignores case');

    for (const scenario of scenarios) {
      const result = await load({
        url: app.url,
        duration: SECONDS,
        connections: CONNECTIONS,
        headers: { authorization: `Bearer ${token}` },
        requests: [{ method: 'GET', path: scenario.path }],
      });
      const { p50, p99 } = result.latency;
      console.log(`  ${engine}: ${scenario.name}: p50 ${p50} ms, p99 ${p99} ms, ${fmt(result.rps)} req/s`);
      rows.push({ engine, request: scenario.name, 'p50 ms': p50, 'p99 ms': p99, 'req/s': fmt(result.rps) });
      targets.push(target(`${engine}: ${scenario.name} p99`, p99, { atMost: P99_TARGET_MS }, ' ms'));
    }
    notes.push(
      `${engine}: seeded ${counts.transactions.toLocaleString('en-US')} transactions, ${counts.notes.toLocaleString('en-US')} notes and ` +
        `${counts.invoices.toLocaleString('en-US')} invoices in ${seedSeconds.toFixed(0)} s (notes ${seed.seconds.notes.toFixed(0)} s, with the search index maintained).`,
    );
  } finally {
    await app.close();
  }
}

if (process.env.BENCH_SKIP_SQLITE !== '1') await runEngine('SQLite', {});
if (process.env.BENCH_SKIP_PG !== '1') {
  const { startPostgres } = await import('../../test/helpers/postgres-server.js');
  const server = await startPostgres();
  try {
    await runEngine('PostgreSQL', { DATABASE_URL: server.url }, server.url);
  } finally {
    await server.stop();
  }
}

notes.push(
  `Each request: ${SECONDS} s of autocannon with ${CONNECTIONS} connections from a child process, a bearer token, one path; ` +
    'latency is measured by the client, so it includes HTTP and JSON on this machine (2 cores shared with the load generator).',
  'Deep pages are page 200 of 50 rows (or the last page when a list is shorter); their cursors come from walking every page before, ' +
    'which also checks that no row is answered twice.',
  'PostgreSQL: the helper cluster (durability off), VACUUM ANALYZE after the bulk load (what autovacuum does minutes later). ' +
    'SQLite: no ANALYZE (the app does not run one).',
);

writeReport({
  name: 'large-wallet',
  description:
    `One user with ${counts.transactions.toLocaleString('en-US')} wallet transactions, ${counts.notes.toLocaleString('en-US')} notes and ` +
    `${counts.invoices.toLocaleString('en-US')} invoices (scale ${SCALE}); p50/p99 under autocannon of first and deep pages and of note searches, ` +
    `on SQLite and PostgreSQL. Target: p99 < ${P99_TARGET_MS} ms for each.`,
  rows,
  targets,
  notes,
});
