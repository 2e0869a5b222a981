/**
 * Electrum's label export (`Wallet → Labels → Export`): one JSON object `{"<txid or address>": "label"}`.
 * Not streamed — the file is read whole, so its size is capped — but imported through the same
 * pipeline as CSV and BIP-329. Keys are typed by shape: 64 hex → tx, `txid:n` → output, an extended
 * public key prefix → xpub, anything else → addr (and the address validator judges it). Error lines
 * are the physical lines of the keys (Electrum writes one entry per line).
 */
import type { Readable } from 'node:stream';
import { AppError } from '../../errors.js';
import {
  DEFAULT_IMPORT_BATCH_SIZE,
  runNoteImport,
  type NoteImportDeps,
  type NoteImportOptions,
  type RowBatch,
} from './import-pipeline.js';
import type { NoteImportReport, NoteType } from './types.js';

/** Electrum label files of very large wallets are a few MB; this leaves ample room. */
export const MAX_ELECTRUM_JSON_BYTES = 50 * 1024 * 1024;

export function electrumKeyType(key: string): NoteType {
  if (/^[0-9a-fA-F]{64}$/.test(key)) return 'tx';
  if (/^[0-9a-fA-F]{64}:\d+$/.test(key)) return 'output';
  if (/^[xyzYZtuvUV]pub[1-9A-HJ-NP-Za-km-z]{100,}$/.test(key)) return 'xpub';
  return 'addr';
}

async function readCapped(input: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > maxBytes) {
      input.resume(); // drained, not destroyed: the 413 still has to go out on this socket
      throw new AppError('payload_too_large', `Electrum label file is larger than ${maxBytes} bytes`);
    }
    chunks.push(buf);
  }
  let text = Buffer.concat(chunks, size).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

/**
 * The line of each top-level key of a JSON object text (the last one wins for a repeated key, as in
 * JSON.parse). Only called on text JSON.parse accepted, so the scan can be simple.
 */
export function topLevelKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let line = 1;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 123 || c === 91) depth++; // { [
    else if (c === 125 || c === 93) depth--; // } ]
    else if (c === 34) {
      // "…": find its end, skipping escapes
      const start = i;
      const startLine = line;
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
      if (depth !== 1) continue;
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === ':') lines.set(JSON.parse(text.slice(start, i + 1)) as string, startLine);
    }
  }
  return lines;
}

/**
 * The entries of a JSON object text cut short, up to its last top-level comma, closed again: the
 * import preview sends only the start of a file, which JSON.parse would refuse whole.
 */
export function closeCutObject(text: string): string {
  let depth = 0;
  let lastComma = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 || c === 91) depth++; // { [
    else if (c === 125 || c === 93) depth--; // } ]
    else if (c === 44 && depth === 1) lastComma = i; // ,
    else if (c === 34) for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
  }
  const open = text.indexOf('{');
  if (open < 0) return text;
  return lastComma < 0 ? text.slice(0, open + 1) + '}' : text.slice(0, lastComma) + '}';
}

export interface ElectrumReadOptions {
  batchSize?: number;
  maxBytes?: number;
  /** The input is the start of a longer file (the import preview): its cut last entry is dropped. */
  truncated?: boolean;
}

function parseLabels(text: string, truncated: boolean): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!truncated) throw error;
    return JSON.parse(closeCutObject(text));
  }
}

export async function* readElectrumLabels(input: Readable, options: ElectrumReadOptions = {}): AsyncGenerator<RowBatch> {
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE;
  const text = await readCapped(input, options.maxBytes ?? MAX_ELECTRUM_JSON_BYTES);
  let labels: unknown;
  try {
    labels = parseLabels(text, options.truncated ?? false);
  } catch {
    throw new AppError('invalid_input', 'Electrum label file is not valid JSON', {
      errors: [{ code: 'invalid_json', message: 'expected a JSON object {"<txid or address>": "label", …}' }],
    });
  }
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new AppError('invalid_input', 'Electrum label file must be one JSON object', {
      errors: [{ code: 'invalid_record', message: 'expected a JSON object {"<txid or address>": "label", …}' }],
    });
  }
  const keyLines = topLevelKeyLines(text);
  const bytes = Buffer.byteLength(text);
  let batch: RowBatch = { rows: [], problems: [], bytes };
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    const line = keyLines.get(key) ?? 1;
    if (typeof value !== 'string') {
      batch.problems.push({ line, field: 'label', code: 'wrong_type', message: `label of ${key.slice(0, 80)} must be a string` });
    } else {
      batch.rows.push({ line, type: electrumKeyType(key), ref: key, label: value });
    }
    if (batch.rows.length + batch.problems.length >= batchSize) {
      yield batch;
      batch = { rows: [], problems: [], bytes };
    }
  }
  if (batch.rows.length > 0 || batch.problems.length > 0) yield batch;
}

export function importElectrumLabels(
  input: Readable,
  deps: NoteImportDeps,
  options: NoteImportOptions & ElectrumReadOptions,
): Promise<NoteImportReport> {
  return runNoteImport(readElectrumLabels(input, options), deps, options);
}
