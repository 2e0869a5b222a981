/**
 * The lightning_invoices table: batched inserts, owner-scoped reads and keyset pages, and the watcher's
 * conditional status changes (`WHERE status = 'pending'`, so instances racing on one invoice change it once).
 * msat columns are read as text: 2.1e18 does not fit a double, and pg's int8 parser refuses it.
 */
import { sql } from 'kysely';
import type { Invoice, InvoiceListQuery, InvoicePage } from '../../../domain/lightning/invoices.js';
import type { PendingInvoice } from '../../../domain/lightning/invoice-watcher.js';
import { decodeCursor, toPage } from '../cursor.js';
import { ROWS_PER_INSERT } from '../dialect.js';
import type { Db, LightningInvoiceStatus } from '../schema.js';
import { insertRows } from './lightning-insert.js';

const COLUMNS = [
  'id',
  'user_id',
  'payment_hash',
  'bolt11',
  'memo',
  'status',
  'created_at',
  'expires_at',
  'settled_at',
  'backend',
] as const;

interface InvoiceRow {
  id: string;
  user_id: string;
  payment_hash: string;
  bolt11: string;
  memo: string;
  status: LightningInvoiceStatus;
  created_at: number;
  expires_at: number;
  settled_at: number | null;
  backend: 'dev' | 'lnd';
  amount_msat_text: string | null;
  amount_paid_msat_text: string | null;
}

function select(db: Db) {
  return db
    .selectFrom('lightning_invoices')
    .select(COLUMNS)
    .select([
      sql<string | null>`cast(amount_msat as text)`.as('amount_msat_text'),
      sql<string | null>`cast(amount_paid_msat as text)`.as('amount_paid_msat_text'),
    ]);
}

function toInvoice(row: InvoiceRow): Invoice {
  return {
    id: row.id,
    userId: row.user_id,
    paymentHash: row.payment_hash,
    bolt11: row.bolt11,
    amountMsat: row.amount_msat_text === null ? null : BigInt(row.amount_msat_text),
    memo: row.memo,
    status: row.status,
    createdAt: new Date(Number(row.created_at)),
    expiresAt: new Date(Number(row.expires_at)),
    settledAt: row.settled_at === null ? null : new Date(Number(row.settled_at)),
    amountPaidMsat: row.amount_paid_msat_text === null ? null : BigInt(row.amount_paid_msat_text),
    backend: row.backend,
  };
}

function toRow(invoice: Invoice) {
  return {
    id: invoice.id,
    user_id: invoice.userId,
    payment_hash: invoice.paymentHash,
    bolt11: invoice.bolt11,
    amount_msat: invoice.amountMsat,
    memo: invoice.memo,
    status: invoice.status,
    created_at: invoice.createdAt.getTime(),
    expires_at: invoice.expiresAt.getTime(),
    settled_at: invoice.settledAt ? invoice.settledAt.getTime() : null,
    amount_paid_msat: invoice.amountPaidMsat,
    backend: invoice.backend,
  };
}

/** Multi-row INSERTs of ≤ 500 rows (SQL compiled once, see lightning-insert.ts), in one transaction (the caller's when given one). */
export async function insertInvoices(db: Db, invoices: readonly Invoice[]): Promise<void> {
  if (invoices.length === 0) return;
  const rows = invoices.map(toRow);
  if (db.isTransaction || rows.length <= ROWS_PER_INSERT) return insertRows(db, 'lightning_invoices', rows);
  return db.transaction().execute((trx) => insertRows(trx, 'lightning_invoices', rows));
}

export async function getInvoice(db: Db, userId: string, id: string): Promise<Invoice | null> {
  const row = await select(db).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return row ? toInvoice(row) : null;
}

export async function getInvoiceByPaymentHash(db: Db, paymentHash: string): Promise<Invoice | null> {
  const row = await select(db).where('payment_hash', '=', paymentHash).executeTakeFirst();
  return row ? toInvoice(row) : null;
}

/** Newest first, keyset-paged on (created_at, id); `status` is judged at `now` (see effectiveStatus). */
export async function listInvoices(db: Db, userId: string, query: InvoiceListQuery): Promise<InvoicePage> {
  const now = query.now.getTime();
  let q = select(db).where('user_id', '=', userId);
  switch (query.status) {
    case undefined:
      q = q.where('status', '!=', 'void');
      break;
    case 'pending':
      q = q.where('status', '=', 'pending').where('expires_at', '>', now);
      break;
    case 'expired':
      q = q.where((eb) =>
        eb.or([eb('status', '=', 'expired'), eb.and([eb('status', '=', 'pending'), eb('expires_at', '<=', now)])]),
      );
      break;
    default:
      q = q.where('status', '=', query.status);
  }
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
  return toPage(rows.map(toInvoice), query.limit, (invoice) => ({ createdAt: invoice.createdAt.getTime(), id: invoice.id }));
}

/** Every pending invoice of every owner (the watcher's sweep; served by (status, expires_at)). */
export async function listPendingInvoices(db: Db): Promise<PendingInvoice[]> {
  const rows = await db
    .selectFrom('lightning_invoices')
    .select(['payment_hash', 'expires_at'])
    .where('status', '=', 'pending')
    .orderBy('expires_at')
    .execute();
  return rows.map((row) => ({ paymentHash: row.payment_hash, expiresAt: new Date(Number(row.expires_at)) }));
}

async function fromPending(
  db: Db,
  paymentHash: string,
  set: { status: LightningInvoiceStatus; settled_at?: number; amount_paid_msat?: bigint },
): Promise<boolean> {
  const result = await db
    .updateTable('lightning_invoices')
    .set(set)
    .where('payment_hash', '=', paymentHash)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export function markInvoicePaid(db: Db, paymentHash: string, paid: { settledAt: Date; amountPaidMsat: bigint }): Promise<boolean> {
  return fromPending(db, paymentHash, { status: 'paid', settled_at: paid.settledAt.getTime(), amount_paid_msat: paid.amountPaidMsat });
}

export function markInvoiceExpired(db: Db, paymentHash: string): Promise<boolean> {
  return fromPending(db, paymentHash, { status: 'expired' });
}

export function markInvoiceCanceled(db: Db, paymentHash: string): Promise<boolean> {
  return fromPending(db, paymentHash, { status: 'canceled' });
}
