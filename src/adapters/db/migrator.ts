/**
 * Runs the migrations in migrations/ with Kysely's Migrator. Safe for several instances starting at
 * once: on PostgreSQL the Migrator holds a session advisory lock (PostgresAdapter) and runs all pending
 * migrations in one transaction; SQLite has one writer at a time anyway.
 */
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './database.js';
import type { DialectName } from './dialect.js';
import { MIGRATIONS } from './migrations/index.js';

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

function migratorFor(database: Database): Migrator {
  return new Migrator({ db: database.db, provider: new SatchelMigrationProvider(database.dialect) });
}

/** Applies every pending migration; `applied` names those this call ran (empty when up to date). */
export async function migrateToLatest(database: Database): Promise<{ applied: string[] }> {
  const { error, results = [] } = await migratorFor(database).migrateToLatest();
  if (error) throw new MigrationError(results.find((r) => r.status === 'Error')?.migrationName, error);
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** Each known migration and when it ran (undefined when pending). */
export async function migrationStatus(database: Database): Promise<Array<{ name: string; executedAt?: Date }>> {
  const infos = await migratorFor(database).getMigrations();
  return infos.map((m) => (m.executedAt ? { name: m.name, executedAt: m.executedAt } : { name: m.name }));
}

/** Names of all migrations this build knows, oldest first. */
export function knownMigrations(): string[] {
  return Object.keys(MIGRATIONS).sort();
}
