import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../../src/adapters/db/database.js';
import { knownMigrations, migrateToLatest, migrationStatus } from '../../../src/adapters/db/migrator.js';
import { DIALECTS, openTestDatabase } from '../../helpers/dialects.js';

const TABLES = ['users', 'sessions', 'api_tokens', 'audit_events', 'login_failures', 'idempotency_keys', 'settings', 'wallets', 'wallet_transactions', 'lightning_invoices', 'lightning_preimages'];

describe.each(DIALECTS)('migrations (%s)', (dialect) => {
  it('apply every migration to an empty database, in name order', async () => {
    const database = await openTestDatabase(dialect, { migrate: false });
    try {
      const { applied } = await migrateToLatest(database);
      expect(applied).toEqual(knownMigrations());
      const tables = (await database.db.introspection.getTables()).map((t) => t.name);
      for (const table of TABLES) expect(tables).toContain(table);
      const status = await migrationStatus(database);
      expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
    } finally {
      await database.close();
    }
  });

  it('are idempotent: a second run applies nothing and keeps the data', async () => {
    const database = await openTestDatabase(dialect);
    try {
      await database.db.insertInto('settings').values({ key: 'k', value: '1', updated_at: 1 }).execute();
      expect(await migrateToLatest(database)).toEqual({ applied: [] });
      const rows = await database.db.selectFrom('settings').selectAll().execute();
      expect(rows).toHaveLength(1);
    } finally {
      await database.close();
    }
  });

  it('are known by date-prefixed names', () => {
    for (const name of knownMigrations()) expect(name).toMatch(/^\d{4}-\d{2}-\d{2}-\d{2}-[a-z0-9-]+$/);
  });

  it('give the database ping() an answer', async () => {
    const database = await openTestDatabase(dialect);
    try {
      await expect(database.ping()).resolves.toBeUndefined();
      const result = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      expect(result.rows[0]?.one).toBe(1);
    } finally {
      await database.close();
    }
  });
});

describe.runIf(DIALECTS.includes('postgres'))('migrations on postgres with concurrent starts', () => {
  it('two instances migrating one fresh database at once both succeed and apply each migration once', async () => {
    const blank = await openTestDatabase('postgres', { migrate: false });
    const instances = await Promise.all([createDatabase(blank.config), createDatabase(blank.config), createDatabase(blank.config)]);
    try {
      const results = await Promise.all(instances.map((instance) => migrateToLatest(instance)));
      const applied = results.flatMap((r) => r.applied).sort();
      expect(applied).toEqual(knownMigrations());
      const rows = await blank.db
        .selectFrom('kysely_migration' as never)
        .select(sql<string>`name`.as('name'))
        .execute();
      expect(rows.map((r) => r.name).sort()).toEqual(knownMigrations());
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
      await blank.close();
    }
  });
});
