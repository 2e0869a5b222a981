/**
 * `satchel backup FILE [--force]` and `satchel restore FILE [--force]` (docs/deploy.md, "Backups").
 *
 * SQLite (DATA_DIR/satchel.db):
 * - backup: SQLite's online backup API (better-sqlite3 `db.backup()`) copies every page in one step,
 *   i.e. inside one read transaction: a consistent snapshot while the server keeps serving (WAL readers
 *   block no writer). The copy is switched to a self-contained single file (journal_mode=DELETE), checked
 *   with `PRAGMA integrity_check`, and renamed into place only then — a failed backup leaves no FILE.
 * - restore: FILE is checked first (integrity, a Satchel database, no migration this build does not
 *   know). A database in DATA_DIR that a running Satchel holds open is never replaced, forced or not
 *   (an exclusive-lock probe tells); one that is not in use is replaced only with --force and kept
 *   beside it as `satchel.db.before-restore-<time>`. The copy lands under a temporary name in DATA_DIR
 *   and is renamed over the old file, whose stale -wal/-shm are removed first.
 *
 * PostgreSQL (DATABASE_URL): `pg_dump --format=custom` and `pg_restore --clean --if-exists --no-owner
 * --single-transaction` run with the URL's password in PGPASSWORD (not on the command line, where `ps`
 * shows it); the command is printed on stderr. restore refuses while a Satchel instance is connected to
 * the database, and refuses a database that already holds Satchel tables unless --force.
 *
 * Exit codes: 0 done; 1 refused or failed (the reason on stderr); 2 bad usage or a missing tool.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Config } from '../config.js';
import { knownMigrations } from '../adapters/db/migrator.js';

export interface BackupIo {
  config: Config;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Tests: where pg_dump and pg_restore are looked for first (default: PATH, then /usr/lib/postgresql). */
  pgBinDir?: string;
}

type Flags = Record<string, string | boolean | undefined>;

/** Pages per backup step: all of them, so the copy is one read transaction (a consistent snapshot). */
const ALL_PAGES = 0x7fffffff;

class Refused extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

function timestamp(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// ——— SQLite ———

/** Satchel's migrations recorded in a database file (Kysely's table); throws Refused when it is not Satchel's. */
function checkSatchelFile(file: string, what: string): { migrations: string[] } {
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new Refused(`${what} ${file} cannot be opened as SQLite: ${(error as Error).message}`);
  }
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Refused(`${what} ${file} is damaged: integrity_check says ${String(integrity)}`);
    const table = db.prepare(`select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'`).get();
    if (!table) throw new Refused(`${what} ${file} is not a Satchel database (no migrations table)`);
    const migrations = (db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name);
    return { migrations };
  } catch (error) {
    if (error instanceof Refused) throw error;
    throw new Refused(`${what} ${file} cannot be read: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/**
 * Opens `file` holding an exclusive lock, or returns undefined when another connection (a running
 * Satchel) has it open: in WAL mode every open connection keeps a shared lock that this probe cannot get
 * past. The caller closes the handle.
 */
function lockExclusively(file: string): SQLite.Database | undefined {
  const db = new SQLite(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return db;
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY') || (error as { code?: string }).code === 'SQLITE_LOCKED') return undefined;
    throw error;
  }
}

/** Removes what SQLite keeps beside a database file (write-ahead log, shared memory, rollback journal). */
function removeSidecars(file: string): void {
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}

/** Copies `from` into a new single-file database `to` (journal_mode=DELETE) with the online backup API. */
async function copySqlite(from: SQLite.Database, to: string): Promise<void> {
  rmSync(to, { force: true });
  removeSidecars(to);
  await from.backup(to, { progress: () => ALL_PAGES });
  const copy = new SQLite(to, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

async function backupSqlite(source: string, target: string, force: boolean, say: (line: string) => void): Promise<void> {
  if (!existsSync(source)) throw new Refused(`no database at ${source}: is DATA_DIR right?`);
  if (existsSync(target) && !force) throw new Refused(`${target} already exists; --force overwrites it`);
  if (!existsSync(dirname(target))) throw new Refused(`the directory ${dirname(target)} does not exist`);
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  const started = performance.now();
  const db = new SQLite(source, { fileMustExist: true, timeout: 5_000 });
  try {
    await copySqlite(db, partial);
    const { migrations } = checkSatchelFile(partial, 'the backup');
    renameSync(partial, target);
    const ms = Math.round(performance.now() - started);
    say(`backed up ${source} to ${target}: ${megabytes(statSync(target).size)}, ${migrations.length} migrations, integrity ok, ${ms} ms`);
  } finally {
    db.close();
    rmSync(partial, { force: true });
    removeSidecars(partial);
  }
}

async function restoreSqlite(source: string, target: string, force: boolean, say: (line: string) => void): Promise<void> {
  if (!existsSync(source)) throw new Refused(`no backup at ${source}`);
  const { migrations } = checkSatchelFile(source, 'the backup');
  const known = new Set(knownMigrations());
  const unknown = migrations.filter((m) => !known.has(m));
  if (unknown.length) {
    throw new Refused(`the backup was made by a newer Satchel (migrations ${unknown.join(', ')}); restore it with that version`);
  }
  mkdirSync(dirname(target), { recursive: true });
  let lock: SQLite.Database | undefined;
  let keptAs: string | undefined;
  try {
    if (existsSync(target)) {
      lock = lockExclusively(target);
      if (!lock) {
        throw new Refused(`${target} is in use by a running Satchel: stop every instance using DATA_DIR=${dirname(target)} first`);
      }
      if (!force) throw new Refused(`${target} already exists; --force replaces it (the old file is kept beside it)`);
      // Fold the old write-ahead log into the file, so the copy kept aside is complete on its own.
      lock.pragma('wal_checkpoint(TRUNCATE)');
      keptAs = `${target}.before-restore-${timestamp()}`;
    }
    const incoming = join(dirname(target), `.${basename(target)}.restoring-${process.pid}`);
    const from = new SQLite(source, { readonly: true, fileMustExist: true });
    try {
      await copySqlite(from, incoming);
    } catch (error) {
      rmSync(incoming, { force: true });
      throw error;
    } finally {
      from.close();
    }
    if (keptAs) renameSync(target, keptAs);
    lock?.close();
    lock = undefined;
    // A -wal left beside the path would be replayed into the restored file: never leave one.
    removeSidecars(target);
    renameSync(incoming, target);
    say(
      `restored ${source} into ${target} (${migrations.length} migrations)` +
        (keptAs ? `; the database it replaced is kept as ${keptAs}` : '') +
        '; start Satchel on it (newer migrations of this build apply at start)',
    );
  } finally {
    lock?.close();
  }
}

// ——— PostgreSQL ———

/** pg_dump / pg_restore: the given directory, else PATH, else the newest /usr/lib/postgresql/<v>/bin. */
function pgTool(name: 'pg_dump' | 'pg_restore', preferred?: string): string[] {
  const candidates: string[] = [];
  if (preferred) candidates.push(join(preferred, name));
  candidates.push(name);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const version of readdirSync(root).sort((a, b) => Number(b) - Number(a))) candidates.push(join(root, version, 'bin', name));
  }
  return candidates;
}

/** The connection as pg tools take it: the URL without its password, the password for PGPASSWORD. */
function pgTarget(databaseUrl: string): { dbname: string; password?: string; shown: string } {
  const url = new URL(databaseUrl);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  url.password = '';
  const dbname = url.toString();
  return { dbname, shown: dbname, ...(password ? { password } : {}) };
}

function run(candidates: string[], args: string[], password: string | undefined, stderr: NodeJS.WritableStream): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const [bin, ...rest] = candidates;
    if (!bin) return reject(new Refused(`${basename(candidates[0] ?? 'pg tool')} not found: install the PostgreSQL client (apt install postgresql-client)`, 2));
    // The child gets this process's environment plus PGPASSWORD (never the password in argv).
    const child = spawn(bin, args, {
      stdio: ['ignore', 'inherit', 'pipe'],
      env: password ? { ...process.env, PGPASSWORD: password } : process.env,
    });
    child.stderr!.on('data', (chunk: Buffer) => stderr.write(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' && rest.length) resolveRun(run(rest, args, password, stderr));
      else if (error.code === 'ENOENT') reject(new Refused(`${basename(bin)} not found: install the PostgreSQL client (apt install postgresql-client)`, 2));
      else reject(error);
    });
    child.on('exit', (code) => resolveRun(code ?? 1));
  });
}

async function backupPostgres(databaseUrl: string, target: string, force: boolean, io: BackupIo, say: (line: string) => void): Promise<void> {
  if (existsSync(target) && !force) throw new Refused(`${target} already exists; --force overwrites it`);
  if (!existsSync(dirname(target))) throw new Refused(`the directory ${dirname(target)} does not exist`);
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  const { dbname, password, shown } = pgTarget(databaseUrl);
  // Custom format: compressed, restorable selectively and in one transaction by pg_restore.
  const args = ['--format=custom', '--no-owner', '--no-privileges', `--file=${partial}`, `--dbname=${dbname}`];
  (io.stderr ?? process.stderr).write(`satchel backup: pg_dump ${args.slice(0, -2).join(' ')} --file=${target} --dbname=${shown}\n`);
  try {
    const code = await run(pgTool('pg_dump', io.pgBinDir), args, password, io.stderr ?? process.stderr);
    if (code !== 0) throw new Refused(`pg_dump failed (exit ${code}); nothing was written to ${target}`);
    renameSync(partial, target);
  } finally {
    rmSync(partial, { force: true });
  }
  say(`backed up ${shown} to ${target}: ${megabytes(statSync(target).size)} (pg_dump custom format)`);
}

async function restorePostgres(databaseUrl: string, source: string, force: boolean, io: BackupIo, say: (line: string) => void): Promise<void> {
  if (!existsSync(source)) throw new Refused(`no backup at ${source}`);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'satchel-restore', connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Refused(`cannot connect to the database of DATABASE_URL: ${(error as Error).message}`);
  }
  try {
    const { rows: running } = await client.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity
        where datname = current_database() and application_name = 'satchel' and pid <> pg_backend_pid()`,
    );
    const connections = Number(running[0]?.n ?? 0);
    if (connections > 0) {
      throw new Refused(`the database is in use by a running Satchel (${connections} connections): stop every instance first`);
    }
    const { rows: tables } = await client.query(`select 1 from pg_tables where schemaname = current_schema() and tablename = 'kysely_migration'`);
    if (tables.length && !force) {
      throw new Refused('the database already holds Satchel data; --force replaces it (pg_restore --clean), or restore into a new empty database');
    }
  } finally {
    await client.end();
  }
  const { dbname, password, shown } = pgTarget(databaseUrl);
  const args = ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${dbname}`, source];
  (io.stderr ?? process.stderr).write(`satchel restore: pg_restore ${args.slice(0, -2).join(' ')} --dbname=${shown} ${source}\n`);
  const code = await run(pgTool('pg_restore', io.pgBinDir), args, password, io.stderr ?? process.stderr);
  if (code !== 0) throw new Refused(`pg_restore failed (exit ${code}); it ran in one transaction, so the database is as it was`);
  say(`restored ${source} into ${shown}; start Satchel on it (newer migrations of this build apply at start)`);
}

// ——— commands ———

async function runCommand(
  name: 'backup' | 'restore',
  flags: Flags,
  positionals: string[],
  io: BackupIo,
  work: (file: string, force: boolean, say: (line: string) => void) => Promise<void>,
): Promise<number> {
  const stderr = io.stderr ?? process.stderr;
  const stdout = io.stdout ?? process.stdout;
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    stderr.write(`satchel ${name}: give one file: satchel ${name} FILE [--force]\n`);
    return 2;
  }
  try {
    await work(resolve(file), flags.force === true, (line) => stdout.write(`${line}\n`));
    return 0;
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    stderr.write(`satchel ${name}: ${error.message}\n`);
    return error.exitCode;
  }
}

export function backupCommand(flags: Flags, positionals: string[], io: BackupIo): Promise<number> {
  const { storage } = io.config;
  return runCommand('backup', flags, positionals, io, (file, force, say) =>
    storage.kind === 'sqlite' ? backupSqlite(resolve(storage.file), file, force, say) : backupPostgres(storage.url, file, force, io, say),
  );
}

export function restoreCommand(flags: Flags, positionals: string[], io: BackupIo): Promise<number> {
  const { storage } = io.config;
  return runCommand('restore', flags, positionals, io, (file, force, say) =>
    storage.kind === 'sqlite' ? restoreSqlite(file, resolve(storage.file), force, say) : restorePostgres(storage.url, file, force, io, say),
  );
}
