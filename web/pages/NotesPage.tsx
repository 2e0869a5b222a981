/**
 * Notes (SPEC Web UI): search the user's notes (label substring, by type), edit or delete one inline,
 * import a CSV / BIP-329 / Electrum file as an async job (progress bar from the job's event stream
 * GET /api/jobs/:id/events — polling GET /api/jobs/:id only if the stream fails — then the per-line
 * error table) and export as CSV or BIP-329.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ImportErrorTable } from '../components/ImportErrorTable.js';
import { ImportPreview, type ImportColumnsState } from '../components/ImportPreview.js';
import { NoteHistory, UndoImportButton, importIdOf } from '../components/NoteHistory.js';
import { api, ApiError } from '../lib/api.js';
import {
  CONTENT_TYPE_OF,
  NOTE_TYPES,
  formatOfFile,
  importUrl,
  isImportReport,
  jobProgress,
  noteUrl,
  searchUrl,
  type ImportErrorView,
  type ImportFormat,
  type ImportMode,
  type JobView,
  type NotePage,
  type NoteType,
  type NoteView,
} from '../lib/notes.js';

const POLL_MS = 500;
const MAX_LABEL = 255;

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.userMessage : 'Something went wrong. Please try again.';
}

function codePoints(text: string): number {
  return [...text].length;
}

function NoteRow({ note, onChanged }: { note: NoteView; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(note.note);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [showHistory, setShowHistory] = useState(false);
  const tooLong = codePoints(draft) > MAX_LABEL;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (tooLong) return;
    setBusy(true);
    setError(null);
    try {
      await api.put(noteUrl(note.type, note.ref), { note: draft });
      setEditing(false);
      onChanged();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete the note on ${note.ref}?`)) return;
    setBusy(true);
    try {
      await api.delete(noteUrl(note.type, note.ref));
      onChanged();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <tr>
      <td>{note.type}</td>
      <td className="nowrap">
        <code title={note.ref}>{note.ref.length > 24 ? `${note.ref.slice(0, 12)}…${note.ref.slice(-8)}` : note.ref}</code>
      </td>
      <td>
        {editing ? (
          <form onSubmit={save} className="controls">
            <label className="visually-hidden" htmlFor={`note-${note.type}-${note.ref}`}>
              Note
            </label>
            <input
              id={`note-${note.type}-${note.ref}`}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              aria-invalid={tooLong}
              autoFocus
            />
            <button className="button small primary" disabled={busy || tooLong}>
              Save
            </button>
            <button type="button" className="button small ghost" onClick={() => (setEditing(false), setDraft(note.note))}>
              Cancel
            </button>
            {tooLong && <span className="field-error">At most {MAX_LABEL} characters ({codePoints(draft)} now).</span>}
          </form>
        ) : (
          note.note || <span className="muted">(no label)</span>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {showHistory && <NoteHistory type={note.type} noteRef={note.ref} current={note.note} onRestored={onChanged} />}
      </td>
      <td className="nowrap">
        {!editing && (
          <>
            <button className="button small ghost" onClick={() => setEditing(true)} disabled={busy}>
              Edit
            </button>{' '}
            <button className="button small ghost" onClick={() => void remove()} disabled={busy}>
              Delete
            </button>{' '}
            <button className="button small ghost" onClick={() => setShowHistory((s) => !s)} aria-expanded={showHistory}>
              History
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

function ImportDialog({ onImported }: { onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<ImportFormat>('csv');
  const [mode, setMode] = useState<ImportMode>('partial');
  const [job, setJob] = useState<JobView | null>(null);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [problemErrors, setProblemErrors] = useState<ImportErrorView[]>([]);
  const [columns, setColumns] = useState<ImportColumnsState>({ query: '', ready: true });
  const dialog = useRef<HTMLDialogElement>(null);
  const polling = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const events = useRef<EventSource | undefined>(undefined);

  const stopFollowing = useCallback(() => {
    clearTimeout(polling.current);
    events.current?.close();
    events.current = undefined;
  }, []);
  useEffect(() => stopFollowing, [stopFollowing]);

  /** Shows the job's view; true once the job has ended. */
  const show = useCallback(
    (current: JobView): boolean => {
      setJob(current);
      if (current.state !== 'completed' && current.state !== 'failed') return false;
      if (current.state === 'completed') onImported();
      return true;
    },
    [onImported],
  );

  const poll = useCallback(
    async (id: string) => {
      try {
        if (show(await api.get<JobView>(`/api/jobs/${encodeURIComponent(id)}`))) return;
      } catch (e) {
        setError(messageOf(e));
        return;
      }
      polling.current = setTimeout(() => void poll(id), POLL_MS);
    },
    [show],
  );

  // The job's event stream sends its view at each change and ends with the job; polling is the
  // fallback when the stream cannot be had (or breaks) before then.
  const follow = useCallback(
    (id: string) => {
      stopFollowing();
      if (typeof EventSource === 'undefined') return void poll(id);
      const source = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`, { withCredentials: true });
      events.current = source;
      source.addEventListener('job', (event) => {
        if (show(JSON.parse((event as MessageEvent<string>).data) as JobView)) stopFollowing();
      });
      source.addEventListener('error', () => {
        if (events.current !== source) return;
        stopFollowing();
        void poll(id);
      });
    },
    [poll, show, stopFollowing],
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    stopFollowing();
    setError(null);
    setProblemErrors([]);
    setJob(null);
    setUploading(true);
    try {
      const { jobId } = await api.post<{ jobId: string }>(importUrl(format, mode) + columns.query, undefined, {
        rawBody: file,
        headers: { 'content-type': CONTENT_TYPE_OF[format] },
      });
      setJob({ id: jobId, state: 'queued', processed: 0, total: file.size });
      follow(jobId);
    } catch (e) {
      setError(messageOf(e));
      if (e instanceof ApiError) setProblemErrors(e.errors.map((item) => ({ line: item.line ?? 0, code: item.code, message: item.message, ...(item.field ? { field: item.field } : {}) })));
    } finally {
      setUploading(false);
    }
  };

  const report = job?.report;
  const running = job !== null && (job.state === 'queued' || job.state === 'running');
  const refused = report?.errors ?? problemErrors;
  const refusedTotal = isImportReport(report) ? report.errorCount : undefined;
  return (
    <>
      <button className="button" onClick={() => dialog.current?.showModal()}>
        Import…
      </button>
      <dialog ref={dialog} aria-labelledby="import-title" className="card">
        <h2 id="import-title">Import notes</h2>
        <form className="form" onSubmit={submit}>
          <div className="field">
            <label htmlFor="import-file">File</label>
            <input
              id="import-file"
              type="file"
              accept=".csv,.jsonl,.ndjson,.json,text/csv,application/json"
              onChange={(e) => {
                const chosen = e.target.files?.[0] ?? null;
                setFile(chosen);
                if (chosen) setFormat(formatOfFile(chosen.name));
              }}
            />
            <p className="field-hint">CSV with a txid and a note/label/memo column, BIP-329 JSONL, or an Electrum label export. Up to 200 MB.</p>
          </div>
          <div className="field">
            <label htmlFor="import-format">Format</label>
            <select id="import-format" value={format} onChange={(e) => setFormat(e.target.value as ImportFormat)}>
              <option value="csv">CSV</option>
              <option value="bip329">BIP-329 (JSONL)</option>
              <option value="electrum">Electrum labels (JSON)</option>
            </select>
          </div>
          <ImportPreview file={file} format={format} onChange={setColumns} />
          <fieldset className="field">
            <legend>Mode</legend>
            <label>
              <input type="radio" name="mode" checked={mode === 'partial'} onChange={() => setMode('partial')} /> Keep the good rows
            </label>
            <label>
              <input type="radio" name="mode" checked={mode === 'atomic'} onChange={() => setMode('atomic')} /> All or nothing
            </label>
          </fieldset>
          <div className="controls">
            <button className="button primary" disabled={!file || uploading || running || !columns.ready}>
              {uploading ? 'Uploading…' : 'Import'}
            </button>
            <button type="button" className="button ghost" onClick={() => dialog.current?.close()}>
              Close
            </button>
          </div>
        </form>
        {job && (
          <div aria-live="polite">
            <progress max={1} value={jobProgress(job)} aria-label="Import progress" />{' '}
            <span>
              {job.state === 'completed' ? 'Done' : job.state === 'failed' ? 'Failed' : `${Math.round(jobProgress(job) * 100)}%`}
            </span>
          </div>
        )}
        {job?.state === 'failed' && (
          <p className="form-error" role="alert">
            {job.error ?? 'The import failed.'}
          </p>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {isImportReport(report) && (
          <p className="summary">
            {report.rolledBack ? 'Nothing was stored (all or nothing, and some rows were refused). ' : ''}
            {report.imported} new, {report.updated} updated, {report.unchanged} unchanged, {report.failed} refused.
          </p>
        )}
        {isImportReport(report) && !report.rolledBack && importIdOf(report) && (
          <UndoImportButton key={importIdOf(report)} importId={importIdOf(report)!} onUndone={onImported} />
        )}
        <ImportErrorTable
          errors={refused}
          caption={`Rows refused${refusedTotal !== undefined && refusedTotal > refused.length ? ` (first ${refused.length} of ${refusedTotal})` : ''}`}
        />
      </dialog>
    </>
  );
}

export function NotesPage() {
  const [q, setQ] = useState('');
  const [type, setType] = useState<NoteType | ''>('');
  const [items, setItems] = useState<NoteView[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (cursor?: string) => {
      setLoading(true);
      setError(null);
      try {
        const page = await api.get<NotePage>(searchUrl({ q: q.trim(), type, ...(cursor ? { cursor } : {}) }));
        setItems((shown) => (cursor ? [...shown, ...page.items] : page.items));
        setNext(page.next);
      } catch (e) {
        setError(messageOf(e));
      } finally {
        setLoading(false);
      }
    },
    [q, type],
  );

  useEffect(() => {
    const timer = setTimeout(() => void load(), 250);
    return () => clearTimeout(timer);
  }, [load]);

  return (
    <section className="page" aria-labelledby="notes-title">
      <h1 id="notes-title">Notes</h1>
      <p className="lede">Labels on your transactions, addresses, keys and outputs (BIP-329).</p>
      <div className="controls">
        <ImportDialog onImported={() => void load()} />
        <a className="button ghost" href="/api/notes/export?format=csv" download>
          Export CSV
        </a>
        <a className="button ghost" href="/api/notes/export?format=bip329" download>
          Export BIP-329
        </a>
      </div>
      <form className="controls" role="search" onSubmit={(e) => (e.preventDefault(), void load())}>
        <label htmlFor="notes-q">Search</label>
        <input id="notes-q" type="search" value={q} maxLength={MAX_LABEL} onChange={(e) => setQ(e.target.value)} placeholder="Words in a note" />
        <label htmlFor="notes-type">Type</label>
        <select id="notes-type" value={type} onChange={(e) => setType(e.target.value as NoteType | '')}>
          <option value="">All</option>
          {NOTE_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </form>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="table-wrap card">
        <table className="results">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Ref</th>
              <th scope="col">Note</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((note) => (
              <NoteRow key={`${note.type}:${note.ref}:${note.updatedAt}`} note={note} onChanged={() => void load()} />
            ))}
          </tbody>
        </table>
        {!loading && items.length === 0 && (
          <p className="muted">
            {/* A search of 1–2 characters reads a stretch of notes a page: an empty page may still go on. */}
            {next ? 'No match in the newest notes searched so far.' : q ? 'No note matches.' : 'No notes yet. Add them on a wallet’s transactions or import a file.'}
          </p>
        )}
        {next && (
          <button className="button ghost" onClick={() => void load(next)} disabled={loading}>
            {items.length === 0 ? 'Search older notes' : 'Load more'}
          </button>
        )}
      </div>
    </section>
  );
}
