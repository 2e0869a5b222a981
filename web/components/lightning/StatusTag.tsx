import type { InvoiceStatus } from '../../lib/lightning.js';

const TONE: Record<InvoiceStatus, string> = { pending: 'tone-warn', paid: 'tone-ok', expired: 'tone-muted', canceled: 'tone-bad' };

export function StatusTag({ status }: { status: InvoiceStatus }) {
  return (
    <span className={`state-tag ${TONE[status]}`} data-testid="invoice-status" data-status={status}>
      {status}
    </span>
  );
}
