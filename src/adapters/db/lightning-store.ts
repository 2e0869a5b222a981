/**
 * Lightning storage ports on Kysely (SQLite or PostgreSQL):
 * - SqlInvoiceStore: the invoice use cases' InvoiceStore, which is also the watcher's InvoiceWatchStore.
 * - SqlDevInvoiceStore: the dev node's DevInvoiceStore, so preimages survive a restart and are shared by
 *   instances. Its inserts are grouped: every insert() made in the same turn of the event loop (a bulk
 *   request's concurrent createInvoice calls) becomes one multi-row INSERT, and each caller's promise
 *   settles when its row is stored — an invoice is never handed out before its preimage is kept.
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
  /** `onPaid` hears of each invoice this store moved to paid (once: the move is a conditional update). */
  constructor(
    private readonly db: Db,
    private readonly events: { onPaid?: (paymentHash: string) => void } = {},
  ) {}

  insertMany(invoices: readonly Invoice[]): Promise<void> {
    return insertInvoices(this.db, invoices);
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
  private scheduled = false;

  constructor(private readonly db: Db) {}

  insert(record: DevInvoiceRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record: { ...record }, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
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

  get(paymentHash: string): Promise<DevInvoiceRecord | undefined> {
    return getPreimage(this.db, paymentHash);
  }

  settle(paymentHash: string, settledAt: Date, amountPaidMsat: bigint): Promise<boolean> {
    return settlePreimage(this.db, paymentHash, settledAt, amountPaidMsat);
  }

  cancel(paymentHash: string): Promise<boolean> {
    return cancelPreimage(this.db, paymentHash);
  }
}
