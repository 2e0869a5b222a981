/**
 * CSV note export (SPEC: `type,ref,label`), streamed as string chunks. Cells are quoted per RFC 4180
 * and lines end in CRLF. A cell that a spreadsheet would run as a formula — starting with `=`, `+`,
 * `-`, `@`, tab or CR — gets a leading `'` and is quoted (OWASP "CSV Injection"): the text survives,
 * Excel/LibreOffice show it as text instead of evaluating it.
 */
import type { Note } from './types.js';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell, neutralised and quoted as needed. */
export function csvCell(value: string): string {
  if (FORMULA_START.test(value)) return `"'${value.replace(/"/g, '""')}"`;
  if (NEEDS_QUOTES.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export const NOTES_CSV_HEADER = 'type,ref,label\r\n';

/** Streams notes as CSV in chunks of about `chunkChars` characters; the header comes first. */
export async function* exportNotesCsv(notes: AsyncIterable<Note>, chunkChars = 64 * 1024): AsyncGenerator<string> {
  let chunk = NOTES_CSV_HEADER;
  for await (const note of notes) {
    chunk += csvLine([note.type, note.ref, note.label]);
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
