import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvHeaderError, importCsvNotes, readCsvNoteRows, resolveCsvHeader } from '../../../src/domain/notes/csv-import.js';
import type { ImportMode, ImportProgress } from '../../../src/domain/notes/types.js';
import { TXID_A, TXID_B, TXID_C, USER, fixture, streamOf } from './fixtures.js';

async function importCsv(text: string | Buffer, options: { mode?: ImportMode; batchSize?: number; chunkSize?: number } = {}) {
  const { store, deps } = fixture();
  const report = await importCsvNotes(streamOf(text, options.chunkSize), deps, { userId: USER, ...options });
  return { report, store, labels: Object.fromEntries(store.all(USER).map((n) => [n.ref, n.label])) };
}

describe('CSV header', () => {
  it.each(['txid', 'transaction_hash', 'tx_hash', 'transaction id', 'TXID', ' Transaction ID ', 'Tx_Hash'])(
    'takes %j as the tx ref column',
    async (name) => {
      const { report, labels } = await importCsv(`${name},note\n${TXID_A},paid rent\n`);
      expect(report).toMatchObject({ imported: 1, failed: 0 });
      expect(labels).toEqual({ [TXID_A]: 'paid rent' });
    },
  );

  it.each(['note', 'label', 'memo', 'Label', ' MEMO '])('takes %j as the note column', async (name) => {
    const { labels } = await importCsv(`txid,${name}\n${TXID_A},hello\n`);
    expect(labels).toEqual({ [TXID_A]: 'hello' });
  });

  it('ignores other columns, in any order (a wallet history export)', async () => {
    const csv = `Date,Label,Value,Balance,Txid\n2024-01-02,salary,0.1,1.2,${TXID_A}\n`;
    const { labels } = await importCsv(csv);
    expect(labels).toEqual({ [TXID_A]: 'salary' });
  });

  it('reads ref with a type column, defaulting to tx when the column or the cell is empty', async () => {
    const { store, report } = await importCsv(`type,ref,label\naddr,bc1q34aq5drpuwy3wgl9lhup9892qp6svr8ldzyy7c,an address\n,${TXID_A},no type\n`);
    expect(report.imported).toBe(2);
    expect(store.all(USER).map((n) => [n.type, n.label])).toEqual([['addr', 'an address'], ['tx', 'no type']]);
    const noTypeColumn = await importCsv(`ref,note\n${TXID_B},plain\n`);
    expect(noTypeColumn.store.all(USER)[0]).toMatchObject({ type: 'tx', ref: TXID_B });
  });

  it('refuses a header without a ref column, naming what it expected and what it found', async () => {
    const promise = importCsv('date,amount,note\n2024,1,x\n');
    await expect(promise).rejects.toBeInstanceOf(CsvHeaderError);
    await expect(promise).rejects.toMatchObject({
      status: 400,
      code: 'invalid_input',
      detail: expect.stringMatching(/lacks a ref column: expected .*txid, transaction_hash, tx_hash, transaction id.*found "date", "amount", "note"/),
    });
  });

  it('refuses a header without a note column', async () => {
    await expect(importCsv(`txid,amount\n${TXID_A},1\n`)).rejects.toMatchObject({
      detail: expect.stringContaining('lacks a note column'),
      extra: { errors: [{ line: 1, code: 'csv_header', message: expect.any(String) }] },
    });
  });

  it('refuses an empty file and a file of blank lines', async () => {
    await expect(importCsv('')).rejects.toThrow(/empty/);
    await expect(importCsv('\n\r\n  \n')).rejects.toThrow(/empty/);
  });

  it('names the header line when blank lines come first', () => {
    expect(() => resolveCsvHeader(['a', 'b'], 4)).toThrow(CsvHeaderError);
    try {
      resolveCsvHeader(['a'], 4);
    } catch (error) {
      expect((error as CsvHeaderError).extra.errors?.[0]?.line).toBe(4);
    }
  });
});

describe('CSV parsing', () => {
  it('reads UTF-8 with a BOM and CRLF line ends', async () => {
    const { labels, report } = await importCsv(`\uFEFFtxid,note\r\n${TXID_A},café ☕\r\n${TXID_B},second\r\n`);
    expect(report.failed).toBe(0);
    expect(labels).toEqual({ [TXID_A]: 'café ☕', [TXID_B]: 'second' });
  });

  it('reads a BOM split across chunks', async () => {
    const { labels } = await importCsv(`\uFEFFtxid,note\n${TXID_A},x\n`, { chunkSize: 1 });
    expect(labels).toEqual({ [TXID_A]: 'x' });
  });

  it('keeps quoted commas, doubled quotes and multi-line cells exactly', async () => {
    const csv = `txid,note\n${TXID_A},"rent, march ""paid"""\n${TXID_B},"line one\nline two\r\nline three"\n`;
    const { labels } = await importCsv(csv);
    expect(labels).toEqual({ [TXID_A]: 'rent, march "paid"', [TXID_B]: 'line one\nline two\r\nline three' });
  });

  it('stores formula-looking cells as the text they are', async () => {
    const csv = `txid,note\n${TXID_A},"=cmd|' /C calc'!A0"\n${TXID_B},+1-2\n${TXID_C},@SUM(A1)\n`;
    const { labels } = await importCsv(csv);
    expect(labels).toEqual({ [TXID_A]: "=cmd|' /C calc'!A0", [TXID_B]: '+1-2', [TXID_C]: '@SUM(A1)' });
  });

  it('normalizes upper-case txids to lower case (and trims the ref cell)', async () => {
    const { labels } = await importCsv(`txid,note\n ${TXID_A.toUpperCase()} ,upper\n`);
    expect(labels).toEqual({ [TXID_A]: 'upper' });
  });

  it('skips empty lines and all-blank rows', async () => {
    const { report, labels } = await importCsv(`\n\ntxid,note\n\n${TXID_A},a\n,\n  ,  \n\n${TXID_B},b\n\n`);
    expect(report).toMatchObject({ imported: 2, failed: 0, errors: [] });
    expect(Object.keys(labels)).toHaveLength(2);
  });

  it('tolerates rows with fewer or more cells than the header', async () => {
    const { labels } = await importCsv(`txid,note,extra\n${TXID_A}\n${TXID_B},b,1,2,3\n`);
    expect(labels).toEqual({ [TXID_A]: '', [TXID_B]: 'b' });
  });
});

describe('CSV row errors', () => {
  it('reports short, long and non-hex txids on their lines, with the validator codes, and keeps the good rows', async () => {
    const csv = ['txid,note', `${TXID_A},good`, 'abc123,short', `${TXID_A}00,long`, `${'g'.repeat(64)},not hex`, `${TXID_B},good too`].join('\n');
    const { report, labels } = await importCsv(csv);
    expect(report).toMatchObject({ imported: 2, failed: 3, errorCount: 3, rolledBack: false });
    expect(report.errors).toEqual([
      { line: 3, field: 'ref', code: 'invalid_length', message: expect.any(String) },
      { line: 4, field: 'ref', code: 'too_long', message: expect.any(String) },
      { line: 5, field: 'ref', code: 'invalid_characters', message: expect.any(String) },
    ]);
    expect(Object.keys(labels)).toEqual([TXID_A, TXID_B]);
  });

  it('counts physical lines: blank lines and multi-line cells (LF and CRLF) before a bad row', async () => {
    const lf = `txid,note\n\n${TXID_A},"two\nlines"\n${TXID_B},"three\n\nlines"\n\nbad,x\n`;
    // line 1 header, 2 blank, 3–4 first record, 5–7 second record, 8 blank, 9 the bad row
    expect((await importCsv(lf)).report.errors.map((e) => e.line)).toEqual([9]);
    const crlf = lf.replace(/\n/g, '\r\n');
    expect((await importCsv(crlf)).report.errors.map((e) => e.line)).toEqual([9]);
    expect((await importCsv(crlf, { chunkSize: 1 })).report.errors.map((e) => e.line)).toEqual([9]);
  });

  it('gives the line where a multi-line record starts, not where it ends', async () => {
    const csv = `txid,note\nnot-a-txid,"a\nb\nc"\n${TXID_A},ok\nxx,"d\r\ne"\n`;
    expect((await importCsv(csv)).report.errors.map((e) => e.line)).toEqual([2, 6]);
  });

  it('refuses a label over 255 characters with label_too_long instead of truncating it', async () => {
    const long = 'x'.repeat(256);
    const emoji255 = '😀'.repeat(255); // 510 UTF-16 units, 255 characters: allowed
    const { report, labels } = await importCsv(`txid,note\n${TXID_A},${long}\n${TXID_B},${emoji255}\n`);
    expect(report.errors).toEqual([{ line: 2, field: 'label', code: 'label_too_long', message: expect.stringContaining('256') }]);
    expect(labels).toEqual({ [TXID_B]: emoji255 });
  });

  it('reports an unknown type in a type column', async () => {
    const { report } = await importCsv(`type,ref,label\nblock,${TXID_A},x\n`);
    expect(report.errors).toEqual([{ line: 2, field: 'type', code: 'unknown_type', message: expect.any(String) }]);
  });

  it('reports every problem of a row but counts the row once', async () => {
    const { report } = await importCsv(`txid,note\nabc,${'y'.repeat(300)}\n`);
    expect(report.failed).toBe(1);
    expect(report.errors.map((e) => e.code).sort()).toEqual(['invalid_length', 'label_too_long']);
  });

  it('keeps the first 1,000 errors and counts them all', async () => {
    const rows = Array.from({ length: 1_500 }, (_, i) => `bad${i},x`).join('\n');
    const { report } = await importCsv(`txid,note\n${rows}\n`, { batchSize: 400 });
    expect(report.failed).toBe(1_500);
    expect(report.errorCount).toBe(1_500);
    expect(report.errors).toHaveLength(1_000);
    expect(report.errors[999]!.line).toBe(1_001);
  });

  it('ends with csv_malformed at the line of a record whose quote never closes', async () => {
    const { report, labels } = await importCsv(`txid,note\n${TXID_A},ok\n\n${TXID_B},"never closed\nmore\n`);
    expect(labels).toEqual({ [TXID_A]: 'ok' });
    expect(report.errors).toEqual([{ line: 4, code: 'csv_malformed', message: expect.stringContaining('Quote Not Closed') }]);
    expect(report.failed).toBe(1);
  });
});

describe('CSV duplicates and counts', () => {
  it('lets a later row for the same ref win, within one batch', async () => {
    const csv = `txid,note\n${TXID_A},first\n${TXID_A.toUpperCase()},second\n${TXID_A},second\n`;
    const { report, labels } = await importCsv(csv);
    expect(labels).toEqual({ [TXID_A]: 'second' });
    expect(report).toMatchObject({ imported: 1, updated: 1, unchanged: 1, failed: 0 });
  });

  it('lets a later row for the same ref win across batches', async () => {
    const csv = `txid,note\n${TXID_A},first\n${TXID_B},b\n${TXID_A},last\n`;
    const { report, labels, store } = await importCsv(csv, { batchSize: 1 });
    expect(labels[TXID_A]).toBe('last');
    expect(report).toMatchObject({ imported: 2, updated: 1 });
    expect(store.upsertCalls).toBe(3);
  });

  it('counts unchanged rows on a second import of the same file', async () => {
    const { store, deps } = fixture();
    const csv = `txid,note\n${TXID_A},a\n${TXID_B},b\n`;
    await importCsvNotes(streamOf(csv), deps, { userId: USER });
    const again = await importCsvNotes(streamOf(csv.replace(',b', ',B')), deps, { userId: USER });
    expect(again).toMatchObject({ imported: 0, updated: 1, unchanged: 1 });
    expect(store.all(USER)).toHaveLength(2);
  });
});

describe('CSV import modes', () => {
  it('atomic: stores nothing when the LAST row is bad, and still reports every error', async () => {
    const good = Array.from({ length: 30 }, (_, i) => `${i.toString(16).padStart(64, '0')},n${i}`);
    const csv = ['txid,note', 'bad-early,x', ...good, 'bad-last,x'].join('\n');
    const { report, store } = await importCsv(csv, { mode: 'atomic', batchSize: 7 });
    expect(report).toMatchObject({ imported: 0, updated: 0, unchanged: 0, failed: 2, rolledBack: true });
    expect(report.errors.map((e) => e.line)).toEqual([2, 33]);
    expect(store.all(USER)).toEqual([]);

    const lastOnly = await importCsv(['txid,note', ...good, 'bad-last,x'].join('\n'), { mode: 'atomic', batchSize: 7 });
    expect(lastOnly.report).toMatchObject({ failed: 1, rolledBack: true, errors: [{ line: 32 }] });
    expect(lastOnly.store.all(USER)).toEqual([]);
  });

  it('atomic: stores everything when every row is good', async () => {
    const { report, store } = await importCsv(`txid,note\n${TXID_A},a\n${TXID_B},b\n`, { mode: 'atomic', batchSize: 1 });
    expect(report).toMatchObject({ imported: 2, rolledBack: false });
    expect(store.all(USER)).toHaveLength(2);
  });

  it('partial: stores the good rows around the bad ones', async () => {
    const { report, labels } = await importCsv(`txid,note\nbad,x\n${TXID_A},a\n`, { mode: 'partial' });
    expect(report).toMatchObject({ imported: 1, failed: 1, rolledBack: false });
    expect(labels).toEqual({ [TXID_A]: 'a' });
  });
});

describe('CSV streaming', () => {
  it('reports progress per batch with rows and bytes', async () => {
    const { deps } = fixture();
    const csv = `txid,note\n${TXID_A},a\n${TXID_B},b\n${TXID_C},c\n`;
    const progress: ImportProgress[] = [];
    await importCsvNotes(streamOf(csv), deps, { userId: USER, batchSize: 2, totalBytes: csv.length, onProgress: (p) => progress.push(p) });
    expect(progress.map((p) => p.rows)).toEqual([2, 3]);
    expect(progress.at(-1)).toEqual({ rows: 3, bytes: csv.length, totalBytes: csv.length });
  });

  it('pulls the input only as fast as batches are written (backpressure: memory bounded by the batch)', async () => {
    let produced = 0;
    async function* rows() {
      yield 'txid,note\n';
      for (let i = 0; i < 20_000; i++) {
        produced++;
        yield `${i.toString(16).padStart(64, '0')},row ${i}\n`;
      }
    }
    const { store, deps } = fixture();
    const lead: number[] = [];
    const original = store.upsert.bind(store);
    let written = 0;
    store.upsert = async (userId, drafts) => {
      lead.push(produced - written);
      written += drafts.length;
      return original(userId, drafts);
    };
    const report = await importCsvNotes(Readable.from(rows()), deps, { userId: USER, batchSize: 500 });
    expect(report.imported).toBe(20_000);
    // Rows read ahead of the writer stay within a batch plus the streams' buffers (~16 KB each side).
    expect(Math.max(...lead)).toBeLessThan(500 + 1_000);
  });

  it('yields batches of at most batchSize rows', async () => {
    const csv = `txid,note\n${Array.from({ length: 10 }, (_, i) => `${i},x`).join('\n')}\n`;
    const sizes: number[] = [];
    for await (const batch of readCsvNoteRows(streamOf(csv), { batchSize: 4 })) sizes.push(batch.rows.length);
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('fails the import when the source stream fails (an aborted upload)', async () => {
    const { deps } = fixture();
    const source = new Readable({ read() {} });
    source.push(`txid,note\n${TXID_A},a\n`);
    setImmediate(() => source.destroy(new Error('client went away')));
    await expect(importCsvNotes(source, deps, { userId: USER })).rejects.toThrow(/client went away/);
  });
});
