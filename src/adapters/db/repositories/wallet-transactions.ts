/**
 * A wallet's synced transactions. Pages are keyset on (sort_key, txid) descending — mempool first,
 * then by height — and exports read the same index ascending. The owner's BIP-329 `tx` note is joined
 * in by (user_id, 'tx', txid), which the notes table's unique key serves.
 */
import type { WalletTransaction } from '../../../domain/wallets/ports.js';
import type { SyncedTransaction } from '../../../domain/wallets/sync.js';
import { decodeCursor, toPage, type Page } from '../cursor.js';
import { inChunks } from '../dialect.js';
import type { Db } from '../schema.js';

/** Above every block height; an unconfirmed transaction sorts at this + first_seen_at (ms). */
export const UNCONFIRMED_SORT_BASE = 2 ** 50;
/** Rows per export read. */
export const TX_STREAM_BATCH = 1_000;

export function sortKeyOf(tx: { height: number | null; firstSeenAt: number }): number {
  return tx.height === null ? UNCONFIRMED_SORT_BASE + tx.firstSeenAt : tx.height;
}

interface Joined {
  txid: string;
  height: number | null;
  time: number | null;
  amount_sat: number;
  fee_sat: number | null;
  first_seen_at: number;
  sort_key: number;
  note?: string | null;
}

function toTransaction(row: Joined): WalletTransaction {
  const tx: WalletTransaction = { txid: row.txid, height: row.height, amountSat: row.amount_sat, firstSeenAt: row.first_seen_at };
  if (row.time !== null) tx.time = row.time;
  if (row.fee_sat !== null) tx.feeSat = row.fee_sat;
  if (row.note) tx.note = row.note;
  return tx;
}

export async function allWalletTransactions(db: Db, walletId: string): Promise<Array<SyncedTransaction & { firstSeenAt: number }>> {
  const rows = await db.selectFrom('wallet_transactions').selectAll().where('wallet_id', '=', walletId).execute();
  return rows.map(toTransaction);
}

export async function upsertWalletTransactions(db: Db, walletId: string, txs: ReadonlyArray<SyncedTransaction & { firstSeenAt: number }>): Promise<void> {
  for (const chunk of inChunks(txs)) {
    await db
      .insertInto('wallet_transactions')
      .values(
        chunk.map((tx) => ({
          wallet_id: walletId,
          txid: tx.txid,
          height: tx.height,
          time: tx.time ?? null,
          amount_sat: tx.amountSat,
          fee_sat: tx.feeSat ?? null,
          first_seen_at: tx.firstSeenAt,
          sort_key: sortKeyOf(tx),
        })),
      )
      .onConflict((oc) =>
        oc.columns(['wallet_id', 'txid']).doUpdateSet((eb) => ({
          height: eb.ref('excluded.height'),
          time: eb.ref('excluded.time'),
          amount_sat: eb.ref('excluded.amount_sat'),
          fee_sat: eb.ref('excluded.fee_sat'),
          sort_key: eb.ref('excluded.sort_key'),
        })),
      )
      .execute();
  }
}

export async function deleteWalletTransactions(db: Db, walletId: string, txids: readonly string[]): Promise<void> {
  for (const chunk of inChunks(txids)) {
    await db.deleteFrom('wallet_transactions').where('wallet_id', '=', walletId).where('txid', 'in', chunk).execute();
  }
}

function withNotes(db: Db, userId: string, walletId: string) {
  return db
    .selectFrom('wallet_transactions as t')
    .leftJoin('notes as n', (join) => join.on('n.user_id', '=', userId).on('n.type', '=', 'tx').onRef('n.ref', '=', 't.txid'))
    .select(['t.txid', 't.height', 't.time', 't.amount_sat', 't.fee_sat', 't.first_seen_at', 't.sort_key', 'n.label as note'])
    .where('t.wallet_id', '=', walletId);
}

/** Newest first; the cursor is (sort_key, txid) of the page's last row. */
export async function listWalletTransactions(
  db: Db,
  userId: string,
  walletId: string,
  options: { cursor?: string; limit: number },
): Promise<Page<WalletTransaction>> {
  let query = withNotes(db, userId, walletId);
  if (options.cursor !== undefined) {
    const after = decodeCursor(options.cursor);
    query = query.where((eb) => eb(eb.refTuple('t.sort_key', 't.txid'), '<', eb.tuple(after.createdAt, after.id)));
  }
  const rows = await query.orderBy('t.sort_key', 'desc').orderBy('t.txid', 'desc').limit(options.limit + 1).execute();
  const page = toPage(rows, options.limit, (row) => ({ createdAt: row.sort_key, id: row.txid }));
  return page.next ? { items: page.items.map(toTransaction), next: page.next } : { items: page.items.map(toTransaction) };
}

/** Oldest first, TX_STREAM_BATCH rows per query (exports of long histories stay flat in memory). */
export async function* streamWalletTransactions(db: Db, userId: string, walletId: string, batchSize = TX_STREAM_BATCH): AsyncGenerator<WalletTransaction> {
  let after: { sortKey: number; txid: string } | undefined;
  for (;;) {
    let query = withNotes(db, userId, walletId);
    if (after) {
      const { sortKey, txid } = after;
      query = query.where((eb) => eb(eb.refTuple('t.sort_key', 't.txid'), '>', eb.tuple(sortKey, txid)));
    }
    const rows = await query.orderBy('t.sort_key', 'asc').orderBy('t.txid', 'asc').limit(batchSize).execute();
    for (const row of rows) yield toTransaction(row);
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1]!;
    after = { sortKey: last.sort_key, txid: last.txid };
  }
}
