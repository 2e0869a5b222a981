/**
 * Bulk invoices (SPEC `POST /api/lightning/invoices/bulk`, up to 1,000): paste `amount,memo` lines or upload
 * a CSV with that header; amounts are checked in the browser as typed, every item is judged again by the
 * server and reported on its own. Results in a table, created invoices downloadable as CSV.
 */
import { useId, useMemo, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { api, ApiError } from '../../lib/api.js';
import { describeIssue } from '../../lib/formUtils.js';
import { formatMsat, invoicesCsv, newIdempotencyKey, parseBulkLines, type BulkReportView, type InvoiceView } from '../../lib/lightning.js';

const MAX_ITEMS = 1_000;
const MAX_FILE_BYTES = 2 * 1024 * 1024;

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

export function BulkInvoiceForm({ onCreated }: { onCreated: (invoices: InvoiceView[]) => void }) {
  const id = useId();
  const [text, setText] = useState('');
  const [mode, setMode] = useState<'partial' | 'atomic'>('partial');
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<{ report: BulkReportView; lines: number[]; amounts: string[]; memos: string[] } | null>(null);
  const [sending, setSending] = useState(false);
  const key = useRef<{ value: string; body: string } | null>(null);
  const lines = useMemo(() => parseBulkLines(text), [text]);
  const flagged = lines.filter((l) => l.issue).length;

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setError(`The file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`);
      return;
    }
    setError(null);
    setText(await file.text());
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (lines.length === 0) return setError('Enter at least one line: amount in sat, then a comma and a memo.');
    if (lines.length > MAX_ITEMS) return setError(`At most ${MAX_ITEMS} invoices at once (this has ${lines.length}).`);
    setError(null);
    setSending(true);
    const body = { invoices: lines.map((l) => l.item), mode };
    const sent = JSON.stringify(body);
    if (key.current?.body !== sent) key.current = { value: newIdempotencyKey(), body: sent };
    try {
      const result = await api.post<BulkReportView>('/api/lightning/invoices/bulk', body, { headers: { 'Idempotency-Key': key.current.value } });
      key.current = null;
      setReport({ report: result, lines: lines.map((l) => l.line), amounts: lines.map((l) => l.amountText), memos: lines.map((l) => l.memo) });
      onCreated(result.results.flatMap((r) => (r.invoice ? [r.invoice] : [])));
    } catch (e) {
      setError(e instanceof ApiError ? e.userMessage : 'Something went wrong. Please try again.');
      if (e instanceof ApiError && e.status !== 0 && e.status < 500) key.current = null;
    } finally {
      setSending(false);
    }
  };

  const created = report?.report.results.flatMap((r) => (r.invoice ? [r.invoice] : [])) ?? [];

  return (
    <form className="card form" onSubmit={submit} noValidate data-testid="bulk-form">
      <h2>Many invoices</h2>
      <div className="field">
        <label htmlFor={`${id}-lines`}>One invoice a line: amount in sat, comma, memo</label>
        <textarea
          id={`${id}-lines`}
          rows={6}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={'1500,coffee\n21000,"book, paperback"\n,tip (any amount)'}
          data-testid="bulk-lines"
          aria-describedby={`${id}-summary`}
        />
        <p className="field-hint" id={`${id}-summary`} data-testid="bulk-summary">
          {lines.length} invoice{lines.length === 1 ? '' : 's'}
          {flagged ? `, ${flagged} with an amount the server will refuse` : ''} · or upload a CSV with the header <code>amount,memo</code>
        </p>
      </div>
      <div className="controls">
        <label className="button ghost">
          Upload CSV
          <input type="file" accept=".csv,text/csv" onChange={onFile} className="visually-hidden" data-testid="bulk-file" />
        </label>
        <label>
          <input type="checkbox" checked={mode === 'atomic'} onChange={(e) => setMode(e.target.checked ? 'atomic' : 'partial')} /> All or nothing
        </label>
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="button primary" disabled={sending}>
        {sending ? 'Creating…' : 'Create invoices'}
      </button>

      {report ? (
        <div data-testid="bulk-report">
          <p role="status">
            {report.report.created} created, {report.report.failed} failed
            {report.report.mode === 'atomic' && report.report.failed ? ' — all or nothing: none was created' : ''}.
          </p>
          {created.length ? (
            <button type="button" className="button ghost" onClick={() => download('satchel-invoices.csv', invoicesCsv(created))} data-testid="bulk-download">
              Download created invoices (CSV)
            </button>
          ) : null}
          <div className="table-wrap">
            <table className="results">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Memo</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {report.report.results.map((r) => (
                  <tr key={r.index} data-testid="bulk-row">
                    <td className="line-no">{report.lines[r.index]}</td>
                    <td className="nowrap">{r.invoice ? formatMsat(r.invoice.amountMsat) : report.amounts[r.index] || 'any'}</td>
                    <td>{report.memos[r.index]}</td>
                    <td className={r.ok ? 'verdict-valid' : 'verdict-invalid'}>
                      {r.ok ? 'created' : (r.errors ?? []).map((e) => describeIssue(e)).join('; ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </form>
  );
}
