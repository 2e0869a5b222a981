/**
 * The import preview of the notes import dialog (issue 10): the start of the chosen file goes to
 * POST /api/notes/import/preview, which parses and checks it exactly as the import would and stores
 * nothing. Shown: the first 20 rows as parsed, the CSV column mapping (detected; each role a
 * dropdown — changing one runs the preview again with the chosen columns) and the errors so far.
 * The dialog imports with the same mapping (`onChange` hands it the query to add).
 */
import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../lib/api.js';
import { CONTENT_TYPE_OF, type ImportErrorView, type ImportFormat } from '../lib/notes.js';
import { ImportErrorTable } from './ImportErrorTable.js';

/** What is sent: enough for 20 rows of any wallet export; the server takes up to 1 MB. */
export const PREVIEW_SAMPLE_BYTES = 64 * 1024;

interface PreviewRowView {
  line: number;
  type: string;
  ref: string;
  note?: string;
  ok: boolean;
  errors?: Array<{ field?: string; code: string; message: string }>;
}

interface PreviewMapping {
  ref?: number;
  note?: number;
  type?: number;
}

interface PreviewView {
  format: ImportFormat;
  columns: string[];
  mapping: PreviewMapping | null;
  rows: PreviewRowView[];
  errors: ImportErrorView[];
  errorCount: number;
  rowsRead: number;
}

/** Columns the user chose, by index; `type: null` is "no type column". */
export interface ChosenColumns {
  ref?: number;
  note?: number;
  type?: number | null;
}

/** `&refColumn=…&noteColumn=…&typeColumn=…` for the columns chosen ('' when none was). */
export function columnQuery(chosen: ChosenColumns | null): string {
  if (!chosen) return '';
  const params = new URLSearchParams();
  if (chosen.ref !== undefined) params.set('refColumn', String(chosen.ref));
  if (chosen.note !== undefined) params.set('noteColumn', String(chosen.note));
  if (chosen.type !== undefined) params.set('typeColumn', chosen.type === null ? 'none' : String(chosen.type));
  const text = params.toString();
  return text ? `&${text}` : '';
}

export interface ImportColumnsState {
  /** Added to the import URL. */
  query: string;
  /** False while a CSV lacks a ref or note column: importing it would only fail. */
  ready: boolean;
}

function short(ref: string): string {
  return ref.length > 24 ? `${ref.slice(0, 12)}…${ref.slice(-8)}` : ref;
}

function ColumnSelect(props: {
  id: string;
  label: string;
  columns: string[];
  value: number | undefined;
  allowNone?: boolean;
  onChange: (value: number | null) => void;
}) {
  const { id, label, columns, value, allowNone } = props;
  const selected = value === undefined ? (allowNone ? 'none' : '') : String(value);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        data-testid={id}
        value={selected}
        aria-invalid={!allowNone && value === undefined}
        onChange={(e) => props.onChange(e.target.value === 'none' ? null : Number(e.target.value))}
      >
        {!allowNone && (
          <option value="" disabled>
            Choose a column
          </option>
        )}
        {allowNone && <option value="none">None (every row is a transaction)</option>}
        {columns.map((name, index) => (
          <option key={index} value={index}>
            {name.trim() === '' ? `Column ${index + 1}` : name}
          </option>
        ))}
      </select>
    </div>
  );
}

export function ImportPreview({ file, format, onChange }: { file: File | null; format: ImportFormat; onChange: (state: ImportColumnsState) => void }) {
  const [chosen, setChosen] = useState<ChosenColumns | null>(null);
  const [preview, setPreview] = useState<PreviewView | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);

  // A new file or format starts from detection again.
  useEffect(() => {
    setChosen(null);
    setPreview(null);
  }, [file, format]);

  useEffect(() => {
    const csv = format === 'csv';
    const mapping = preview?.mapping;
    const ready = !csv || preview === null || (mapping !== null && mapping !== undefined && mapping.ref !== undefined && mapping.note !== undefined);
    // A chosen mapping the server refused (the same column twice) would fail the import the same way.
    onChange({ query: csv ? columnQuery(chosen) : '', ready: ready && !loading && !(csv && chosen && error) });
  }, [chosen, format, preview, loading, error, onChange]);

  useEffect(() => {
    if (!file) {
      setPreview(null);
      setError(null);
      return;
    }
    const run = ++latest.current;
    const params = new URLSearchParams({ format, truncated: file.size > PREVIEW_SAMPLE_BYTES ? '1' : '0' });
    setLoading(true);
    setError(null);
    api
      .post<PreviewView>(`/api/notes/import/preview?${params}${format === 'csv' ? columnQuery(chosen) : ''}`, undefined, {
        rawBody: file.slice(0, PREVIEW_SAMPLE_BYTES),
        headers: { 'content-type': CONTENT_TYPE_OF[format] },
      })
      .then((answer) => run === latest.current && setPreview(answer))
      .catch((e: unknown) => {
        if (run !== latest.current) return;
        // The last good preview stays, so its column choices can be corrected.
        setError(e instanceof ApiError ? e.userMessage : 'The preview failed. Please try again.');
      })
      .finally(() => run === latest.current && setLoading(false));
  }, [file, format, chosen]);

  if (!file) return null;

  /** Every role as shown, so the next preview uses exactly what the user sees. */
  const choose = (role: keyof ChosenColumns, value: number | null) => {
    const shown = preview?.mapping ?? {};
    const next: ChosenColumns = { ...(shown.ref === undefined ? {} : { ref: shown.ref }), ...(shown.note === undefined ? {} : { note: shown.note }), type: shown.type ?? null };
    if (role === 'type') next.type = value;
    else if (value !== null) next[role] = value;
    setChosen(next);
  };

  return (
    <section className="import-preview" data-testid="import-preview" aria-labelledby="import-preview-title" aria-busy={loading}>
      <h3 id="import-preview-title">Preview</h3>
      {loading && !preview && <p className="muted">Reading the start of the file…</p>}
      {error && (
        <p className="form-error" role="alert" data-testid="preview-error">
          {error}
        </p>
      )}
      {preview?.mapping && (
        <fieldset className="controls" data-testid="import-mapping">
          <legend>Columns</legend>
          <ColumnSelect id="mapping-ref" label="Transaction / ref" columns={preview.columns} value={preview.mapping.ref} onChange={(v) => choose('ref', v)} />
          <ColumnSelect id="mapping-note" label="Note" columns={preview.columns} value={preview.mapping.note} onChange={(v) => choose('note', v)} />
          <ColumnSelect id="mapping-type" label="Type" columns={preview.columns} value={preview.mapping.type} allowNone onChange={(v) => choose('type', v)} />
        </fieldset>
      )}
      {preview && preview.rows.length > 0 && (
        <div className="table-wrap">
          <table data-testid="preview-table">
            <caption>
              First {preview.rows.length} of {preview.rowsRead} rows read{file.size > PREVIEW_SAMPLE_BYTES ? ' from the start of the file' : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Type</th>
                <th scope="col">Ref</th>
                <th scope="col">Note</th>
                <th scope="col">Check</th>
              </tr>
            </thead>
            <tbody>
              {preview.rows.map((row) => (
                <tr key={`${row.line}-${row.ref}`} data-testid="preview-row" data-ok={row.ok}>
                  <td className="num">{row.line}</td>
                  <td>{row.type}</td>
                  <td className="nowrap">
                    <code title={row.ref}>{short(row.ref)}</code>
                  </td>
                  <td>{row.note ?? <span className="muted">(kept as stored)</span>}</td>
                  <td>{row.ok ? 'OK' : (row.errors ?? []).map((e) => e.message).join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {preview && (
        <ImportErrorTable
          errors={preview.errors}
          testId="preview-errors"
          caption={
            <>
              Problems found so far: {preview.errorCount}
              {preview.errorCount > preview.errors.length ? ` (first ${preview.errors.length} shown)` : ''}
            </>
          }
        />
      )}
      {preview && preview.rows.length === 0 && preview.errors.length === 0 && <p className="muted">No rows in the start of this file.</p>}
    </section>
  );
}
