import type { Kysely } from 'kysely';

// Login throttling state in the database, so every instance sees the same counts (and the Redis-less
// fallback fails closed). `key` names what is throttled: `user:alice`, `ip:192.0.2.7`.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_failures')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .execute();
  await db.schema.createIndex('login_failures_window_start').on('login_failures').column('window_start').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_failures').execute();
}
