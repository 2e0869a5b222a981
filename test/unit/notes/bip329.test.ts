import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportBip329, importBip329Notes, MAX_BIP329_LINE_BYTES, parseBip329Line, toBip329Record } from '../../../src/domain/notes/bip329.js';
import type { ImportMode } from '../../../src/domain/notes/types.js';
import { ADDRESS, TXID_A, TXID_B, USER, XPUB, fixture, streamOf } from './fixtures.js';
import type { MemoryNoteStore } from './memory-note-store.js';

const VECTORS = readFileSync(new URL('../../vectors/bip329/labels.jsonl', import.meta.url), 'utf8');

async function importJsonl(text: string, options: { mode?: ImportMode; store?: MemoryNoteStore } = {}) {
  const made = fixture();
  const store = options.store ?? made.store;
  const report = await importBip329Notes(streamOf(text, 13), { store, validateRefs: made.deps.validateRefs }, { userId: USER, ...options });
  return { report, store };
}

async function exportText(store: MemoryNoteStore): Promise<string> {
  let text = '';
  for await (const chunk of exportBip329(store.streamAll(USER))) text += chunk;
  return text;
}

const sortRecords = (records: unknown[]) => records.map((r) => JSON.stringify(r)).sort();

describe('BIP-329 import', () => {
  it('imports every record of the BIP-329 test vectors', async () => {
    const { report, store } = await importJsonl(VECTORS);
    expect(report).toMatchObject({ imported: 7, failed: 0, errors: [] });
    expect(store.all(USER).map((n) => n.type)).toEqual(['tx', 'addr', 'pubkey', 'input', 'output', 'xpub', 'tx']);
    expect(store.all(USER)[4]).toMatchObject({ type: 'output', ref: `${TXID_A}:1`, label: 'Output', spendable: false });
    expect(store.all(USER)[0]).toMatchObject({ origin: "wpkh([d34db33f/84'/0'/0'])" });
  });

  it('round-trips: import → export gives the same set of records, every type and field', async () => {
    const { store } = await importJsonl(VECTORS);
    const exported = await exportText(store);
    expect(exported.endsWith('\n')).toBe(true);
    const input = VECTORS.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    const output = exported.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(sortRecords(output)).toEqual(sortRecords(input));
    // and a second import of the export changes nothing
    const again = await importJsonl(exported, { store });
    expect(again.report).toMatchObject({ imported: 0, updated: 0, unchanged: 7 });
  });

  it('normalizes refs: upper-case txids, vout with leading zeros', async () => {
    const text = [
      JSON.stringify({ type: 'tx', ref: TXID_A.toUpperCase(), label: 'a' }),
      JSON.stringify({ type: 'input', ref: `${TXID_B.toUpperCase()}:007`, label: 'b' }),
    ].join('\n');
    const { store } = await importJsonl(text);
    expect(store.all(USER).map((n) => n.ref)).toEqual([TXID_A, `${TXID_B}:7`]);
  });

  it('reports per-line errors with physical line numbers (blank lines count) and imports the rest', async () => {
    const lines = [
      JSON.stringify({ type: 'tx', ref: TXID_A, label: 'ok' }), // 1
      '', // 2
      '{"type": "tx", "ref": ', // 3 invalid JSON
      JSON.stringify({ type: 'block', ref: TXID_A, label: 'x' }), // 4 unknown type
      JSON.stringify({ type: 'tx', ref: TXID_B, label: 'x', spendable: true }), // 5 spendable on tx
      JSON.stringify({ type: 'output', ref: `${TXID_B}:0`, spendable: 'false' }), // 6 string, not boolean
      JSON.stringify({ ref: TXID_B }), // 7 no type
      JSON.stringify(['tx', TXID_B]), // 8 not an object
      JSON.stringify({ type: 'addr', ref: ADDRESS, label: 42 }), // 9 label not a string
      JSON.stringify({ type: 'output', ref: TXID_B, label: 'no vout' }), // 10
      JSON.stringify({ type: 'output', ref: `${TXID_B}:4294967296`, label: 'vout too big' }), // 11
      JSON.stringify({ type: 'pubkey', ref: `04${'ab'.repeat(32)}`, label: 'uncompressed' }), // 12
      JSON.stringify({ type: 'xpub', ref: XPUB, label: 'ok' }), // 13
    ].join('\r\n');
    const { report, store } = await importJsonl(lines);
    expect(report.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [3, undefined, 'invalid_json'],
      [4, 'type', 'unknown_type'],
      [5, 'spendable', 'spendable_not_allowed'],
      [6, 'spendable', 'wrong_type'],
      [7, 'type', 'required'],
      [8, undefined, 'invalid_record'],
      [9, 'label', 'wrong_type'],
      [10, 'ref', 'invalid_outpoint'],
      [11, 'ref', 'invalid_vout'],
      [12, 'ref', 'invalid_public_key'],
    ]);
    expect(report).toMatchObject({ imported: 2, failed: 10 });
    expect(store.all(USER).map((n) => n.type)).toEqual(['tx', 'xpub']);
  });

  it('refuses a line longer than the cap without reading it into memory', async () => {
    const huge = JSON.stringify({ type: 'tx', ref: TXID_A, label: 'x'.repeat(MAX_BIP329_LINE_BYTES) });
    const { report } = await importJsonl(`${huge}\n${JSON.stringify({ type: 'tx', ref: TXID_B, label: 'ok' })}\n`);
    expect(report.errors).toEqual([{ line: 1, code: 'line_too_long', message: expect.any(String) }]);
    expect(report.imported).toBe(1);
  });

  it('leaves the stored label and spendable alone when a record omits them (BIP-329 "Importing")', async () => {
    const { store } = await importJsonl(JSON.stringify({ type: 'output', ref: `${TXID_A}:1`, label: 'kept', spendable: true }));
    const { report } = await importJsonl(JSON.stringify({ type: 'output', ref: `${TXID_A}:1`, spendable: false }), { store });
    expect(report.updated).toBe(1);
    expect(store.all(USER)[0]).toMatchObject({ label: 'kept', spendable: false });
    const labelOnly = await importJsonl(JSON.stringify({ type: 'output', ref: `${TXID_A}:1`, label: 'new' }), { store });
    expect(labelOnly.report.updated).toBe(1);
    expect(store.all(USER)[0]).toMatchObject({ label: 'new', spendable: false });
  });

  it('atomic: one bad line anywhere stores nothing', async () => {
    const text = `${VECTORS}{"type":"tx","ref":"zz","label":"bad"}\n`;
    const { report, store } = await importJsonl(text, { mode: 'atomic' });
    expect(report).toMatchObject({ rolledBack: true, imported: 0, failed: 1, errors: [{ line: 8 }] });
    expect(store.all(USER)).toEqual([]);
  });

  it('accepts a BOM on the first line', async () => {
    const { report } = await importJsonl(`\uFEFF${JSON.stringify({ type: 'tx', ref: TXID_A, label: 'bom' })}\n`);
    expect(report).toMatchObject({ imported: 1, failed: 0 });
  });
});

describe('BIP-329 records', () => {
  it('parses optional fields, treating null as absent', () => {
    expect(parseBip329Line(JSON.stringify({ type: 'tx', ref: 'r', label: null, origin: null }), 3)).toEqual({
      row: { line: 3, type: 'tx', ref: 'r' },
    });
  });

  it('exports spendable only for outputs and leaves out an empty label and a missing origin', () => {
    expect(toBip329Record({ type: 'tx', ref: TXID_A, label: '', origin: null, spendable: null })).toEqual({ type: 'tx', ref: TXID_A });
    expect(toBip329Record({ type: 'output', ref: `${TXID_A}:0`, label: 'x', origin: 'wpkh([d34db33f])', spendable: true })).toEqual({
      type: 'output',
      ref: `${TXID_A}:0`,
      label: 'x',
      origin: 'wpkh([d34db33f])',
      spendable: true,
    });
  });

  it('exports labels with quotes, newlines and non-ASCII as one valid JSON line each', async () => {
    const { store } = fixture();
    await store.upsert(USER, [{ type: 'tx', ref: TXID_A, label: 'a "quoted"\nlabel ✓ \u2028' }]);
    const text = await exportText(store);
    expect(text.split('\n')).toHaveLength(2);
    expect(JSON.parse(text.split('\n')[0]!)).toEqual({ type: 'tx', ref: TXID_A, label: 'a "quoted"\nlabel ✓ \u2028' });
  });
});
