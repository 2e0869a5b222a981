/**
 * Runs the migrations in migrations/ with Kysely's Migrator, under a lock, so several instances may
 * start at once (issue 9): one applies the pending migrations, the others wait and then find nothing
 * left to do.
 *
 * Kysely's own locking is not enough here. On SQLite its lock is a no-op (it assumes one connection),
 * so two processes on one file both ran the first migration and one failed ("table users already
 * exists"). On PostgreSQL it blocks in pg_advisory_lock, a statement that the pool's statement and
 * query timeouts (4–5 s) cut short while another instance runs long migrations. So the lock is taken
 * here, on one connection, by polling a lock that never blocks: `pg_try_advisory_lock` on Kysely's key
 * (session locks nest, so its Migrator then gets the same lock at once), and on SQLite `BEGIN IMMEDIATE`
 * with no busy wait (better-sqlite3 would otherwise block the whole event loop). On SQLite every pending
 * migration then runs inside that one write transaction: all of them are applied, or none.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './database.js';
import type { DialectName } from './dialect.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Schema } from './schema.js';

export class MigrationError extends Error {
  constructor(
    readonly migration: string | undefined,
    cause: unknown,
  ) {
    super(migration ? `migration ${migration} failed` : 'migrations could not run', { cause });
    this.name = 'MigrationError';
  }
}

/** Kysely hands a migration only `db`; this provider closes over the configured dialect too. */
class SatchelMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const dialect = this.dialect;
    const migrations: Record<string, Migration> = {};
    for (const [name, m] of Object.entries(MIGRATIONS)) {
      const down = m.down;
      migrations[name] = {
        up: (db) => m.up(db, dialect),
        ...(down ? { down: (db) => down(db, dialect) } : {}),
      };
    }
    return migrations;
  }
}

function migratorFor(db: Kysely<Schema>, dialect: DialectName): Migrator {
  return new Migrator({ db, provider: new SatchelMigrationProvider(dialect) });
}

export interface MigrateOptions {
  /** How long to wait for another instance's migrations before giving up. Default 10 minutes. */
  lockWaitMs?: number;
}

/** Kysely's PostgreSQL migration lock key (kysely/dist/esm/dialect/postgres/postgres-adapter.js). */
const PG_MIGRATION_LOCK_ID = sql.lit('3853314791062309107');
const POLL_MIN_MS = 20;
const POLL_MAX_MS = 250;

/** Calls `tryLock` until it returns true, backing off from 20 to 250 ms; throws after `waitMs`. */
async function pollLock(tryLock: () => Promise<boolean>, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let pause = POLL_MIN_MS; !(await tryLock()); pause = Math.min(pause * 2, POLL_MAX_MS)) {
    if (Date.now() > deadline) {
      throw new MigrationError(undefined, new Error(`another instance held the migration lock for over ${Math.round(waitMs / 1000)} s`));
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** Runs `body` on one connection holding the migration lock of the database. */
async function withMigrationLock<T>(database: Database, waitMs: number, body: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
  return database.db.connection().execute(async (db) => {
    if (database.dialect === 'postgres') {
      await pollLock(async () => {
        const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${PG_MIGRATION_LOCK_ID}) as locked`.execute(db);
        return rows[0]?.locked === true;
      }, waitMs);
      try {
        return await body(db);
      } finally {
        await sql`select pg_advisory_unlock(${PG_MIGRATION_LOCK_ID})`.execute(db);
      }
    }
    const { rows } = await sql<{ timeout: number }>`pragma busy_timeout`.execute(db);
    const busyTimeout = Number(rows[0]?.timeout ?? 0);
    await sql`pragma busy_timeout = 0`.execute(db);
    try {
      await pollLock(async () => {
        try {
          await sql`begin immediate`.execute(db);
          return true;
        } catch (error) {
          if (isSqliteBusy(error)) return false;
          throw error;
        }
      }, waitMs);
    } finally {
      await sql`pragma busy_timeout = ${sql.lit(busyTimeout)}`.execute(db);
    }
    let result: T;
    try {
      result = await body(db);
    } catch (error) {
      await sql`rollback`.execute(db);
      throw error;
    }
    await sql`commit`.execute(db);
    return result;
  });
}

/** Applies every pending migration; `applied` names those this call ran (empty when up to date). */
export async function migrateToLatest(database: Database, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  return withMigrationLock(database, options.lockWaitMs ?? 10 * 60_000, async (db) => {
    const { error, results = [] } = await migratorFor(db, database.dialect).migrateToLatest();
    if (error) throw new MigrationError(results.find((r) => r.status === 'Error')?.migrationName, error);
    return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
  });
}

/** Each known migration and when it ran (undefined when pending). */
export async function migrationStatus(database: Database): Promise<Array<{ name: string; executedAt?: Date }>> {
  const infos = await migratorFor(database.db, database.dialect).getMigrations();
  return infos.map((m) => (m.executedAt ? { name: m.name, executedAt: m.executedAt } : { name: m.name }));
}

/** Names of all migrations this build knows, oldest first. */
export function knownMigrations(): string[] {
  return Object.keys(MIGRATIONS).sort();
}
