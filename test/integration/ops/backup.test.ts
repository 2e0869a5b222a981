/**
 * `satchel backup` / `satchel restore` round trips through the real command line (docs/deploy.md,
 * "Backups"): users, wallets, notes and invoices seeded through the API of a serving Satchel, a backup
 * taken while a client keeps writing, restored into a fresh DATA_DIR (SQLite) or a new database
 * (PostgreSQL, pg_dump/pg_restore), and Satchel started on it: every user's wallets, notes and invoices
 * are what they were, the writes made during the backup form a gap-free prefix (one consistent
 * snapshot), and the sessions of the time still sign their users in. Restores that would clobber a
 * database in use, or one that exists, are refused.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownMigrations } from '../../../src/adapters/db/migrator.js';
import { backupCommand, restoreCommand } from '../../../src/cli/backup-command.js';
import { loadConfig } from '../../../src/config.js';
import { startSatchel, type Satchel } from '../../../src/main.js';
import { testAccount } from '../../helpers/chain/test-accounts.js';
import { DIALECTS, openTestDatabase, postgresServerUrl, type TestDatabase } from '../../helpers/dialects.js';
import { createTestDatabase, dropTestDatabase } from '../../helpers/postgres-server.js';
import { fastHasher, GOOD_PASSWORD, signedIn } from '../accounts/harness.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const txid = (i: number): string => i.toString(16).padStart(64, '0');
const USERS = ['owner', 'bea', 'cyrus'] as const;

async function start(env: Record<string, string>): Promise<Satchel> {
  const config = loadConfig({ CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent', NETWORK: 'regtest', ...env });
  return startSatchel(config, { webRoot: null, passwordHasher: fastHasher() });
}

/** `satchel <args>` as a user runs it (tsx over the sources), with only these settings. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

/** A user's view over the API (bearer token). */
function api(app: FastifyInstance, token: string) {
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, expected?: number) => {
    const response = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': typeof payload === 'string' ? 'text/csv' : 'application/json' }) },
      ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
    });
    if (expected !== undefined) expect(response.statusCode, response.body).toBe(expected);
    return response;
  };
  const all = async (url: string): Promise<unknown[]> => {
    const items: unknown[] = [];
    let next: string | undefined;
    do {
      const page = (await call('GET', `${url}${url.includes('?') ? '&' : '?'}limit=500${next ? `&cursor=${encodeURIComponent(next)}` : ''}`, undefined, 200)).json();
      items.push(...page.items);
      next = page.next;
    } while (next);
    return items;
  };
  return { call, all };
}

/** Everything a user owns that a backup must keep: wallets (list and each in full), notes (the export), invoices. */
async function snapshot(app: FastifyInstance, token: string) {
  const { call, all } = api(app, token);
  const wallets = (await all('/api/wallets')) as Array<{ id: string }>;
  const details = [];
  for (const w of wallets) details.push((await call('GET', `/api/wallets/${w.id}`, undefined, 200)).json());
  return {
    me: (await call('GET', '/api/auth/me', undefined, 200)).json(),
    wallets,
    details,
    notes: (await call('GET', '/api/notes/export?format=bip329', undefined, 200)).body,
    invoices: await all('/api/lightning/invoices'),
  };
}

/** Wallets, notes (one by one and a bulk import) and invoices (single and bulk) for each user. */
async function seed(app: FastifyInstance): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (const [u, name] of USERS.entries()) {
    const { token } = await signedIn(app, name);
    tokens.set(name, token);
    const { call } = api(app, token);
    await call('POST', '/api/wallets', { name: `${name} savings`, source: testAccount('p2wpkh', u).descriptor, network: 'regtest' }, 201);
    await call('POST', '/api/wallets', { name: `${name} taproot`, source: testAccount('p2tr', u).tpub, network: 'regtest' }, 201);
    await call('POST', '/api/wallets', { name: `${name} one address`, source: testAccount('p2pkh', u).address(0, 0).address, network: 'regtest' }, 201);
    for (let i = 0; i < 5; i++) await call('PUT', `/api/notes/tx/${txid(u * 1_000_000 + i)}`, { note: `${name} note ${i}, "quoted"` }, 201);
    const rows = Array.from({ length: 400 }, (_, i) => `${txid(u * 1_000_000 + 1_000 + i)},${name} imported ${i}`);
    await call('POST', '/api/notes/import?format=csv&mode=atomic', ['txid,note', ...rows].join('\n'), 200);
    await call('PUT', `/api/notes/addr/${testAccount('p2wpkh', u).address(0, 0).address}`, { note: `${name} receive 0` }, 201);
    for (let i = 0; i < 3; i++) await call('POST', '/api/lightning/invoices', { amountSat: 1_000 * (u + 1) + i, memo: `${name} invoice ${i}` }, 201);
    await call('POST', '/api/lightning/invoices/bulk', { invoices: Array.from({ length: 20 }, (_, i) => ({ amountMsat: 5_000 + i, memo: `${name} bulk ${i}` })) }, 200);
  }
  return tokens;
}

/**
 * One client writing in sequence (a note, then an invoice, …) until stopped; returns how many of each
 * were acknowledged.
 */
function keepWriting(app: FastifyInstance, token: string) {
  const { call } = api(app, token);
  let stop = false;
  let notes = 0;
  let invoices = 0;
  const done = (async () => {
    while (!stop) {
      await call('PUT', `/api/notes/tx/${txid(9_000_000 + notes)}`, { note: `during ${notes}` }, 201);
      notes++;
      await call('POST', '/api/lightning/invoices', { amountSat: 1, memo: `during ${invoices}` }, 201);
      invoices++;
    }
  })();
  return {
    async stop() {
      stop = true;
      await done;
      return { notes, invoices };
    },
  };
}

/** The numbers k in `during k` labels/memos: must be exactly 0 … n-1 for a consistent snapshot. */
function duringSequence(texts: string[]): number[] {
  return texts
    .map((t) => /^during (\d+)$/.exec(t)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function expectPrefix(sequence: number[], acknowledged: number): void {
  expect(sequence).toEqual(Array.from({ length: sequence.length }, (_, i) => i));
  expect(sequence.length).toBeLessThanOrEqual(acknowledged);
}

/** What seed() made for each user, so a comparison of empty snapshots cannot pass. */
function expectSeeded(view: Awaited<ReturnType<typeof snapshot>>): void {
  expect(view.wallets).toHaveLength(3);
  expect(view.notes.trim().split('\n')).toHaveLength(406);
  expect(view.invoices).toHaveLength(23);
}

async function expectRestored(restored: Satchel, tokens: Map<string, string>, before: Map<string, Awaited<ReturnType<typeof snapshot>>>) {
  for (const [name, token] of tokens) {
    expectSeeded(before.get(name)!);
    // The login token issued before the backup is a session row: restored with everything else.
    expect(await snapshot(restored.app, token), name).toEqual(before.get(name));
  }
  // Passwords came along too.
  const login = await restored.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'bea', password: GOOD_PASSWORD } });
  expect(login.statusCode, login.body).toBe(200);
}

function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, text: () => text };
}

describe('backup and restore (sqlite)', () => {
  const work = mkdtempSync(join(tmpdir(), 'satchel-backup-'));
  const liveDir = join(work, 'live');
  const restoredDir = join(work, 'restored');
  const file = join(work, 'satchel-backup.db');
  let live: Satchel;
  let restored: Satchel | undefined;

  beforeAll(async () => {
    live = await start({ DATA_DIR: liveDir });
  });
  afterAll(async () => {
    await restored?.close();
    await live?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('backs up while serving and writing; restored into a fresh DATA_DIR, every user finds the same wallets, notes and invoices', { timeout: 90_000 }, async () => {
    const tokens = await seed(live.app);
    const writer = (await signedIn(live.app, 'writer')).token;
    tokens.set('writer', writer);
    const before = new Map<string, Awaited<ReturnType<typeof snapshot>>>();
    for (const [name, token] of tokens) before.set(name, await snapshot(live.app, token));

    const writing = keepWriting(live.app, writer);
    const backup = await cli(['backup', file], { DATA_DIR: liveDir });
    const acknowledged = await writing.stop();
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^backed up .*satchel\.db to .*satchel-backup\.db: [\d.]+ MB, \d+ migrations, integrity ok/);
    expect(acknowledged.notes).toBeGreaterThan(0);
    // A second backup to the same file is refused without --force.
    const exists = sink();
    expect(await backupCommand({}, [file], { config: live.config, stdout: sink().stream, stderr: exists.stream })).toBe(1);
    expect(exists.text()).toMatch(/already exists; --force overwrites it/);

    const restore = await cli(['restore', file], { DATA_DIR: restoredDir });
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/^restored .* into .*satchel\.db/);
    restored = await start({ DATA_DIR: restoredDir });

    // The writer's notes and invoices made during the backup: a gap-free prefix of what was acknowledged.
    const { all } = api(restored.app, writer);
    const notes = ((await all('/api/notes?q=during')) as Array<{ note: string }>).map((n) => n.note);
    const invoices = ((await all('/api/lightning/invoices')) as Array<{ memo: string }>).map((i) => i.memo);
    expectPrefix(duringSequence(notes), acknowledged.notes);
    expectPrefix(duringSequence(invoices), acknowledged.invoices);
    expect(notes.length).toBeGreaterThan(0);

    // Everybody else: exactly as before the backup.
    tokens.delete('writer');
    await expectRestored(restored, tokens, before);
  });

  it('never restores over a database a running Satchel holds open, forced or not', async () => {
    const refused = await cli(['restore', file, '--force'], { DATA_DIR: liveDir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is in use by a running Satchel: stop every instance/);
    // The live database carries on untouched.
    const health = await live.app.inject({ method: 'GET', url: '/api/health' });
    expect(health.statusCode).toBe(200);
    expect((await signedIn(live.app, 'writer')).token).toBeTruthy();
  });

  it('replaces a stopped database only with --force, keeping the old one beside it', async () => {
    await restored?.close();
    restored = undefined;
    const config = loadConfig({ DATA_DIR: restoredDir });
    const err = sink();
    expect(await restoreCommand({}, [file], { config, stdout: sink().stream, stderr: err.stream })).toBe(1);
    expect(err.text()).toMatch(/already exists; --force replaces it/);

    const out = sink();
    expect(await restoreCommand({ force: true }, [file], { config, stdout: out.stream, stderr: sink().stream })).toBe(0);
    const kept = readdirSync(restoredDir).filter((f) => f.startsWith('satchel.db.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(out.text()).toContain(kept[0]);
    expect(existsSync(join(restoredDir, 'satchel.db-wal'))).toBe(false);

    // Not a Satchel database, or no file at all: refused, nothing touched.
    const bad = sink();
    expect(await restoreCommand({ force: true }, [join(work, 'nope.db')], { config, stdout: sink().stream, stderr: bad.stream })).toBe(1);
    expect(bad.text()).toMatch(/no backup at/);
    restored = await start({ DATA_DIR: restoredDir });
    expect((await restored.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'cyrus', password: GOOD_PASSWORD } })).statusCode).toBe(200);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('backup and restore (postgres: pg_dump / pg_restore)', () => {
  const work = mkdtempSync(join(tmpdir(), 'satchel-pgbackup-'));
  const file = join(work, 'satchel.dump');
  let database: TestDatabase;
  let live: Satchel;
  let restored: Satchel | undefined;
  let freshUrl: string | undefined;

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    live = await start({ DATA_DIR: work, DATABASE_URL: database.config.kind === 'postgres' ? database.config.url : '' });
  });
  afterAll(async () => {
    await restored?.close();
    await live?.close();
    await database?.close();
    if (freshUrl) await dropTestDatabase(await postgresServerUrl(), freshUrl);
    rmSync(work, { recursive: true, force: true });
  });

  it('round-trips every user through pg_dump and pg_restore into a new database, taken while writing', { timeout: 90_000 }, async () => {
    const liveUrl = database.config.kind === 'postgres' ? database.config.url : '';
    const tokens = await seed(live.app);
    const before = new Map<string, Awaited<ReturnType<typeof snapshot>>>();
    for (const [name, token] of tokens) before.set(name, await snapshot(live.app, token));
    const writer = (await signedIn(live.app, 'writer')).token;

    const writing = keepWriting(live.app, writer);
    const backup = await cli(['backup', file], { DATABASE_URL: liveUrl });
    const acknowledged = await writing.stop();
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toMatch(/pg_dump --format=custom/);

    // Not into the live database while Satchel is connected to it, even forced.
    const busy = await cli(['restore', file, '--force'], { DATABASE_URL: liveUrl });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/in use by a running Satchel/);

    freshUrl = await createTestDatabase(await postgresServerUrl());
    const restore = await cli(['restore', file], { DATABASE_URL: freshUrl });
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stderr).toMatch(/pg_restore --clean --if-exists/);
    // A second restore into what is now a Satchel database is refused without --force.
    const again = sink();
    const freshConfig = loadConfig({ DATABASE_URL: freshUrl });
    expect(await restoreCommand({}, [file], { config: freshConfig, stdout: sink().stream, stderr: again.stream })).toBe(1);
    expect(again.text()).toMatch(/already holds Satchel data/);

    restored = await start({ DATA_DIR: work, DATABASE_URL: freshUrl });
    const { all } = api(restored.app, writer);
    expectPrefix(duringSequence(((await all('/api/notes?q=during')) as Array<{ note: string }>).map((n) => n.note)), acknowledged.notes);
    expectPrefix(duringSequence(((await all('/api/lightning/invoices')) as Array<{ memo: string }>).map((i) => i.memo)), acknowledged.invoices);
    await expectRestored(restored, tokens, before);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('the deployment guide\'s PostgreSQL set-up (a non-superuser owner role)', () => {
  const work = mkdtempSync(join(tmpdir(), 'satchel-pgrole-'));
  const role = `satchel_t_role_${process.pid}`;
  const databases: string[] = [];
  let serverUrl: string;

  /** docs/deploy.md: CREATE ROLE … LOGIN PASSWORD …; CREATE DATABASE … OWNER …; as the admin. */
  async function ownedDatabase(): Promise<string> {
    const name = `satchel_t_owned_${process.pid}_${databases.length}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name} OWNER ${role}`);
    } finally {
      await admin.end();
    }
    const url = new URL(serverUrl);
    url.username = role;
    url.password = 'a secret; with = signs';
    url.pathname = `/${name}`;
    databases.push(name);
    return url.toString();
  }

  beforeAll(async () => {
    serverUrl = await postgresServerUrl();
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'a secret; with = signs'`);
    } finally {
      await admin.end();
    }
  });
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    } finally {
      await admin.end();
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('migrates, backs up and restores as the database owner, without superuser rights', { timeout: 60_000 }, async () => {
    const first = await ownedDatabase();
    const migrate = await cli(['migrate'], { DATABASE_URL: first });
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/^applied /);
    const file = join(work, 'owned.dump');
    const backup = await cli(['backup', file], { DATABASE_URL: first });
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).not.toContain('secret'); // the password goes through PGPASSWORD, never argv or output
    const second = await ownedDatabase();
    const restore = await cli(['restore', file], { DATABASE_URL: second });
    expect(restore.code, restore.stderr).toBe(0);
    const check = new pg.Client({ connectionString: second });
    await check.connect();
    try {
      const { rows } = await check.query<{ name: string }>('select name from kysely_migration order by name');
      expect(rows.map((r) => r.name)).toEqual(knownMigrations());
    } finally {
      await check.end();
    }
  });
});
