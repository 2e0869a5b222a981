/**
 * Stored Lightning invoices as the use cases see them, and the storage port they need. Amounts are
 * bigint millisatoshis (up to 2.1e18, beyond 2^53). `void` marks an invoice withdrawn by an atomic bulk
 * rollback: it was never reported to anyone, so it is never listed nor found by id.
 */
import type { LightningBackendKind } from './backend.js';
import type { InvoiceWatchStore, PendingInvoice } from './invoice-watcher.js';

export type StoredInvoiceStatus = 'pending' | 'paid' | 'expired' | 'canceled' | 'void';
export type InvoiceStatusView = Exclude<StoredInvoiceStatus, 'void'>;
export const INVOICE_STATUS_FILTERS = ['pending', 'paid', 'expired', 'canceled'] as const satisfies readonly InvoiceStatusView[];

export interface Invoice {
  id: string;
  userId: string;
  paymentHash: string;
  bolt11: string;
  /** null: an invoice of any amount. */
  amountMsat: bigint | null;
  memo: string;
  status: StoredInvoiceStatus;
  createdAt: Date;
  expiresAt: Date;
  settledAt: Date | null;
  amountPaidMsat: bigint | null;
  backend: LightningBackendKind;
}

export interface InvoiceListQuery {
  /** Judged at `now`: a pending invoice past its expiry counts as expired (the watcher may lag). */
  status?: InvoiceStatusView;
  cursor?: string;
  limit: number;
  now: Date;
}

export interface InvoicePage {
  items: Invoice[];
  next?: string;
}

/** The storage side of the invoice use cases; the watcher's conditional marks come with it. */
export interface InvoiceStore extends InvoiceWatchStore {
  /** All or none (one transaction). */
  insertMany(invoices: readonly Invoice[]): Promise<void>;
  /** The owner's invoice, whatever its status (void included), or null. */
  get(userId: string, id: string): Promise<Invoice | null>;
  /** Newest first, keyset-paged; never lists void invoices. */
  list(userId: string, query: InvoiceListQuery): Promise<InvoicePage>;
}

/** Tells the watcher about invoices created after it started (main.ts passes the InvoiceWatcher). */
export interface InvoiceTracker {
  track(invoice: PendingInvoice): void;
}

/** What a client sees: pending past its expiry is expired, whether or not the watcher wrote it yet. */
export function effectiveStatus(invoice: Pick<Invoice, 'status' | 'expiresAt'>, now: number): StoredInvoiceStatus {
  return invoice.status === 'pending' && now >= invoice.expiresAt.getTime() ? 'expired' : invoice.status;
}
