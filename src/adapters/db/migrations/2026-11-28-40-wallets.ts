import { sql, type Kysely } from 'kysely';

// Watch-only wallets (SPEC: Wallets). The normalized descriptor (with its BIP-380 checksum) is the one
// source of truth for derivation; the other columns are what the last sync found, kept so reads need no
// chain access. sync_state is JSON text ({used, tipHeight}); transactions live in wallet_transactions.
// handout_* are the next index `POST …/addresses/next-unused` gives out per chain; sync_lease_* make
// concurrent syncs of one wallet coalesce across instances; rescan_pending is set when a gap limit grows.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('wallets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('script_type', 'text', (c) => c.notNull())
    .addColumn('descriptor', 'text', (c) => c.notNull())
    .addColumn('gap_receive', 'integer', (c) => c.notNull().defaultTo(20))
    .addColumn('gap_change', 'integer', (c) => c.notNull().defaultTo(20))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_synced_at', 'bigint')
    .addColumn('sync_state', 'text')
    .addColumn('balance_confirmed', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('balance_unconfirmed', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('tx_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('used_addresses', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rescan_pending', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('handout_receive', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('handout_change', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sync_lease_owner', 'text')
    .addColumn('sync_lease_until', 'bigint')
    .addCheckConstraint('wallets_kind', sql`kind in ('address', 'xpub', 'descriptor')`)
    .addCheckConstraint('wallets_network', sql`network in ('mainnet', 'testnet', 'signet', 'regtest')`)
    .addCheckConstraint('wallets_gap', sql`gap_receive between 1 and 1000 and gap_change between 1 and 1000`)
    .addCheckConstraint('wallets_rescan_pending', sql`rescan_pending in (0, 1)`)
    .execute();
  // Keyset listing of a user's wallets, newest first.
  await db.schema.createIndex('wallets_user_created').on('wallets').columns(['user_id', 'created_at', 'id']).execute();
  // The background re-sync picks the wallets synced longest ago.
  await db.schema.createIndex('wallets_last_synced').on('wallets').columns(['last_synced_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('wallets').execute();
}
