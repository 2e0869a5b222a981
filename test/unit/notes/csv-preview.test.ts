/**
 * The import preview (issue 10) in the domain: the start of a file → header, mapping, first rows,
 * errors so far; the same readers and checks as the import, so preview and import agree.
 */
import { describe, expect, it } from 'vitest';
import { CsvColumnError, importCsvNotes } from '../../../src/domain/notes/csv-import.js';
import { PREVIEW_ROWS, cutAtLastLineBreak, previewNoteImport, type PreviewRequest } from '../../../src/domain/notes/import-preview.js';
import { ADDRESS, TXID_A, TXID_B, USER, fixture, streamOf, validateRefs } from './fixtures.js';

const txid = (i: number): string => i.toString(16).padStart(64, '0');
const preview = (text: string, request: PreviewRequest) => previewNoteImport(Buffer.from(text), request, validateRefs);

describe('import preview of a CSV', () => {
  it('shows the header, the detected mapping, the first 20 rows as parsed and every error in the sample', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => (i === 3 || i === 25 ? `2024,bad${i},n${i},1` : `2024,${txid(i)},n${i},1`));
    const result = await preview(['Date,Txid,Label,Value', ...rows].join('\n'), { format: 'csv' });
    expect(result).toMatchObject({ format: 'csv', columns: ['Date', 'Txid', 'Label', 'Value'], mapping: { ref: 1, note: 2 }, rowsRead: 30, errorCount: 2 });
    expect(result.mapping).not.toHaveProperty('type');
    expect(result.rows).toHaveLength(PREVIEW_ROWS);
    expect(result.rows[0]).toEqual({ line: 2, type: 'tx', ref: txid(0), note: 'n0', ok: true });
    expect(result.rows[3]).toEqual({ line: 5, type: 'tx', ref: 'bad3', note: 'n3', ok: false, errors: [{ field: 'ref', code: 'invalid_length', message: expect.any(String) }] });
    // Errors cover the whole sample, beyond the rows shown.
    expect(result.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [5, 'ref', 'invalid_length'],
      [27, 'ref', 'invalid_length'],
    ]);
  });

  it('answers what the import reports for the same file: the same errors, the good rows stored', async () => {
    const csv = `Transaction,Comment\n${TXID_A.toUpperCase()},"a, b"\nnothex,x\n\n${TXID_B},${'y'.repeat(256)}\n${ADDRESS},wrong type\n`;
    const columns = { refColumn: 'transaction', noteColumn: 'comment' };
    const shown = await preview(csv, { format: 'csv', columns });
    const { store, deps } = fixture();
    const report = await importCsvNotes(streamOf(csv), deps, { userId: USER, columns });
    expect(shown.errors).toEqual(report.errors);
    expect(shown.rows.filter((r) => r.ok).length).toBe(report.imported);
    expect(shown.mapping).toEqual({ ref: 0, note: 1 });
    expect(store.all(USER).map((n) => n.ref)).toEqual([TXID_A]);
  });

  it('shows the header and what was found when a column is missing, instead of refusing', async () => {
    const result = await preview(`Date,Transaction,Label\n2024,${TXID_A},rent\n`, { format: 'csv' });
    expect(result).toMatchObject({ columns: ['Date', 'Transaction', 'Label'], mapping: { note: 2 }, rows: [], rowsRead: 0 });
    expect(result.mapping).not.toHaveProperty('ref');
    expect(result.errors).toEqual([{ line: 1, code: 'csv_header', message: expect.stringMatching(/lacks a ref column/) }]);

    const chosen = await preview(`Date,Transaction,Label\n2024,${TXID_A},rent\n`, { format: 'csv', columns: { refColumn: '1' } });
    expect(chosen).toMatchObject({ mapping: { ref: 1, note: 2 }, rows: [{ line: 2, ref: TXID_A, note: 'rent', ok: true }], errors: [] });
  });

  it('refuses a chosen column the header lacks, as the import does', async () => {
    await expect(preview(`txid,note\n${TXID_A},x\n`, { format: 'csv', columns: { noteColumn: 'Comment' } })).rejects.toBeInstanceOf(CsvColumnError);
  });

  it('leaves out the last line of a cut sample (mid-line or inside a quoted cell) but not of a whole file', async () => {
    const head = `txid,note\n${TXID_A},a\n`;
    const midLine = `${head}${TXID_B.slice(0, 20)}`;
    expect(await preview(midLine, { format: 'csv', truncated: true })).toMatchObject({ rowsRead: 1, errors: [] });
    expect((await preview(midLine, { format: 'csv' })).errors).toEqual([{ line: 3, field: 'ref', code: 'invalid_length', message: expect.any(String) }]);

    const midQuote = `${head}${TXID_B},"first line\nsecond li`;
    expect(await preview(midQuote, { format: 'csv', truncated: true })).toMatchObject({ rowsRead: 1, errors: [] });
    expect((await preview(midQuote, { format: 'csv' })).errors).toEqual([{ line: 3, code: 'csv_malformed', message: expect.any(String) }]);

    // Cut right after a line break: nothing is lost.
    expect((await preview(`${head}${TXID_B},b\r\n`, { format: 'csv', truncated: true })).rowsRead).toBe(2);
  });

  it('cuts a sample after its last LF, or its last CR when it has no LF', () => {
    expect(cutAtLastLineBreak(Buffer.from('a\r\nb\r\ncut')).toString()).toBe('a\r\nb\r\n');
    expect(cutAtLastLineBreak(Buffer.from('a\rb\rcut')).toString()).toBe('a\rb\r');
    expect(cutAtLastLineBreak(Buffer.from('no break')).toString()).toBe('');
  });
});

describe('import preview of the JSON formats', () => {
  it('previews a cut BIP-329 sample without its cut line', async () => {
    const jsonl = `{"type":"tx","ref":"${TXID_A}","label":"a"}\n{"type":"addr","ref":"nope","label":"b"}\n{"type":"tx","ref":"${TXID_B}","la`;
    const result = await preview(jsonl, { format: 'bip329', truncated: true });
    expect(result).toMatchObject({ format: 'bip329', columns: [], mapping: null, rowsRead: 2, errorCount: 1 });
    expect(result.rows.map((r) => [r.line, r.type, r.ok])).toEqual([[1, 'tx', true], [2, 'addr', false]]);
  });

  it('previews a cut Electrum label export up to its last whole entry', async () => {
    const electrum = `{\n    "${TXID_A}": "coffee",\n    "${ADDRESS}": "donations",\n    "${TXID_B}": "re`;
    const result = await preview(electrum, { format: 'electrum', truncated: true });
    expect(result.rows).toEqual([
      { line: 2, type: 'tx', ref: TXID_A, note: 'coffee', ok: true },
      { line: 3, type: 'addr', ref: ADDRESS, note: 'donations', ok: true },
    ]);
    await expect(preview(electrum, { format: 'electrum' })).rejects.toMatchObject({ status: 400, extra: { errors: [{ code: 'invalid_json' }] } });
  });
});
