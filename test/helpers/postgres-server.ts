/**
 * A throw-away PostgreSQL server for integration tests: initdb into a temp dir, then `postgres` on a
 * free loopback port, owned by this process (spawned directly, not daemonised by pg_ctl, so stop()
 * and a crashed test run both end it). Durability is switched off: ~1.5 s for initdb + ~0.2 s start.
 *
 * PostgreSQL refuses to run as root; as root the binaries run as the `postgres` OS user (spawn's
 * uid/gid, which also drops root's supplementary groups). Binaries: $PG_BIN, else the newest
 * /usr/lib/postgresql/<version>/bin, else `pg_config --bindir`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/satchel_test (trust auth, no password). */
  url: string;
  port: number;
  /** Fast shutdown (SIGINT) and removal of the data directory. */
  stop(): Promise<void>;
  /** Stops and starts the same cluster on the same port (dependency-down tests). */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

function findBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('PostgreSQL binaries not found: install postgresql or set PG_BIN');
  }
}

/** As root: the `postgres` account's uid/gid; otherwise run as ourselves. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(bin: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], ...user });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${bin} exited ${code}: ${stderr.trim()}`))));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Resolves once the server logs that it accepts connections (an event, not a poll); rejects if it
 * exits first or takes longer than READY_TIMEOUT_MS.
 */
function whenReady(child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`postgres not ready after ${READY_TIMEOUT_MS} ms:\n${log()}`)), READY_TIMEOUT_MS);
    const onData = () => {
      if (log().includes('ready to accept connections')) done();
    };
    const onExit = (code: number | null) => fail(new Error(`postgres exited (${code}) while starting:\n${log()}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
    onData();
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = findBinDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'satchel-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  let child: ChildProcess | undefined;

  // A test process that dies without stop() must not leave a server running or the dir behind.
  const onExit = () => {
    child?.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  try {
    await run(
      join(bin, 'initdb'),
      ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C', '--no-instructions'],
      user,
    );
  } catch (error) {
    onExit();
    process.off('exit', onExit);
    throw error;
  }

  let port = 0;
  const launch = async (): Promise<void> => {
    let log = '';
    child = spawn(
      join(bin, 'postgres'),
      [
        '-D', data, '-p', String(port), '-k', dir, '-h', '127.0.0.1',
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
        '-c', 'max_connections=200', '-c', 'shared_buffers=32MB',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], ...user },
    );
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      // Keep only the start of the log: enough to explain a failed start.
      if (log.length < 16_384) log += chunk;
    });
    await whenReady(child, () => log);
  };

  const startOnFreePort = async (): Promise<void> => {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      port = await freePort();
      try {
        await launch();
        return;
      } catch (error) {
        lastError = error; // the port may have been taken between freePort() and bind
        if (child) await exited(child);
      }
    }
    throw lastError;
  };

  try {
    await startOnFreePort();
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE satchel_test');
    } finally {
      await admin.end();
    }
  } catch (error) {
    onExit();
    process.off('exit', onExit);
    throw error;
  }

  const stopProcess = async (): Promise<void> => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const gone = exited(current);
    current.kill('SIGINT'); // fast shutdown: roll back open transactions, disconnect clients
    const timer = setTimeout(() => current.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await gone;
    clearTimeout(timer);
  };

  return {
    url: `postgres://postgres@127.0.0.1:${port}/satchel_test`,
    port,
    async stop() {
      await stopProcess();
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopProcess();
      await launch();
    },
  };
}

/**
 * A new, empty database on the server behind `pgUrl`, uniquely named; returns its URL. Each test file
 * (or describe block) takes its own, so files running in parallel never share tables.
 */
export async function createTestDatabase(pgUrl: string): Promise<string> {
  const name = `satchel_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by createTestDatabase, disconnecting whoever still uses it. */
export async function dropTestDatabase(pgUrl: string, databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  if (!/^satchel_t_[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop ${name}: not a test database`);
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
