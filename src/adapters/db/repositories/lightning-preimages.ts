/**
 * The lightning_preimages table: the dev Lightning node's record of each invoice it issued (preimage,
 * payment secret, state). State changes are conditional on `open`, so two instances settle once.
 */
import { sql } from 'kysely';
import type { DevInvoiceRecord } from '../../lightning/dev-invoice-store.js';
import type { Db, DevInvoiceStateName } from '../schema.js';
import { insertRows } from './lightning-insert.js';

function toRow(record: DevInvoiceRecord) {
  return {
    payment_hash: record.paymentHash,
    preimage: record.preimage,
    payment_secret: record.paymentSecret,
    bolt11: record.bolt11,
    amount_msat: record.amountMsat,
    memo: record.memo,
    description_hash: record.descriptionHash,
    created_at: record.createdAt.getTime(),
    expires_at: record.expiresAt.getTime(),
    state: record.state,
    settled_at: record.settledAt ? record.settledAt.getTime() : null,
    amount_paid_msat: record.amountPaidMsat,
  };
}

/** Multi-row INSERTs (SQL compiled once); a payment hash already stored fails the statement (as the port requires). */
export async function insertPreimages(db: Db, records: readonly DevInvoiceRecord[]): Promise<void> {
  await insertRows(db, 'lightning_preimages', records.map(toRow));
}

export async function getPreimage(db: Db, paymentHash: string): Promise<DevInvoiceRecord | undefined> {
  const row = await db
    .selectFrom('lightning_preimages')
    .select(['payment_hash', 'preimage', 'payment_secret', 'bolt11', 'memo', 'description_hash', 'created_at', 'expires_at', 'state', 'settled_at'])
    .select([
      sql<string | null>`cast(amount_msat as text)`.as('amount_msat_text'),
      sql<string | null>`cast(amount_paid_msat as text)`.as('amount_paid_msat_text'),
    ])
    .where('payment_hash', '=', paymentHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    paymentHash: row.payment_hash,
    preimage: row.preimage,
    paymentSecret: row.payment_secret,
    bolt11: row.bolt11,
    amountMsat: row.amount_msat_text === null ? null : BigInt(row.amount_msat_text),
    memo: row.memo,
    descriptionHash: row.description_hash,
    createdAt: new Date(Number(row.created_at)),
    expiresAt: new Date(Number(row.expires_at)),
    state: row.state,
    settledAt: row.settled_at === null ? null : new Date(Number(row.settled_at)),
    amountPaidMsat: row.amount_paid_msat_text === null ? null : BigInt(row.amount_paid_msat_text),
  };
}

async function fromOpen(db: Db, paymentHash: string, set: { state: DevInvoiceStateName; settled_at?: number; amount_paid_msat?: bigint }): Promise<boolean> {
  const result = await db
    .updateTable('lightning_preimages')
    .set(set)
    .where('payment_hash', '=', paymentHash)
    .where('state', '=', 'open')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export function settlePreimage(db: Db, paymentHash: string, settledAt: Date, amountPaidMsat: bigint): Promise<boolean> {
  return fromOpen(db, paymentHash, { state: 'settled', settled_at: settledAt.getTime(), amount_paid_msat: amountPaidMsat });
}

export function cancelPreimage(db: Db, paymentHash: string): Promise<boolean> {
  return fromOpen(db, paymentHash, { state: 'canceled' });
}
