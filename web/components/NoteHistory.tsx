/**
 * Note history (issue 10): the changes of one note, newest first (old → new text, who, how, when), with
 * a Restore button on each earlier text; an "Undo import" button for an import report; and the inline
 * note editor of a wallet's transactions (edit + history). Restores and undos are recorded as changes
 * themselves, so the list is reloaded after one.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../lib/api.js';
import { noteUrl, type NoteType, type NoteView } from '../lib/notes.js';

export interface NoteHistoryEntryView {
  id: string;
  kind: 'edit' | 'delete' | 'import' | 'restore' | 'undo';
  oldNote: string | null;
  newNote: string | null;
  source: 'ui' | 'api' | 'import';
  actor: string | null;
  jobId?: string;
  importId?: string;
  at: string;
}

export interface ImportUndoView {
  importId: string;
  restored: number;
  deleted: number;
  skipped: number;
  skippedNotes: Array<{ type: string; ref: string; note: string }>;
}

const SOURCE_LABEL: Record<NoteHistoryEntryView['source'], string> = { ui: 'web', api: 'API', import: 'import' };
const KIND_LABEL: Record<NoteHistoryEntryView['kind'], string> = {
  edit: 'edited',
  delete: 'deleted',
  import: 'imported',
  restore: 'restored',
  undo: 'import undone',
};

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.userMessage : 'Something went wrong. Please try again.';
}

export function historyUrl(type: NoteType, ref: string, cursor?: string): string {
  return `${noteUrl(type, ref)}/history${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`;
}

/** The import id of an import report (sync answer or job report), when the server keeps history. */
export function importIdOf(report: unknown): string | undefined {
  if (typeof report !== 'object' || report === null) return undefined;
  const id = (report as { importId?: unknown }).importId;
  return typeof id === 'string' ? id : undefined;
}

function Text({ value }: { value: string | null }) {
  if (value === null) return <span className="muted">(none)</span>;
  return value === '' ? <span className="muted">(empty)</span> : <q>{value}</q>;
}

export function NoteHistory({ type, noteRef, current, onRestored }: { type: NoteType; noteRef: string; current?: string; onRestored?: () => void }) {
  const [items, setItems] = useState<NoteHistoryEntryView[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (cursor?: string) => {
      setLoading(true);
      setError(null);
      try {
        const page = await api.get<{ items: NoteHistoryEntryView[]; next?: string }>(historyUrl(type, noteRef, cursor));
        setItems((shown) => (cursor ? [...shown, ...page.items] : page.items));
        setNext(page.next);
      } catch (e) {
        setError(messageOf(e));
      } finally {
        setLoading(false);
      }
    },
    [type, noteRef],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const restore = async (entry: NoteHistoryEntryView) => {
    setBusy(entry.id);
    setError(null);
    try {
      await api.post(`${noteUrl(type, noteRef)}/history/${encodeURIComponent(entry.id)}/restore`);
      onRestored?.();
      await load();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="note-history" aria-label={`History of the note on ${noteRef}`} aria-busy={loading}>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!loading && items.length === 0 && !error && <p className="muted">No changes recorded.</p>}
      {items.length > 0 && (
        <ol className="history-list">
          {items.map((entry) => (
            <li key={entry.id} data-entry={entry.id}>
              <span>
                <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time> · {KIND_LABEL[entry.kind]} by {entry.actor ?? 'unknown'} ({SOURCE_LABEL[entry.source]}
                {entry.importId ? `, import ${entry.importId}` : ''}): <Text value={entry.oldNote} /> → <Text value={entry.newNote} />
              </span>{' '}
              {entry.newNote !== null && entry.newNote !== current && (
                <button className="button small ghost" onClick={() => void restore(entry)} disabled={busy !== null}>
                  {busy === entry.id ? 'Restoring…' : 'Restore'}
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      {next && (
        <button className="button small ghost" onClick={() => void load(next)} disabled={loading}>
          Older changes
        </button>
      )}
    </div>
  );
}

/** "Undo import" for an import report: every note it changed back, notes changed since left alone. */
export function UndoImportButton({ importId, onUndone }: { importId: string; onUndone?: () => void }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ImportUndoView | null>(null);
  const [error, setError] = useState<string | null>(null);

  const undo = async () => {
    if (!window.confirm('Undo this import? Notes it created are deleted and notes it changed get their earlier text back.')) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await api.post<ImportUndoView>(`/api/notes/imports/${encodeURIComponent(importId)}/undo`));
      onUndone?.();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="undo-import" aria-live="polite">
      {!result && (
        <button type="button" className="button small" onClick={() => void undo()} disabled={busy}>
          {busy ? 'Undoing…' : 'Undo import'}
        </button>
      )}
      {result && (
        <p className="summary">
          Import undone: {result.restored} restored, {result.deleted} removed
          {result.skipped > 0 ? `, ${result.skipped} left as they are (changed since the import)` : ''}.
        </p>
      )}
      {result && result.skippedNotes.length > 0 && (
        <ul className="muted">
          {result.skippedNotes.map((n) => (
            <li key={`${n.type}:${n.ref}`}>
              <code>{n.ref}</code>: <q>{n.note}</q>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** A transaction's note inline in a list (wallet page): shown, editable, with its history. */
export function InlineNote({ type, noteRef, note }: { type: NoteType; noteRef: string; note: string | undefined }) {
  const [text, setText] = useState(note ?? '');
  const [draft, setDraft] = useState(note ?? '');
  const [editing, setEditing] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await api.put<NoteView>(noteUrl(type, noteRef), { note: draft });
      setText(saved.note);
      setEditing(false);
      setVersion((v) => v + 1);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  const reload = async () => {
    try {
      const current = await api.get<NoteView>(noteUrl(type, noteRef));
      setText(current.note);
      setDraft(current.note);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <div className="inline-note">
      {editing ? (
        <form className="controls" onSubmit={save}>
          <label className="visually-hidden" htmlFor={`inline-note-${noteRef}`}>
            Note
          </label>
          <input id={`inline-note-${noteRef}`} value={draft} maxLength={255} onChange={(e) => setDraft(e.target.value)} autoFocus />
          <button className="button small primary" disabled={busy}>
            Save
          </button>
          <button type="button" className="button small ghost" onClick={() => (setEditing(false), setDraft(text))}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          {text || <span className="muted">—</span>}{' '}
          <button type="button" className="button small ghost" onClick={() => setEditing(true)} aria-label={`Edit the note on ${noteRef}`}>
            Edit
          </button>
          {text !== '' && (
            <button type="button" className="button small ghost" onClick={() => setShowHistory((s) => !s)} aria-expanded={showHistory}>
              History
            </button>
          )}
        </>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {showHistory && <NoteHistory key={version} type={type} noteRef={noteRef} current={text} onRestored={() => void reload()} />}
    </div>
  );
}
