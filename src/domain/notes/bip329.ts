/**
 * BIP-329 wallet labels: JSON Lines, one record per line — `{type, ref, label?, origin?, spendable?}`.
 * Import is streamed line by line with per-line errors; export writes every stored field back, so
 * import → export gives the same set of records (`label` is left out when empty, `spendable` is only
 * ever present on outputs). A record without `label` or `spendable` leaves the stored value alone, as the
 * BIP asks; the same holds for `origin`. Other BIP-329 fields (height, time, fee, value, keypath, …) are not
 * stored and are ignored on import.
 */
import type { Readable } from 'node:stream';
import {
  DEFAULT_IMPORT_BATCH_SIZE,
  runNoteImport,
  type NoteImportDeps,
  type NoteImportOptions,
  type RawNoteRow,
  type RowBatch,
} from './import-pipeline.js';
import { readLines } from './line-reader.js';
import type { Note, NoteImportError, NoteImportReport, NoteType } from './types.js';

/** A record longer than this is refused without being parsed (labels are ≤ 255 characters). */
export const MAX_BIP329_LINE_BYTES = 64 * 1024;

export interface Bip329Record {
  type: NoteType;
  ref: string;
  label?: string;
  origin?: string;
  spendable?: boolean;
}

type LineResult = { row: RawNoteRow } | { problems: NoteImportError[] };

/** An optional string field; null counts as absent. */
function optionalString(record: Record<string, unknown>, field: string, line: number, problems: NoteImportError[]): string | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  problems.push({ line, field, code: 'wrong_type', message: `${field} must be a string` });
  return undefined;
}

/** One JSONL line → a raw row, or the reasons it is not a BIP-329 record. Unknown types are left to checkNoteFields. */
export function parseBip329Line(text: string, line: number): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problems: [{ line, code: 'invalid_json', message: 'line is not valid JSON' }] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [{ line, code: 'invalid_record', message: 'line is not a JSON object' }] };
  }
  const record = value as Record<string, unknown>;
  const problems: NoteImportError[] = [];
  for (const field of ['type', 'ref'] as const) {
    const v = record[field];
    if (v === undefined || v === null) problems.push({ line, field, code: 'required', message: `${field} is missing` });
    else if (typeof v !== 'string') problems.push({ line, field, code: 'wrong_type', message: `${field} must be a string` });
  }
  const label = optionalString(record, 'label', line, problems);
  const origin = optionalString(record, 'origin', line, problems);
  let spendable: boolean | undefined;
  if (record.spendable !== undefined && record.spendable !== null) {
    if (typeof record.spendable === 'boolean') spendable = record.spendable;
    else problems.push({ line, field: 'spendable', code: 'wrong_type', message: 'spendable must be true or false' });
  }
  if (problems.length > 0) return { problems };
  // BIP-329: an omitted label or spendable leaves the stored value as it is.
  const row: RawNoteRow = { line, type: record.type as string, ref: record.ref as string };
  if (label !== undefined) row.label = label;
  if (origin !== undefined) row.origin = origin;
  if (spendable !== undefined) row.spendable = spendable;
  return { row };
}

export interface Bip329ReadOptions {
  batchSize?: number;
}

/** Reads BIP-329 JSONL from a stream in batches; blank lines are skipped. */
export async function* readBip329Rows(input: Readable, options: Bip329ReadOptions = {}): AsyncGenerator<RowBatch> {
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE;
  let batch: RowBatch = { rows: [], problems: [], bytes: 0 };
  for await (const { line, text, bytes } of readLines(input, MAX_BIP329_LINE_BYTES)) {
    batch.bytes = bytes;
    if (text === null) {
      batch.problems.push({ line, code: 'line_too_long', message: `line is longer than ${MAX_BIP329_LINE_BYTES} bytes` });
    } else if (text.trim() !== '') {
      const result = parseBip329Line(text, line);
      if ('row' in result) batch.rows.push(result.row);
      else batch.problems.push(...result.problems);
    }
    if (batch.rows.length + batch.problems.length >= batchSize) {
      yield batch;
      batch = { rows: [], problems: [], bytes };
    }
  }
  if (batch.rows.length > 0 || batch.problems.length > 0) yield batch;
}

export function importBip329Notes(
  input: Readable,
  deps: NoteImportDeps,
  options: NoteImportOptions & Bip329ReadOptions,
): Promise<NoteImportReport> {
  return runNoteImport(readBip329Rows(input, options), deps, options);
}

/** A stored note as its BIP-329 record (field order as in the BIP's examples). */
export function toBip329Record(note: Pick<Note, 'type' | 'ref' | 'label' | 'origin' | 'spendable'>): Bip329Record {
  const record: Bip329Record = { type: note.type, ref: note.ref };
  if (note.label !== '') record.label = note.label;
  if (note.origin !== null) record.origin = note.origin;
  if (note.type === 'output' && note.spendable !== null) record.spendable = note.spendable;
  return record;
}

/** Streams notes as BIP-329 JSONL, in chunks of about `chunkChars` characters. */
export async function* exportBip329(notes: AsyncIterable<Note>, chunkChars = 64 * 1024): AsyncGenerator<string> {
  let chunk = '';
  for await (const note of notes) {
    chunk += `${JSON.stringify(toBip329Record(note))}\n`;
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
