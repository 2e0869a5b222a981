/**
 * Opens the one database the app uses: a SQLite file (embedded mode) or a PostgreSQL pool (scaled
 * mode), chosen by config. Both hand back `Kysely<Schema>` with the same JS types: BIGINT columns
 * (timestamps in ms, sats, msats) read as `number` on both engines.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import type { DialectName } from './dialect.js';
import { startSqliteCheckpointer } from './sqlite-checkpointer.js';
import type { Schema } from './schema.js';

export type DatabaseConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export interface Database {
  db: Kysely<Schema>;
  dialect: DialectName;
  close(): Promise<void>;
  /** Resolves when the database answers a trivial query; rejects otherwise (health checks). */
  ping(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL pool size (default 10). */
  poolMax?: number;
  /**
   * PostgreSQL server-side statement_timeout in ms (default 4,000; 0 = none). The client gives up one
   * second later (query_timeout), so a frozen server or a cut network costs a request at most ~5 s.
   */
  statementTimeoutMs?: number;
  /** Errors of idle pooled connections (server restart, network); without it they are dropped silently. */
  onPoolError?: (error: Error) => void;
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/**
 * int8 → number. Every BIGINT Satchel stores (ms timestamps, sats ≤ 21e14, msats ≤ 21e17 in theory)
 * fits in 2^53 in practice: the largest possible msat amount, 2.1e18, does not, so a value beyond
 * Number.MAX_SAFE_INTEGER fails loudly instead of silently losing precision.
 */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`int8 value ${text} is beyond Number.MAX_SAFE_INTEGER and cannot be read exactly`);
  }
  return value;
}

/** numeric (SUM over BIGINT, AVG) → number; an integral result out of the safe range fails like int8. */
export function parseNumeric(text: string): number {
  if (/^-?\d+$/.test(text)) return parseInt8(text);
  return Number(text);
}

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (format !== 'binary') {
      if (oid === PG_INT8) return parseInt8;
      if (oid === PG_NUMERIC) return parseNumeric;
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

/**
 * Kysely's SQLite driver prepares every query anew (~5–15 µs each, more for multi-row INSERTs), while a
 * better-sqlite3 statement can be run again and again: keep the most recent ones by SQL text. A statement
 * still iterating (busy) is never handed out twice; SQLite re-prepares by itself after a schema change.
 */
function withStatementCache(connection: SQLite.Database, max = 256): SqliteDatabase {
  const statements = new LRUCache<string, SQLite.Statement>({ max });
  return {
    close: () => connection.close(),
    prepare(text: string) {
      const cached = statements.get(text);
      if (cached && !cached.busy) return cached;
      const statement = connection.prepare(text);
      statements.set(text, statement);
      return statement;
    },
  };
}

function openSqlite(file: string): Database {
  const isPath = file !== ':memory:' && !file.startsWith('file:');
  if (isPath) mkdirSync(dirname(file), { recursive: true });
  const connection = new SQLite(file);
  connection.pragma('journal_mode = WAL');
  // WAL + NORMAL: durable across application crashes, may lose the last commits on power loss.
  connection.pragma('synchronous = NORMAL');
  // In WAL + NORMAL the fsyncs happen at checkpoints, which a worker thread runs (sqlite-checkpointer.ts)
  // so that no commit on the main thread waits for one. This connection's own automatic checkpoint is
  // the fallback should the worker fall behind: every 10,000 pages (~40 MB of WAL), not SQLite's 1,000.
  connection.pragma('wal_autocheckpoint = 10000');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  const checkpointer = isPath ? startSqliteCheckpointer(file) : undefined;
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  return {
    db,
    dialect: 'sqlite',
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
    ping: async () => {
      await sql`select 1`.execute(db);
    },
  };
}

/**
 * Fault budget (docs/deploy.md, section 5): while PostgreSQL restarts or is down, a request fails within
 * these bounds with a 503 instead of hanging — refused or terminated connections at once, a connect (or a
 * wait for a free pooled client) after 2 s, a statement after 4 s (5 s if the server stops answering).
 * Broken clients are discarded by the pool, so it reconnects by itself. `satchel migrate` runs without
 * the statement timeout.
 */
export const PG_CONNECT_TIMEOUT_MS = 2_000;
export const PG_STATEMENT_TIMEOUT_MS = 4_000;

function openPostgres(url: string, options: DatabaseOptions): Database {
  const statementTimeout = options.statementTimeoutMs ?? PG_STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    // A peer that vanished without a FIN (host down, network cut) is noticed by TCP keepalive.
    keepAlive: true,
    application_name: 'satchel',
    ...(statementTimeout > 0
      ? { statement_timeout: statementTimeout, query_timeout: statementTimeout + 1_000 }
      : {}),
    // A transaction left open by a crashed request must not hold locks forever.
    idle_in_transaction_session_timeout: 60_000,
    types: pgTypes,
  });
  // An idle client's error (server restart) is emitted on the pool; unhandled, it would end the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  // pg-pool listens only to idle clients: a checked-out one terminated between two statements (a
  // transaction waiting for the next batch of an import) would emit an unhandled 'error' and end the
  // process. Its next statement fails instead (→ 503) and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    close: () => db.destroy(),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
  };
}

export async function createDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Promise<Database> {
  return config.kind === 'sqlite' ? openSqlite(config.file) : openPostgres(config.url, options);
}
