/**
 * Storage tests run once per engine: `describe.each(DIALECTS)('… (%s)', (dialect) => …)`, with
 * `DIALECTS=sqlite,postgres` (the default; e.g. `DIALECTS=sqlite` where PostgreSQL is not installed).
 *
 * How PostgreSQL is provided — one server for the whole run, one fresh database per use:
 * - The `integration` vitest project's globalSetup (test/helpers/postgres-global-setup.ts) starts ONE
 *   server (~1 s) before any test file and hands its URL to the workers via provide/inject
 *   (`pgUrl`); it is stopped after the run. `TEST_PG_URL=postgres://…` uses an existing server instead.
 * - Every useTestDatabase()/openTestDatabase() call creates its own database on that server
 *   (CREATE DATABASE, ~80 ms) and drops it on close, so files running in parallel never share tables.
 * - A file run outside that project (no injected URL) starts a private server on first use instead;
 *   it ends with the test process.
 * SQLite: a file in a fresh temp dir, removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { createDatabase, type Database } from '../../src/adapters/db/database.js';
import type { DialectName } from '../../src/adapters/db/dialect.js';
import { migrateToLatest } from '../../src/adapters/db/migrator.js';
import type { Db } from '../../src/adapters/db/schema.js';
import { parseDialects } from './dialect-list.js';
import { createTestDatabase, dropTestDatabase, startPostgres } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the run's shared PostgreSQL server; null when postgres is not in DIALECTS. */
    pgUrl: string | null;
  }
}

export type { DialectName };
export { parseDialects };

export const DIALECTS: readonly DialectName[] = parseDialects(process.env.DIALECTS);

let privateServer: Promise<string> | undefined;

/** The PostgreSQL server URL for this test process (shared run server, else a private one). */
export async function postgresServerUrl(): Promise<string> {
  const shared = inject('pgUrl');
  if (shared) return shared;
  privateServer ??= startPostgres().then((server) => server.url); // ended by its process-exit hook
  return privateServer;
}

export interface TestDatabase extends Database {
  /** What createDatabase() was given, to open a second connection to the same database. */
  config: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
}

/** A fresh database of `dialect`, migrated unless `migrate: false`. close() also deletes it. */
export async function openTestDatabase(dialect: DialectName, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  let database: Database;
  let config: TestDatabase['config'];
  let remove: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'satchel-sqlite-'));
    config = { kind: 'sqlite', file: join(dir, 'satchel.db') };
    database = await createDatabase(config);
    remove = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const serverUrl = await postgresServerUrl();
    config = { kind: 'postgres', url: await createTestDatabase(serverUrl) };
    database = await createDatabase(config);
    const url = config.url;
    remove = () => dropTestDatabase(serverUrl, url);
  }
  if (options.migrate !== false) await migrateToLatest(database);
  return {
    ...database,
    config,
    async close() {
      await database.close();
      await remove();
    },
  };
}

/**
 * Registers beforeAll/afterAll in the calling describe block: one fresh migrated database for the
 * block, reached through the returned getters once the block's tests run.
 */
export function useTestDatabase(dialect: DialectName): { readonly database: TestDatabase; readonly db: Db } {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
  });
  afterAll(async () => {
    await database?.close();
  });
  return {
    get database() {
      if (!database) throw new Error('useTestDatabase: the database opens in beforeAll; use it inside tests');
      return database;
    },
    get db() {
      return this.database.db;
    },
  };
}
