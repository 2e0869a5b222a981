/**
 * The shape of one migration file. Kysely hands a migration only `db`; the provider in migrator.ts
 * also passes the dialect from config, so a migration branches on it where the engines' DDL differs
 * (auto-increment keys) instead of sniffing the connection. Migrations are frozen in time: they import
 * nothing from the app, only Kysely and this type.
 */
import type { Kysely } from 'kysely';

export type MigrationDialect = 'sqlite' | 'postgres';

export interface SatchelMigration {
  // Kysely<any>: a migration sees the schema as it was when it was written, not today's Schema type.
  up(db: Kysely<any>, dialect: MigrationDialect): Promise<void>;
  down?(db: Kysely<any>, dialect: MigrationDialect): Promise<void>;
}
