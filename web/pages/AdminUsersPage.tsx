/**
 * Admin: create many users from a CSV file (SPEC Accounts: `POST /api/admin/users/bulk` with `text/csv`,
 * header `username,password[,role]`, up to 1,000 rows) and show what became of every row.
 */
import { useId, useMemo, useState, type FormEvent } from 'react';
import { api, ApiError, CSRF_HEADER, toApiError } from '../lib/api.js';

interface BulkResult {
  index: number;
  username: string | null;
  ok: boolean;
  id?: string;
  role?: 'admin' | 'user';
  errors?: Array<{ field?: string; code: string; message: string }>;
}

interface BulkReport {
  created: number;
  failed: number;
  mode: 'partial' | 'atomic';
  results: BulkResult[];
}

const MAX_ROWS = 1000;
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** The file goes up as it is (text/csv): the server parses it, so both sides agree on every row. */
async function uploadCsv(text: string, mode: 'partial' | 'atomic'): Promise<BulkReport> {
  const { token } = await api.get<{ token: string }>('/api/auth/csrf');
  let response: Response;
  try {
    response = await fetch(`/api/admin/users/bulk?mode=${mode}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'text/csv', accept: 'application/json, application/problem+json', [CSRF_HEADER]: token },
      body: text,
    });
  } catch (cause) {
    throw new ApiError({ status: 0, title: 'Network error', detail: 'Could not reach the Satchel server', cause });
  }
  if (!response.ok) throw await toApiError(response);
  return (await response.json()) as BulkReport;
}

function problemText(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  const items = error.errors.map((item) => (item.line ? `line ${item.line}: ${item.message}` : item.message));
  return [error.userMessage, ...items.filter((text) => text && text !== error.userMessage)].join(' — ');
}

export function AdminUsersPage() {
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<'partial' | 'atomic'>('partial');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<BulkReport | null>(null);
  const [onlyFailures, setOnlyFailures] = useState(false);

  const rows = useMemo(
    () => (report ? report.results.filter((r) => !onlyFailures || !r.ok) : []),
    [report, onlyFailures],
  );

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!file) {
      setError('Choose a CSV file first.');
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      setError('The file is larger than 2 MB; split it into files of at most 1,000 users.');
      return;
    }
    setBusy(true);
    setReport(null);
    try {
      setReport(await uploadCsv(await file.text(), mode));
    } catch (e) {
      setError(problemText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">Admin: create users</h1>
      <p className="lede">
        Upload a CSV file with the header <code>username,password</code> (and optionally <code>role</code>:{' '}
        <code>user</code> or <code>admin</code>), one user a row, up to {MAX_ROWS.toLocaleString()} rows. Every row is
        checked before any account is made; the report below never shows passwords.
      </p>

      <form className="card form" onSubmit={onSubmit} noValidate data-testid="bulk-form">
        <div className="field">
          <label htmlFor={`${id}-file`}>CSV file</label>
          <input
            id={`${id}-file`}
            type="file"
            accept=".csv,text/csv"
            data-testid="bulk-file"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </div>
        <fieldset className="field">
          <legend>If some rows are invalid</legend>
          <label>
            <input type="radio" name={`${id}-mode`} checked={mode === 'partial'} onChange={() => setMode('partial')} /> create
            the valid rows and report the others
          </label>
          <label>
            <input
              type="radio"
              name={`${id}-mode`}
              data-testid="bulk-atomic"
              checked={mode === 'atomic'}
              onChange={() => setMode('atomic')}
            />{' '}
            create nothing (all or none)
          </label>
        </fieldset>
        {error ? (
          <p className="form-error" role="alert" data-testid="bulk-error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Creating users… (hashing passwords takes a moment)' : 'Create users'}
        </button>
      </form>

      {report ? (
        <div className="card" data-testid="bulk-report">
          <p className="summary" role="status">
            <span className="count-valid">{report.created} created</span>
            {' · '}
            <span className="count-invalid">{report.failed} not created</span>
            {report.mode === 'atomic' && report.failed > 0 ? ' (all or none: nothing was created)' : ''}
          </p>
          <label>
            <input type="checkbox" checked={onlyFailures} onChange={(e) => setOnlyFailures(e.target.checked)} /> Show only
            rows that were not created
          </label>
          <div className="table-wrap">
            <table className="results" data-testid="bulk-results">
              <thead>
                <tr>
                  <th scope="col" className="line-no">
                    Line
                  </th>
                  <th scope="col">Username</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.index} data-testid="bulk-row" data-ok={String(row.ok)}>
                    {/* Line 1 is the header. */}
                    <td className="line-no">{row.index + 2}</td>
                    <td className="value">{row.username ?? <span className="muted">(none)</span>}</td>
                    <td>
                      {row.ok ? (
                        <span className="verdict-valid">Created{row.role === 'admin' ? ' as admin' : ''}</span>
                      ) : (
                        <ul className="issues verdict-invalid">
                          {(row.errors ?? []).map((issue, i) => (
                            <li key={i}>{issue.message}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </section>
  );
}
