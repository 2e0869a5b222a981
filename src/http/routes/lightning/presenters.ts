/**
 * What the Lightning API shows of an invoice. Millisatoshi amounts are JSON numbers while they are safe
 * integers (≤ 2^53 − 1 = 9,007,199,254,740,991 msat, about 90,000 BTC) and decimal strings above, so
 * no client's JSON parser rounds them; null is an invoice of any amount.
 */
import type { Invoice } from '../../../domain/lightning/invoices.js';
import type { BulkInvoiceReport } from '../../../domain/lightning/invoice-service.js';

export type MsatView = number | string | null;

export function msatView(msat: bigint | null): MsatView {
  if (msat === null) return null;
  return msat <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(msat) : msat.toString();
}

export function invoiceView(invoice: Invoice) {
  const view: {
    id: string;
    paymentHash: string;
    bolt11: string;
    amountMsat: MsatView;
    memo: string;
    createdAt: string;
    expiresAt: string;
    status: Invoice['status'];
    settledAt?: string;
    amountPaidMsat?: MsatView;
  } = {
    id: invoice.id,
    paymentHash: invoice.paymentHash,
    bolt11: invoice.bolt11,
    amountMsat: msatView(invoice.amountMsat),
    memo: invoice.memo,
    createdAt: invoice.createdAt.toISOString(),
    expiresAt: invoice.expiresAt.toISOString(),
    status: invoice.status,
  };
  // Assigned, not spread in: a bulk answer builds 1,000 of these.
  if (invoice.settledAt) view.settledAt = invoice.settledAt.toISOString();
  if (invoice.amountPaidMsat !== null) view.amountPaidMsat = msatView(invoice.amountPaidMsat);
  return view;
}

export function bulkReportView(report: BulkInvoiceReport) {
  return {
    mode: report.mode,
    created: report.created,
    failed: report.failed,
    results: report.results.map((r) =>
      r.invoice ? { index: r.index, ok: true, invoice: invoiceView(r.invoice) } : { index: r.index, ok: false, errors: r.errors ?? [] },
    ),
  };
}
