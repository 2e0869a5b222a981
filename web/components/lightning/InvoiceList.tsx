/** The user's invoices, newest first, with a status filter; statuses refresh every few seconds. */
import { formatMsat, type InvoiceStatus, type InvoiceView } from '../../lib/lightning.js';
import { StatusTag } from './StatusTag.js';

export interface InvoiceListProps {
  invoices: InvoiceView[];
  status: InvoiceStatus | '';
  onStatus: (status: InvoiceStatus | '') => void;
  hasMore: boolean;
  onMore: () => void;
  onShow: (invoice: InvoiceView) => void;
  canSimulate: boolean;
  onSimulate: (invoice: InvoiceView) => void;
  loading: boolean;
}

const FILTERS: Array<[InvoiceStatus | '', string]> = [
  ['', 'All'],
  ['pending', 'Pending'],
  ['paid', 'Paid'],
  ['expired', 'Expired'],
];

export function InvoiceList(props: InvoiceListProps) {
  const { invoices, status, loading } = props;
  return (
    <div className="card">
      <h2>Your invoices</h2>
      <div className="segmented" role="group" aria-label="Show invoices">
        {FILTERS.map(([value, label]) => (
          <button key={label} type="button" className="button" aria-pressed={status === value} onClick={() => props.onStatus(value)}>
            {label}
          </button>
        ))}
      </div>
      {loading && invoices.length === 0 ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : invoices.length === 0 ? (
        <p className="muted">No invoices here yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="results" data-testid="invoice-table">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Amount</th>
                <th scope="col">Memo</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((invoice) => (
                <tr key={invoice.id} data-testid="invoice-row" data-invoice-id={invoice.id}>
                  <td className="nowrap">{new Date(invoice.createdAt).toLocaleString()}</td>
                  <td className="num nowrap">{formatMsat(invoice.amountMsat)}</td>
                  <td>{invoice.memo}</td>
                  <td>
                    <StatusTag status={invoice.status} />
                  </td>
                  <td className="nowrap">
                    <button type="button" className="button small ghost" onClick={() => props.onShow(invoice)}>
                      Show<span className="visually-hidden"> invoice {invoice.memo}</span>
                    </button>{' '}
                    {props.canSimulate && invoice.status === 'pending' ? (
                      <button type="button" className="button small ghost" onClick={() => props.onSimulate(invoice)}>
                        Simulate payment
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.hasMore ? (
        <button type="button" className="button ghost" onClick={props.onMore}>
          Load more
        </button>
      ) : null}
    </div>
  );
}
