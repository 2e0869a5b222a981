/**
 * Issue 10 "import from other wallets as they are": the SPEC header aliases as other wallets write
 * them, and the column mapping a user chooses (refColumn / noteColumn / typeColumn) over detection.
 */
import { describe, expect, it } from 'vitest';
import {
  CsvColumnError,
  CsvHeaderError,
  checkCsvColumns,
  detectCsvColumns,
  importCsvNotes,
  readCsvNoteRows,
  type CsvColumnChoice,
} from '../../../src/domain/notes/csv-import.js';
import { ADDRESS, TXID_A, TXID_B, USER, fixture, streamOf } from './fixtures.js';

async function importCsv(text: string, columns?: CsvColumnChoice) {
  const { store, deps } = fixture();
  const report = await importCsvNotes(streamOf(text), deps, { userId: USER, ...(columns ? { columns } : {}) });
  return { report, notes: store.all(USER).map((n) => [n.type, n.ref, n.label]) };
}

describe('CSV header aliases (SPEC), as wallets export them', () => {
  it.each([
    // Electrum: Wallet → History → Export (CSV)
    ['Electrum history', `transaction_hash,label,confirmations,value,fiat_value,fee,fiat_fee,timestamp\n${TXID_A},rent,3,-0.1,,0.0001,,2024-01-02 10:00\n`],
    // Sparrow: transactions table export
    ['Sparrow', `Date (UTC),Label,Value,Balance,Fee,Txid\n2024-01-02 10:00,rent,-10000,50000,141,${TXID_A}\n`],
    ['a tx_hash + memo export', `"Tx_Hash","Memo","Amount"\n"${TXID_A}","rent","1"\n`],
    ['a "Transaction ID" + note export', `Transaction ID,Note\n${TXID_A},rent\n`],
    ['BIP-329-like type,ref,label', `type,ref,label\ntx,${TXID_A},rent\n`],
  ])('imports %s as it is', async (_name, csv) => {
    const { report, notes } = await importCsv(csv);
    expect(report).toMatchObject({ imported: 1, failed: 0 });
    expect(notes).toEqual([['tx', TXID_A, 'rent']]);
  });

  it('prefers ref (with its type column) over a txid column, and label over memo by the SPEC order', () => {
    expect(detectCsvColumns(['txid', 'ref', 'type', 'memo', 'label'])).toEqual({ ref: 1, type: 2, note: 4 });
  });

  it('does not take a wallet history "Type" column (sent/received) as the BIP-329 type beside a txid', async () => {
    const { report, notes } = await importCsv(`Txid,Type,Label\n${TXID_A},Received,salary\n`);
    expect(report.failed).toBe(0);
    expect(notes).toEqual([['tx', TXID_A, 'salary']]);
  });
});

describe('CSV column mapping chosen by the user', () => {
  const HEADER = 'Date,Transaction,Comment,Kind,Label';

  it('takes columns by header cell, case-insensitively and trimmed, over detection', async () => {
    const csv = `${HEADER}\n2024,${TXID_A},my comment,tx,wallet label\n`;
    expect((await importCsv(csv, { refColumn: ' transaction ', noteColumn: 'COMMENT' })).notes).toEqual([['tx', TXID_A, 'my comment']]);
  });

  it('takes columns by 0-based index, as a number or as digits', async () => {
    const csv = `${HEADER}\n2024,${TXID_A},my comment,tx,wallet label\n`;
    expect((await importCsv(csv, { refColumn: 1, noteColumn: '2' })).notes).toEqual([['tx', TXID_A, 'my comment']]);
  });

  it('detects what is not chosen: only the ref column given, the note column is still found', async () => {
    const csv = `${HEADER}\n2024,${TXID_A},my comment,tx,wallet label\n`;
    expect((await importCsv(csv, { refColumn: 'Transaction' })).notes).toEqual([['tx', TXID_A, 'wallet label']]);
  });

  it('reads the type from a chosen type column, and typeColumn=none ignores a detected one', async () => {
    const csv = `Kind,What,Text\naddr,${ADDRESS},cold\ntx,${TXID_B},rent\n`;
    const typed = await importCsv(csv, { refColumn: 'What', noteColumn: 'Text', typeColumn: 'kind' });
    expect(typed.notes).toEqual([['addr', ADDRESS, 'cold'], ['tx', TXID_B, 'rent']]);

    const refTyped = `type,ref,note\nwrong,${TXID_A},x\n`;
    expect((await importCsv(refTyped)).report.errors[0]).toMatchObject({ line: 2, field: 'type', code: 'unknown_type' });
    expect((await importCsv(refTyped, { typeColumn: 'none' })).notes).toEqual([['tx', TXID_A, 'x']]);
  });

  it.each<[CsvColumnChoice, keyof CsvColumnChoice, string, RegExp]>([
    [{ refColumn: 'Hash' }, 'refColumn', 'unknown_column', /refColumn "Hash" names no cell of the header; found "date", "transaction"/],
    [{ noteColumn: 9 }, 'noteColumn', 'unknown_column', /noteColumn 9 is not a column: the header has 5 \(0 to 4\)/],
    [{ typeColumn: '-1' }, 'typeColumn', 'unknown_column', /typeColumn "-1" names no cell/],
    [{ refColumn: 'Transaction', noteColumn: 1 }, 'noteColumn', 'same_column', /noteColumn is the same column as the ref \(1\)/],
    [{ refColumn: 'Label' }, 'refColumn', 'same_column', /refColumn is the same column as the note \(4\)/],
    [{ refColumn: 1, noteColumn: 2, typeColumn: 'comment' }, 'typeColumn', 'same_column', /typeColumn is the same column as the note/],
  ])('refuses %j naming the option', async (choice, option, code, message) => {
    const promise = importCsv(`${HEADER}\n2024,${TXID_A},c,tx,l\n`, choice);
    await expect(promise).rejects.toBeInstanceOf(CsvColumnError);
    await expect(promise).rejects.toMatchObject({
      status: 400,
      code: 'invalid_input',
      detail: expect.stringMatching(message),
      extra: { errors: [{ line: 1, field: option, code, message: expect.stringMatching(message) }] },
    });
  });

  it('still names the missing columns when the choice covers only one of them', async () => {
    await expect(importCsv(`a,b,c\n${TXID_A},x,y\n`, { refColumn: 0 })).rejects.toMatchObject({
      detail: expect.stringMatching(/lacks a note column: .*chosen with refColumn and noteColumn; found "a", "b", "c"/),
    });
  });

  it('checks a mapping against the header alone, without reading the rows (async imports)', async () => {
    const csv = `\n${HEADER}\n2024,${TXID_A},c,tx,l\n`;
    await expect(checkCsvColumns(streamOf(csv), { refColumn: 'Transaction', noteColumn: 'Comment' })).resolves.toEqual({ ref: 1, note: 2, type: -1 });
    await expect(checkCsvColumns(streamOf(csv), { refColumn: 'Nope' })).rejects.toMatchObject({ extra: { errors: [{ line: 2, field: 'refColumn' }] } });
    await expect(checkCsvColumns(streamOf(''), { refColumn: 0 })).rejects.toBeInstanceOf(CsvHeaderError);
  });
});

describe('CSV sample cut short (import preview)', () => {
  const cut = `txid,note\n${TXID_A},"one\ntwo`;

  async function read(text: string, truncated: boolean) {
    const batches = [];
    for await (const batch of readCsvNoteRows(streamOf(text), { truncated })) batches.push(batch);
    return { rows: batches.flatMap((b) => b.rows), problems: batches.flatMap((b) => b.problems) };
  }

  it('reports a quote left open at the end of a whole file as csv_malformed', async () => {
    expect((await read(cut, false)).problems).toEqual([{ line: 2, code: 'csv_malformed', message: expect.stringMatching(/Quote Not Closed/) }]);
  });

  it('takes a quote left open at the end of a cut sample as the cut, not as an error', async () => {
    expect(await read(`txid,note\n${TXID_B},b\n${TXID_A},"one\ntwo`, true)).toEqual({
      rows: [{ line: 2, type: 'tx', ref: TXID_B, label: 'b' }],
      problems: [],
    });
  });
});
