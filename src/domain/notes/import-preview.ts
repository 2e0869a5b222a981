/**
 * The import preview (issue 10): what an import of a file would do, judged on the start of it (the
 * UI sends the first ~64 KB), storing nothing. The rows go through the same format readers, field
 * checks and batched ref validation as the import itself (import-pipeline's checkBatch), so a row
 * shown ok here is a row the import stores, and an error shown here is one the import reports.
 */
import { Readable } from 'node:stream';
import { readBip329Rows } from './bip329.js';
import { CsvHeaderError, detectCsvColumns, readCsvNoteRows, type CsvColumnChoice } from './csv-import.js';
import { readElectrumLabels } from './electrum-json.js';
import { checkBatch, type RawNoteRow, type RowBatch } from './import-pipeline.js';
import { MAX_REPORTED_ERRORS, type NoteImportError, type ValidateRefs } from './types.js';

/** Rows shown; the errors cover the whole sample. */
export const PREVIEW_ROWS = 20;
/** The UI sends 64 KB; a sample is read whole, so it is capped (HTTP → 413 past it). */
export const MAX_PREVIEW_BYTES = 1024 * 1024;

export type PreviewFormat = 'csv' | 'bip329' | 'electrum';

export interface PreviewRequest {
  format: PreviewFormat;
  /** CSV only: the columns the user chose; the rest are detected. */
  columns?: CsvColumnChoice;
  /** The sample is the start of a longer file: its last, possibly cut, line is left out. */
  truncated?: boolean;
}

export interface PreviewRow {
  line: number;
  type: string;
  /** As in the file; the import stores it normalized (lower-case txid, canonical vout). */
  ref: string;
  note?: string;
  ok: boolean;
  errors?: Array<{ field?: string; code: string; message: string }>;
}

/** Column indexes into `columns`; a column not found is left out. */
export interface PreviewMapping {
  ref?: number;
  note?: number;
  type?: number;
}

export interface NoteImportPreview {
  format: PreviewFormat;
  /** The CSV header's cells (empty for the JSON formats). */
  columns: string[];
  /** CSV: the columns used, detected or chosen; null for the JSON formats. */
  mapping: PreviewMapping | null;
  /** The first PREVIEW_ROWS rows read, in file order. */
  rows: PreviewRow[];
  /** Every problem in the sample (first MAX_REPORTED_ERRORS), with its line, as the import reports it. */
  errors: NoteImportError[];
  errorCount: number;
  /** Rows (good or bad) the sample held after its cut line was left out. */
  rowsRead: number;
}

/** The sample up to its last line break: what follows it is a line the cut may have split. */
export function cutAtLastLineBreak(sample: Buffer): Buffer {
  const lf = sample.lastIndexOf(0x0a);
  if (lf >= 0) return sample.subarray(0, lf + 1);
  const cr = sample.lastIndexOf(0x0d);
  return sample.subarray(0, cr + 1);
}

function readerFor(sample: Buffer, request: PreviewRequest, onHeader: (cells: readonly string[]) => void): AsyncGenerator<RowBatch> {
  const truncated = request.truncated ?? false;
  // Electrum's reader closes a cut JSON object itself; the line formats are cut at a line break.
  const body = truncated && request.format !== 'electrum' ? cutAtLastLineBreak(sample) : sample;
  const input = Readable.from([body]);
  const batchSize = Number.MAX_SAFE_INTEGER; // one batch: the sample is capped
  switch (request.format) {
    case 'csv':
      return readCsvNoteRows(input, { batchSize, truncated, onHeader, ...(request.columns ? { columns: request.columns } : {}) });
    case 'bip329':
      return readBip329Rows(input, { batchSize });
    case 'electrum':
      return readElectrumLabels(input, { batchSize, truncated });
  }
}

function mappingOf(columns: { ref: number; note: number; type: number }): PreviewMapping {
  return {
    ...(columns.ref >= 0 ? { ref: columns.ref } : {}),
    ...(columns.note >= 0 ? { note: columns.note } : {}),
    ...(columns.type >= 0 ? { type: columns.type } : {}),
  };
}

function previewRow(row: RawNoteRow, problems: readonly NoteImportError[]): PreviewRow {
  const view: PreviewRow = { line: row.line, type: row.type, ref: row.ref, ok: problems.length === 0 };
  if (row.label !== undefined) view.note = row.label;
  if (problems.length > 0) {
    view.errors = problems.map(({ field, code, message }) => ({ ...(field === undefined ? {} : { field }), code, message }));
  }
  return view;
}

/**
 * Previews an import of `sample`. A CSV header whose columns cannot all be found is not an error
 * here: the answer carries the header and what was found, for the user to choose the rest. A
 * chosen column that does not fit the header throws CsvColumnError, as the import would.
 */
export async function previewNoteImport(sample: Buffer, request: PreviewRequest, validateRefs: ValidateRefs): Promise<NoteImportPreview> {
  let header: readonly string[] | undefined;
  const preview: NoteImportPreview = {
    format: request.format,
    columns: [],
    mapping: request.format === 'csv' ? {} : null,
    rows: [],
    errors: [],
    errorCount: 0,
    rowsRead: 0,
  };
  const rows: RawNoteRow[] = [];
  const rowProblems: NoteImportError[] = [];
  let problems: NoteImportError[] = [];
  try {
    for await (const batch of readerFor(sample, request, (cells) => (header = cells))) {
      // The reader's problems are kept apart so that they do not mark a row read on the same line
      // (Electrum JSON on one line); merged as checkBatch merges them, so the order is the import's.
      const checked = await checkBatch({ ...batch, problems: [] }, validateRefs);
      rows.push(...batch.rows);
      rowProblems.push(...checked.problems);
      problems = [...problems, ...batch.problems, ...checked.problems].sort((a, b) => a.line - b.line);
      preview.rowsRead += batch.rows.length + new Set(batch.problems.map((p) => p.line)).size;
    }
  } catch (error) {
    if (!(error instanceof CsvHeaderError) || header === undefined) throw error;
    // Found the header but not all its columns: show what there is, the user picks the rest.
    preview.columns = [...header];
    preview.mapping = mappingOf(detectCsvColumns(header, request.columns ?? {}));
    preview.errors = error.extra.errors?.map((e) => ({ line: e.line ?? 1, code: e.code, message: e.message })) ?? [];
    preview.errorCount = preview.errors.length;
    return preview;
  }
  if (header !== undefined) {
    preview.columns = [...header];
    preview.mapping = mappingOf(detectCsvColumns(header, request.columns ?? {}));
  }
  const byLine = new Map<number, NoteImportError[]>();
  for (const p of rowProblems) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p]);
  preview.rows = rows.slice(0, PREVIEW_ROWS).map((row) => previewRow(row, byLine.get(row.line) ?? []));
  preview.errors = problems.slice(0, MAX_REPORTED_ERRORS);
  preview.errorCount = problems.length;
  return preview;
}
