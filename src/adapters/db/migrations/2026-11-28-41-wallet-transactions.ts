import type { Kysely } from 'kysely';

// What the last sync of a wallet found, one row per transaction (net amount signed, sats).
// sort_key orders a wallet's history the same way on both engines, newest first when descending:
// a confirmed transaction's key is its height; an unconfirmed one's is 2^50 + first_seen_at (ms), above
// every height, so the mempool comes first, newest first. (wallet_id, sort_key, txid) is the keyset.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('wallet_transactions')
    .addColumn('wallet_id', 'text', (c) => c.notNull().references('wallets.id').onDelete('cascade'))
    .addColumn('txid', 'text', (c) => c.notNull())
    .addColumn('height', 'integer')
    .addColumn('time', 'bigint')
    .addColumn('amount_sat', 'bigint', (c) => c.notNull())
    .addColumn('fee_sat', 'bigint')
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('sort_key', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('wallet_transactions_pk', ['wallet_id', 'txid'])
    .execute();
  await db.schema
    .createIndex('wallet_transactions_page')
    .on('wallet_transactions')
    .columns(['wallet_id', 'sort_key desc', 'txid desc'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('wallet_transactions').execute();
}
