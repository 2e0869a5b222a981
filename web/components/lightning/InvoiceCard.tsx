/** One invoice: QR code, the BOLT 11 text with a copy button, amount, memo, live status, simulated payment. */
import { useState } from 'react';
import { formatMsat, type InvoiceView } from '../../lib/lightning.js';
import { InvoiceQrCode } from './InvoiceQrCode.js';
import { StatusTag } from './StatusTag.js';

export interface InvoiceCardProps {
  invoice: InvoiceView;
  canSimulate: boolean;
  onSimulate: (invoice: InvoiceView) => void;
  onClose: () => void;
  busy?: boolean;
}

export function InvoiceCard({ invoice, canSimulate, onSimulate, onClose, busy }: InvoiceCardProps) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(invoice.bolt11);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="card" data-testid="invoice-card" aria-live="polite">
      <h2>
        Invoice for {formatMsat(invoice.amountMsat)} <StatusTag status={invoice.status} />
      </h2>
      <div className="receive">
        {invoice.status === 'pending' ? <InvoiceQrCode bolt11={invoice.bolt11} /> : null}
        <div className="receive-text">
          {invoice.memo ? <p>“{invoice.memo}”</p> : null}
          <p className="muted">
            Expires {new Date(invoice.expiresAt).toLocaleString()}
            {invoice.settledAt ? ` · paid ${new Date(invoice.settledAt).toLocaleString()} (${formatMsat(invoice.amountPaidMsat)})` : ''}
          </p>
          <textarea readOnly rows={4} value={invoice.bolt11} aria-label="BOLT 11 invoice" data-testid="invoice-bolt11" onFocus={(e) => e.target.select()} />
          <div className="controls">
            <button type="button" className="button primary" onClick={copy} data-testid="copy-bolt11">
              {copied ? 'Copied' : 'Copy invoice'}
            </button>
            {canSimulate && invoice.status === 'pending' ? (
              <button type="button" className="button ghost" onClick={() => onSimulate(invoice)} disabled={busy} data-testid="simulate-payment">
                Simulate payment
              </button>
            ) : null}
            <button type="button" className="button ghost" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      </div>
    </div>
  );
}
