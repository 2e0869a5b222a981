/**
 * CSV note import (SPEC: Notes). The body is parsed as a stream with csv-parse (RFC 4180 quoting,
 * multi-line cells, CRLF or LF, UTF-8 with or without BOM) and handed on in batches; the whole file
 * is never in memory.
 *
 * Header (first non-blank record; names trimmed, case-insensitive): a ref column — `txid`,
 * `transaction_hash`, `tx_hash` or `transaction id` (type tx), or `ref` with an optional `type` column
 * (default tx) — and a note column — `note`, `label` or `memo`. Other columns are ignored, so history
 * exports of common wallets import as they are.
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

export interface CsvColumns {
  ref: number;
  /** -1: no type column, every row is a tx. */
  type: number;
  note: number;
}

const EXPECTED =
  'a ref column (txid, transaction_hash, tx_hash, transaction id — or ref with an optional type column) ' +
  'and a note column (note, label or memo)';

/** Finds the columns in a header record; throws CsvHeaderError naming what was expected. */
export function resolveCsvHeader(cells: readonly string[], line = 1): CsvColumns {
  const names = cells.map((c) => c.trim().toLowerCase());
  const find = (candidates: readonly string[]): number => {
    for (const name of candidates) {
      const at = names.indexOf(name);
      if (at >= 0) return at;
    }
    return -1;
  };
  const refAt = names.indexOf('ref');
  const ref = refAt >= 0 ? refAt : find(CSV_TX_REF_COLUMNS);
  const type = refAt >= 0 ? names.indexOf('type') : -1;
  const note = find(CSV_NOTE_COLUMNS);
  if (ref < 0 || note < 0) {
    const found = names.length ? names.slice(0, 20).map((n) => JSON.stringify(n.slice(0, 40))).join(', ') : 'nothing';
    const missing = ref < 0 && note < 0 ? 'ref and note columns' : ref < 0 ? 'a ref column' : 'a note column';
    throw new CsvHeaderError(`CSV header lacks ${missing}: expected ${EXPECTED}; found ${found}`, line);
  }
  return { ref, type, note };
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
        if (!isBlank(record)) columns = resolveCsvHeader(record, line);
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
    batch.problems.push({
      line: lastLine + 1,
      code: 'csv_malformed',
      message: `CSV cannot be read from here on: ${error.message.replace(/ at line \d+.*$/, '')}`,
    });
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
