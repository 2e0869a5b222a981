import { sql, type Kysely } from 'kysely';

// Lightning invoices (SPEC: Lightning), owner-scoped. amount_msat is BIGINT (up to 2.1e18, beyond 2^53:
// the repository reads it back as text). `void` marks invoices withdrawn by an atomic bulk rollback.
// Indexes: (user_id, created_at, id) for keyset pages, (user_id, status, created_at, id) for pages of
// one status, (status, expires_at) for the watcher's pending sweep.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lightning_invoices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('payment_hash', 'text', (c) => c.notNull().unique())
    .addColumn('bolt11', 'text', (c) => c.notNull())
    .addColumn('amount_msat', 'bigint')
    .addColumn('memo', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('settled_at', 'bigint')
    .addColumn('amount_paid_msat', 'bigint')
    .addColumn('backend', 'text', (c) => c.notNull())
    .addCheckConstraint('lightning_invoices_status', sql`status in ('pending', 'paid', 'expired', 'canceled', 'void')`)
    .addCheckConstraint('lightning_invoices_backend', sql`backend in ('dev', 'lnd')`)
    .addCheckConstraint('lightning_invoices_amount', sql`amount_msat is null or amount_msat > 0`)
    .execute();
  await db.schema
    .createIndex('lightning_invoices_user_created')
    .on('lightning_invoices')
    .columns(['user_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('lightning_invoices_user_status_created')
    .on('lightning_invoices')
    .columns(['user_id', 'status', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('lightning_invoices_status_expires')
    .on('lightning_invoices')
    .columns(['status', 'expires_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lightning_invoices').execute();
}
