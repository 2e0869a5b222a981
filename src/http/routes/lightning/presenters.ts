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
  return {
    id: invoice.id,
    paymentHash: invoice.paymentHash,
    bolt11: invoice.bolt11,
    amountMsat: msatView(invoice.amountMsat),
    memo: invoice.memo,
    createdAt: invoice.createdAt.toISOString(),
    expiresAt: invoice.expiresAt.toISOString(),
    status: invoice.status,
    ...(invoice.settledAt ? { settledAt: invoice.settledAt.toISOString() } : {}),
    ...(invoice.amountPaidMsat !== null ? { amountPaidMsat: msatView(invoice.amountPaidMsat) } : {}),
  };
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
