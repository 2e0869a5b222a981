/**
 * Lightning storage ports on Kysely (SQLite or PostgreSQL):
 * - SqlInvoiceStore: the invoice use cases' InvoiceStore, which is also the watcher's InvoiceWatchStore.
 * - SqlDevInvoiceStore: the dev node's DevInvoiceStore, so preimages survive a restart and are shared by
 *   instances. Its inserts are grouped: every insert() made in the same turn of the event loop (a bulk
 *   request's concurrent createInvoice calls) becomes one multi-row INSERT, and each caller's promise
 *   settles when its row is stored — an invoice is never handed out before its preimage is kept.
 * - Kept together: a SqlDevInvoiceStore handed to a SqlInvoiceStore (`devRecords`, main.ts) does not write
 *   a record on its own when it is made but keeps it, and the invoice store's next insertMany writes every
 *   record kept so far and its invoice rows in one short transaction: one commit for both tables instead
 *   of one each (on SQLite each commit appends every page it dirtied to the WAL, and the random-key hash
 *   indexes dirty about a page a row). An invoice row is thus never committed without its preimage (same
 *   or earlier transaction; a failed one puts the records back), reads and moves of the dev store write
 *   the kept records first, and records no invoice row claims (failed items) are written within a second.
 *   The invoice use cases hand an invoice out only once insertMany has stored it.
 */
import type { DevInvoiceRecord, DevInvoiceStore } from '../lightning/dev-invoice-store.js';
import type { Invoice, InvoiceListQuery, InvoicePage, InvoiceStore } from '../../domain/lightning/invoices.js';
import type { PendingInvoice } from '../../domain/lightning/invoice-watcher.js';
import {
  getInvoice,
  getInvoiceByPaymentHash,
  insertInvoices,
  listInvoices,
  listPendingInvoices,
  markInvoiceCanceled,
  markInvoiceExpired,
  markInvoicePaid,
} from './repositories/lightning-invoices.js';
import { cancelPreimage, getPreimage, insertPreimages, settlePreimage } from './repositories/lightning-preimages.js';
import type { Db } from './schema.js';

export class SqlInvoiceStore implements InvoiceStore {
  /**
   * `onPaid` hears of each invoice this store moved to paid (once: the move is a conditional update).
   * `devRecords`: the dev node's store over the same database, whose records insertMany then writes.
   */
  constructor(
    private readonly db: Db,
    private readonly events: { onPaid?: (paymentHash: string) => void; devRecords?: SqlDevInvoiceStore } = {},
  ) {
    events.devRecords?.keepForInvoiceStore();
  }

  /** With the dev node's records kept so far (when paired), in one transaction. */
  async insertMany(invoices: readonly Invoice[]): Promise<void> {
    const kept = this.events.devRecords;
    if (!kept) return insertInvoices(this.db, invoices);
    await kept.writeWith(this.db, invoices.map((invoice) => invoice.paymentHash), (trx) => insertInvoices(trx, invoices));
  }

  get(userId: string, id: string): Promise<Invoice | null> {
    return getInvoice(this.db, userId, id);
  }

  list(userId: string, query: InvoiceListQuery): Promise<InvoicePage> {
    return listInvoices(this.db, userId, query);
  }

  listPending(): Promise<PendingInvoice[]> {
    return listPendingInvoices(this.db);
  }

  async markPaid(paymentHash: string, paid: { settledAt: Date; amountPaidMsat: bigint }): Promise<boolean> {
    const moved = await markInvoicePaid(this.db, paymentHash, paid);
    if (moved) this.events.onPaid?.(paymentHash);
    return moved;
  }

  getByPaymentHash(paymentHash: string): Promise<Invoice | null> {
    return getInvoiceByPaymentHash(this.db, paymentHash);
  }

  markExpired(paymentHash: string): Promise<boolean> {
    return markInvoiceExpired(this.db, paymentHash);
  }

  markCanceled(paymentHash: string): Promise<boolean> {
    return markInvoiceCanceled(this.db, paymentHash);
  }
}

interface QueuedInsert {
  record: DevInvoiceRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class SqlDevInvoiceStore implements DevInvoiceStore {
  private queue: QueuedInsert[] = [];
  /** Paired with an invoice store: records kept until it (or a read here, or the timer) writes them. */
  private keeping = false;
  private kept: DevInvoiceRecord[] = [];
  /** Writes of kept records under way, by payment hash. */
  private readonly writing = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  /** Called by the SqlInvoiceStore this store is handed to: from now on records wait for its inserts. */
  keepForInvoiceStore(): void {
    this.keeping = true;
  }

  /**
   * Writes the records kept so far and then `rest` in one transaction on `db`. First waits for any write
   * under way that holds the record of one of `hashes` (the invoice rows of `rest`): if that write fails,
   * its records are kept again and go in this one, so no invoice row is committed without its record.
   * A failed write keeps its records again.
   */
  async writeWith(db: Db, hashes: readonly string[] = [], rest?: (trx: Db) => Promise<void>): Promise<void> {
    // Checked again after each wait (another write may have taken them meanwhile); from the last check to
    // the splice below nothing else runs.
    for (;;) {
      const underWay = new Set<Promise<void>>();
      for (const hash of hashes) {
        const write = this.writing.get(hash);
        if (write) underWay.add(write);
      }
      if (underWay.size === 0) break;
      await Promise.allSettled(underWay);
    }
    const records = this.kept.splice(0);
    if (records.length === 0) return rest?.(db);
    const write = (async () => {
      if (!rest) return insertPreimages(db, records);
      await db.transaction().execute(async (trx) => {
        await insertPreimages(trx, records);
        await rest(trx);
      });
    })();
    for (const record of records) this.writing.set(record.paymentHash, write);
    try {
      await write;
    } catch (error) {
      this.kept.unshift(...records);
      throw error;
    } finally {
      for (const record of records) if (this.writing.get(record.paymentHash) === write) this.writing.delete(record.paymentHash);
    }
  }

  insert(record: DevInvoiceRecord): Promise<void> {
    if (this.keeping) {
      this.kept.push({ ...record });
      this.armTimer();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const queue = this.queue;
      queue.push({ record: { ...record }, resolve, reject });
      if (queue.length === 1) setImmediate(() => void this.flush());
    });
  }

  /** Records no invoice row claims (an item that failed after signing) are written on their own. */
  private armTimer(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.kept.length > 0) this.writeWith(this.db).catch(() => this.armTimer());
    }, 1_000);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    try {
      await insertPreimages(this.db, batch.map((q) => q.record));
      for (const q of batch) q.resolve();
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // One bad row (a duplicate hash) must not fail its neighbours: try each on its own.
      await Promise.all(
        batch.map((q) =>
          insertPreimages(this.db, [q.record]).then(
            () => q.resolve(),
            (own: unknown) => q.reject(own),
          ),
        ),
      );
    }
  }

  /** The record of `paymentHash` is written first if it is kept, so reads and moves see every record. */
  private async written(paymentHash: string): Promise<void> {
    const underWay = this.writing.get(paymentHash);
    if (underWay) await underWay.catch(() => undefined);
    if (this.kept.some((record) => record.paymentHash === paymentHash)) await this.writeWith(this.db, [paymentHash]);
  }

  async get(paymentHash: string): Promise<DevInvoiceRecord | undefined> {
    await this.written(paymentHash);
    return getPreimage(this.db, paymentHash);
  }

  async settle(paymentHash: string, settledAt: Date, amountPaidMsat: bigint): Promise<boolean> {
    await this.written(paymentHash);
    return settlePreimage(this.db, paymentHash, settledAt, amountPaidMsat);
  }

  async cancel(paymentHash: string): Promise<boolean> {
    await this.written(paymentHash);
    return cancelPreimage(this.db, paymentHash);
  }
}
