import { describe, expect, it } from 'vitest';
import { electrumKeyType, importElectrumLabels, topLevelKeyLines } from '../../../src/domain/notes/electrum-json.js';
import { ADDRESS, TXID_A, TXID_B, USER, XPUB, fixture, streamOf } from './fixtures.js';

// The shape Electrum writes (json.dumps(labels, indent=4)): one entry per line.
const ELECTRUM = `{
    "${TXID_A}": "coffee",
    "${ADDRESS}": "donations",
    "${TXID_B.toUpperCase()}": "rent",
    "${TXID_B}:1": "change",
    "not-an-address": "junk",
    "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3": "bad checksum",
    "${'f'.repeat(64)}": 7
}`;

describe('Electrum label import', () => {
  it('imports txids and addresses, normalizes txids, and reports bad entries on their lines', async () => {
    const { store, deps } = fixture();
    const report = await importElectrumLabels(streamOf(ELECTRUM), deps, { userId: USER });
    expect(report).toMatchObject({ imported: 4, failed: 3 });
    expect(store.all(USER).map((n) => [n.type, n.ref, n.label])).toEqual([
      ['tx', TXID_A, 'coffee'],
      ['addr', ADDRESS, 'donations'],
      ['tx', TXID_B, 'rent'],
      ['output', `${TXID_B}:1`, 'change'],
    ]);
    expect(report.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [6, 'ref', expect.any(String)],
      [7, 'ref', 'invalid_checksum'],
      [8, 'label', 'wrong_type'],
    ]);
  });

  it('refuses a file that is not one JSON object', async () => {
    const { deps } = fixture();
    await expect(importElectrumLabels(streamOf('[1, 2]'), deps, { userId: USER })).rejects.toMatchObject({ status: 400 });
    await expect(importElectrumLabels(streamOf('{"a": '), deps, { userId: USER })).rejects.toMatchObject({
      status: 400,
      extra: { errors: [{ code: 'invalid_json' }] },
    });
  });

  it('refuses a file over the size cap with 413', async () => {
    const { deps } = fixture();
    await expect(importElectrumLabels(streamOf(ELECTRUM), deps, { userId: USER, maxBytes: 100 })).rejects.toMatchObject({ status: 413 });
  });

  it('types keys by their shape', () => {
    expect(electrumKeyType(TXID_A)).toBe('tx');
    expect(electrumKeyType(`${TXID_A}:0`)).toBe('output');
    expect(electrumKeyType(XPUB)).toBe('xpub');
    expect(electrumKeyType(ADDRESS)).toBe('addr');
  });

  it('finds the line of each top-level key, ignoring nested objects and escaped quotes', () => {
    const text = '{\n "a\\"b": {"inner": 1},\n\n "c": "x:\\"y\\""\n}';
    expect(topLevelKeyLines(text)).toEqual(new Map([['a"b', 2], ['c', 4]]));
  });
});
