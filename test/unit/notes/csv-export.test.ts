import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvCell, exportNotesCsv } from '../../../src/domain/notes/csv-export.js';
import { importCsvNotes } from '../../../src/domain/notes/csv-import.js';
import { USER, fixture } from './fixtures.js';

async function exportCsv(labels: string[]): Promise<string> {
  const { store } = fixture();
  await store.upsert(
    USER,
    labels.map((label, i) => ({ type: 'tx' as const, ref: i.toString(16).padStart(64, '0'), label })),
  );
  let text = '';
  for await (const chunk of exportNotesCsv(store.streamAll(USER), 50)) text += chunk;
  return text;
}

describe('CSV export', () => {
  it.each([
    ["=cmd|' /C calc'!A0", `"'=cmd|' /C calc'!A0"`],
    ['+1+2', `"'+1+2"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1:A2)', `"'@SUM(A1:A2)"`],
    ['\t=1', `"'\t=1"`],
    ['\r=1', `"'\r=1"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
  ])('neutralises %j, keeping the text', (label, cell) => {
    expect(csvCell(label)).toBe(cell);
  });

  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['', ''],
    ['a=b', 'a=b'],
  ])('quotes %j per RFC 4180 only when needed', (label, cell) => {
    expect(csvCell(label)).toBe(cell);
  });

  it('writes type,ref,label with CRLF line ends, and a CSV reader gets the (neutralised) text back', async () => {
    const labels = ["=cmd|' /C calc'!A0", 'rent, "march"', 'multi\nline', '-5 refund', 'plain'];
    const text = await exportCsv(labels);
    expect(text.startsWith('type,ref,label\r\n')).toBe(true);
    const rows = parse(text) as string[][];
    expect(rows[0]).toEqual(['type', 'ref', 'label']);
    expect(rows.slice(1).map((r) => r[2])).toEqual(["'=cmd|' /C calc'!A0", 'rent, "march"', 'multi\nline', "'-5 refund", 'plain']);
    expect(rows.slice(1).every((r) => r[0] === 'tx' && r[1]!.length === 64)).toBe(true);
  });

  it('streams in chunks', async () => {
    const { store } = fixture();
    await store.upsert(USER, Array.from({ length: 100 }, (_, i) => ({ type: 'tx' as const, ref: i.toString(16).padStart(64, '0'), label: `n${i}` })));
    const chunks: string[] = [];
    for await (const chunk of exportNotesCsv(store.streamAll(USER), 1_000)) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.join('').split('\r\n')).toHaveLength(102);
  });

  it('exports what the CSV importer reads back into the same notes', async () => {
    const text = await exportCsv(['a', 'b, "c"', 'multi\r\nline']);
    const { store, deps } = fixture();
    const report = await importCsvNotes(Readable.from([text]), deps, { userId: USER });
    expect(report).toMatchObject({ imported: 3, failed: 0 });
    expect(store.all(USER).map((n) => n.label)).toEqual(['a', 'b, "c"', 'multi\r\nline']);
    expect(store.all(USER)[0]!.ref).toBe('0'.repeat(64));
  });
});
