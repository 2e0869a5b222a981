/**
 * CSV note import (SPEC: Notes). The body is parsed as a stream with csv-parse (RFC 4180 quoting,
 * multi-line cells, CRLF or LF, UTF-8 with or without BOM) and handed on in batches; the whole file
 * is never in memory.
 *
 * Header (first non-blank record; names trimmed, case-insensitive): a ref column — `txid`,
 * `transaction_hash`, `tx_hash` or `transaction id` (type tx), or `ref` with an optional `type` column
 * (default tx) — and a note column — `note`, `label` or `memo`. Other columns are ignored, so history
 * exports of common wallets import as they are. The caller may choose any of the columns instead
 * (`refColumn`, `noteColumn`, `typeColumn`: a header cell or a 0-based index), for files whose header
 * says `Transaction` or `Comment`; the import preview shows what was detected so a user can.
 *
 * Line numbers are physical lines of the file where a record starts. They are counted here rather
 * than taken from csv-parse's `info` option: that option halves the parser's throughput, and its
 * counter adds two lines for a CRLF inside a quoted cell. Blank lines reach us as records (we skip
 * them ourselves) so every line is accounted for.
 */
import type { Readable } from 'node:stream';
import { CsvError, parse, type Options } from 'csv-parse';
import { AppError } from '../../errors.js';
import {
  DEFAULT_IMPORT_BATCH_SIZE,
  runNoteImport,
  type NoteImportDeps,
  type NoteImportOptions,
  type RawNoteRow,
  type RowBatch,
} from './import-pipeline.js';
import type { NoteImportReport } from './types.js';

export const CSV_TX_REF_COLUMNS = ['txid', 'transaction_hash', 'tx_hash', 'transaction id'] as const;
export const CSV_NOTE_COLUMNS = ['note', 'label', 'memo'] as const;
/** One record may not exceed this many characters: a runaway quoted cell must not fill memory. */
export const MAX_CSV_RECORD_CHARS = 1_000_000;

/** The header names no usable ref or note column (HTTP → 400 invalid_input). */
export class CsvHeaderError extends AppError {
  constructor(detail: string, line: number) {
    super('invalid_input', detail, { errors: [{ line, code: 'csv_header', message: detail }] });
    this.name = 'CsvHeaderError';
  }
}

/** A column the caller chose does not fit the header (HTTP → 400 naming the option, e.g. `refColumn`). */
export class CsvColumnError extends AppError {
  constructor(
    readonly option: keyof CsvColumnChoice,
    code: 'unknown_column' | 'same_column',
    message: string,
    line: number,
  ) {
    super('invalid_input', message, { errors: [{ line, field: option, code, message }] });
    this.name = 'CsvColumnError';
  }
}

/**
 * A column chosen by the caller: a header cell (trimmed, case-insensitive) or a 0-based index; a
 * text of digits only is an index. For `typeColumn`, `none` means there is none (every row is a tx).
 */
export type CsvColumnSelector = string | number;

/** Columns chosen by the caller (the import dialog's mapping); what is left out is detected. */
export interface CsvColumnChoice {
  refColumn?: CsvColumnSelector;
  noteColumn?: CsvColumnSelector;
  typeColumn?: CsvColumnSelector;
}

export const CSV_COLUMN_OPTIONS = ['refColumn', 'noteColumn', 'typeColumn'] as const;

export interface CsvColumns {
  ref: number;
  /** -1: no type column, every row is a tx. */
  type: number;
  note: number;
}

const EXPECTED =
  'a ref column (txid, transaction_hash, tx_hash, transaction id — or ref with an optional type column) ' +
  'and a note column (note, label or memo)';

function headerNames(cells: readonly string[]): string[] {
  return cells.map((c) => c.trim().toLowerCase());
}

function foundNames(names: readonly string[]): string {
  return names.length ? names.slice(0, 20).map((n) => JSON.stringify(n.slice(0, 40))).join(', ') : 'nothing';
}

/** The index a selector points at in the header, or a CsvColumnError naming the option. */
function pickColumn(option: keyof CsvColumnChoice, selector: CsvColumnSelector, names: readonly string[], line: number): number {
  const text = String(selector).trim();
  if (typeof selector === 'number' || /^\d+$/.test(text)) {
    const index = Number(text);
    if (Number.isSafeInteger(index) && index >= 0 && index < names.length) return index;
    throw new CsvColumnError(
      option,
      'unknown_column',
      `${option} ${text.slice(0, 20)} is not a column: the header has ${names.length} (0 to ${names.length - 1})`,
      line,
    );
  }
  const at = names.indexOf(text.toLowerCase());
  if (at >= 0) return at;
  throw new CsvColumnError(
    option,
    'unknown_column',
    `${option} ${JSON.stringify(text.slice(0, 40))} names no cell of the header; found ${foundNames(names)}`,
    line,
  );
}

/**
 * The columns a header and the caller's choice give, -1 where none was found. Only a choice that
 * does not fit the header throws (CsvColumnError); a column that is simply not there is left to the
 * caller (the preview shows the header so the user can pick it).
 */
export function detectCsvColumns(cells: readonly string[], choice: CsvColumnChoice = {}, line = 1): CsvColumns {
  const names = headerNames(cells);
  const find = (candidates: readonly string[]): number => {
    for (const name of candidates) {
      const at = names.indexOf(name);
      if (at >= 0) return at;
    }
    return -1;
  };
  let ref: number;
  if (choice.refColumn !== undefined) ref = pickColumn('refColumn', choice.refColumn, names, line);
  else {
    const refAt = names.indexOf('ref');
    ref = refAt >= 0 ? refAt : find(CSV_TX_REF_COLUMNS);
  }
  const note = choice.noteColumn !== undefined ? pickColumn('noteColumn', choice.noteColumn, names, line) : find(CSV_NOTE_COLUMNS);
  let type = -1;
  if (choice.typeColumn !== undefined) {
    if (String(choice.typeColumn).trim().toLowerCase() !== 'none') type = pickColumn('typeColumn', choice.typeColumn, names, line);
  } else if (ref >= 0 && names[ref] === 'ref') {
    // Only beside a `ref` column: a `Type` column of a wallet history (sent/received) is no BIP-329 type.
    type = names.indexOf('type');
  }
  if (ref >= 0 && note === ref) {
    const option = choice.noteColumn !== undefined ? 'noteColumn' : 'refColumn';
    throw new CsvColumnError(option, 'same_column', `${option} is the same column as the ${option === 'noteColumn' ? 'ref' : 'note'} (${ref})`, line);
  }
  if (type >= 0 && (type === ref || type === note)) {
    throw new CsvColumnError('typeColumn', 'same_column', `typeColumn is the same column as the ${type === ref ? 'ref' : 'note'} (${type})`, line);
  }
  return { ref, type, note };
}

/** Finds the columns in a header record; throws CsvHeaderError naming what was expected. */
export function resolveCsvHeader(cells: readonly string[], line = 1, choice: CsvColumnChoice = {}): CsvColumns {
  const columns = detectCsvColumns(cells, choice, line);
  if (columns.ref < 0 || columns.note < 0) {
    const { ref, note } = columns;
    const missing = ref < 0 && note < 0 ? 'ref and note columns' : ref < 0 ? 'a ref column' : 'a note column';
    throw new CsvHeaderError(
      `CSV header lacks ${missing}: expected ${EXPECTED}, or columns chosen with refColumn and noteColumn; found ${foundNames(headerNames(cells))}`,
      line,
    );
  }
  return columns;
}

/** Line breaks inside the cells of one record (CRLF, LF and a lone CR each count as one). */
function lineBreaksIn(record: readonly string[]): number {
  let breaks = 0;
  for (const cell of record) {
    if (cell.length === 0 || (cell.indexOf('\n') < 0 && cell.indexOf('\r') < 0)) continue;
    for (let i = 0; i < cell.length; i++) {
      const c = cell.charCodeAt(i);
      if (c === 10) breaks++;
      else if (c === 13 && cell.charCodeAt(i + 1) !== 10) breaks++;
    }
  }
  return breaks;
}

function isBlank(record: readonly string[]): boolean {
  for (const cell of record) if (cell.trim() !== '') return false;
  return true;
}

export interface CsvReadOptions {
  batchSize?: number;
  /** Columns chosen by the caller; the others are detected from the header. */
  columns?: CsvColumnChoice;
  /**
   * The input is the start of a longer file, cut after a line break (the import preview's sample): a
   * quoted cell still open at its end is the cut, not an error.
   */
  truncated?: boolean;
  /** Called with the header's cells before its columns are resolved (the preview shows them). */
  onHeader?: (cells: readonly string[], line: number) => void;
}

/**
 * Reads note rows from a CSV stream in batches. Throws CsvHeaderError (before yielding anything) for
 * a missing or unusable header; a CSV syntax error later on (an unclosed quote) ends the stream with
 * one `csv_malformed` problem at the line where the broken record starts.
 */
export async function* readCsvNoteRows(input: Readable, options: CsvReadOptions = {}): AsyncGenerator<RowBatch> {
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE;
  const parser = parse({
    bom: true,
    relax_column_count: true,
    // Quotes inside an unquoted cell (`5" screen`) are kept as text instead of failing the file.
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: MAX_CSV_RECORD_CHARS,
    // Stream option, passed through to the Transform: on a CSV error the parser must not be destroyed
    // at once, or the records it parsed just before (still buffered) would be lost unread.
    autoDestroy: false,
  } as Options);
  // Piped by hand rather than with pipeline(), which would destroy the parser on its error too.
  // The listener stays: an input failing after we are done must not become an uncaught error.
  input.on('error', (error: Error) => parser.destroy(error));
  input.pipe(parser);
  let bytes = 0;
  input.on('data', (chunk: Buffer | string) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  });

  let columns: CsvColumns | undefined;
  let lastLine = 0; // physical line where the previous record ended
  let batch: RowBatch = { rows: [], problems: [], bytes: 0 };
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      const line = lastLine + 1;
      lastLine = line + lineBreaksIn(record);
      if (isBlankFast(record)) continue;
      if (columns === undefined) {
        if (isBlank(record)) continue;
        options.onHeader?.(record, line);
        columns = resolveCsvHeader(record, line, options.columns);
        continue;
      }
      const ref = (record[columns.ref] ?? '').trim();
      if (ref === '' && isBlank(record)) continue; // `,,,` rows of spreadsheet exports
      const typeCell = columns.type >= 0 ? (record[columns.type] ?? '').trim().toLowerCase() : '';
      batch.rows.push({ line, type: typeCell === '' ? 'tx' : typeCell, ref, label: record[columns.note] ?? '' });
      if (batch.rows.length >= batchSize) {
        batch.bytes = bytes;
        yield batch;
        batch = { rows: [], problems: [], bytes: 0 };
      }
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // csv-parse raises this only at the end of the input: in a sample it is the record the cut split.
    if (!(options.truncated && error.code === 'CSV_QUOTE_NOT_CLOSED')) {
      batch.problems.push({
        line: lastLine + 1,
        code: 'csv_malformed',
        message: `CSV cannot be read from here on: ${error.message.replace(/ at line \d+.*$/, '')}`,
      });
    }
  } finally {
    // Done, failed or abandoned by the consumer. The rest of the input is drained rather than
    // destroyed: destroying a request body would also kill the socket the answer must go out on.
    input.unpipe(parser);
    if (!input.readableEnded) input.resume();
    parser.destroy();
  }
  if (columns === undefined && batch.problems.length === 0) {
    throw new CsvHeaderError(`CSV file is empty: expected a header with ${EXPECTED}`, 1);
  }
  if (columns === undefined) throw new CsvHeaderError(`CSV header cannot be read: ${batch.problems[0]!.message}`, 1);
  batch.bytes = bytes;
  if (batch.rows.length > 0 || batch.problems.length > 0) yield batch;
}

/**
 * Reads only the header of a CSV and resolves it with the caller's chosen columns, throwing what the
 * import would (CsvColumnError, CsvHeaderError): an async import checks a chosen mapping before its
 * job is queued, so a wrong one is a 400 rather than a failed job. The input is destroyed after.
 */
export async function checkCsvColumns(input: Readable, choice: CsvColumnChoice): Promise<CsvColumns> {
  let header: { cells: readonly string[]; line: number } | undefined;
  const rows = readCsvNoteRows(input, { batchSize: 1, columns: choice, onHeader: (cells, line) => (header = { cells, line }) });
  try {
    await rows.next();
  } finally {
    input.destroy();
    await rows.return(undefined);
  }
  if (header === undefined) throw new CsvHeaderError(`CSV file is empty: expected a header with ${EXPECTED}`, 1);
  return resolveCsvHeader(header.cells, header.line, choice);
}

/** csv-parse gives an empty line as one empty cell; a quick test before the general one. */
function isBlankFast(record: readonly string[]): boolean {
  return record.length === 1 && record[0]!.trim() === '';
}

/** The CSV import use case: stream in, report out (see import-pipeline for modes and batching). */
export function importCsvNotes(
  input: Readable,
  deps: NoteImportDeps,
  options: NoteImportOptions & CsvReadOptions,
): Promise<NoteImportReport> {
  return runNoteImport(readCsvNoteRows(input, options), deps, options);
}

export type { RawNoteRow };
