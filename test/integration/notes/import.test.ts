import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SqlNoteStore } from '../../../src/adapters/db/note-store.js';
import { countNotes, getNote } from '../../../src/adapters/db/repositories/notes.js';
import { TieredCache } from '../../../src/cache/index.js';
import { importBip329Notes } from '../../../src/domain/notes/bip329.js';
import { importCsvNotes } from '../../../src/domain/notes/csv-import.js';
import { validateRefsWith } from '../../../src/domain/notes/note-refs.js';
import { CachedValidator } from '../../../src/domain/validation/cached-validator.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { createUser } from '../../helpers/storage-fixtures.js';

const txid = (i: number): string => i.toString(16).padStart(64, '0');

describe.each(DIALECTS)('notes import into the database (%s)', (dialect) => {
  const t = useTestDatabase(dialect);
  const deps = () => ({
    store: new SqlNoteStore(t.db, dialect),
    validateRefs: validateRefsWith(new CachedValidator(new TieredCache({}))),
  });

  it('imports 100,000 CSV rows streamed, with memory bounded by the batch, not the file', { timeout: 240_000 }, async () => {
    const user = await createUser(t.db);
    const rows = 100_000;
    let produced = 0;
    let stored = 0;
    let maxLead = 0;
    async function* csv() {
      yield 'Date,Txid,Label,Amount\r\n';
      for (let i = 0; i < rows; i += 500) {
        let chunk = '';
        for (let k = i; k < i + 500; k++) chunk += `2024-01-01,${txid(k * 7919)},"payment ${k}, ok",0.1\r\n`;
        produced += 500;
        yield chunk;
      }
    }
    const d = deps();
    const upsert = d.store.upsert.bind(d.store);
    d.store.upsert = async (userId, drafts) => {
      maxLead = Math.max(maxLead, produced - stored);
      stored += drafts.length;
      return upsert(userId, drafts);
    };
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const timer = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 10);
    try {
      const report = await importCsvNotes(Readable.from(csv()), d, { userId: user.id, batchSize: 5_000 });
      expect(report).toMatchObject({ imported: rows, updated: 0, failed: 0, errors: [] });
    } finally {
      clearInterval(timer);
    }
    expect(await countNotes(t.db, user.id)).toBe(rows);
    expect(await getNote(t.db, user.id, 'tx', txid(99_999 * 7919))).toMatchObject({ label: 'payment 99999, ok' });
    // The proof of streaming: the reader runs at most a batch (plus stream buffers) ahead of the writer.
    expect(maxLead).toBeLessThanOrEqual(5_000 + 1_000);
    // A coarse guard besides: heapUsed counts garbage not yet collected (~60–110 MB here, measured),
    // so it only catches a gross leak, e.g. every row kept for the report.
    expect(heapPeak - heapBefore).toBeLessThan(200 * 2 ** 20);
  });

  it('atomic: a bad LAST row rolls back every row already written to the database', async () => {
    const user = await createUser(t.db);
    const lines = ['txid,note', ...Array.from({ length: 2_500 }, (_, i) => `${txid(i)},n${i}`), 'not-a-txid,bad'];
    const report = await importCsvNotes(Readable.from([lines.join('\n')]), deps(), { userId: user.id, mode: 'atomic', batchSize: 1_000 });
    expect(report).toMatchObject({ imported: 0, failed: 1, rolledBack: true, errors: [{ line: 2_502, field: 'ref' }] });
    expect(await countNotes(t.db, user.id)).toBe(0);
  });

  it('partial: stores the good rows and counts a re-import as unchanged', async () => {
    const user = await createUser(t.db);
    const text = `txid,note\n${txid(1)},a\nbad,b\n${txid(2)},c\n`;
    expect(await importCsvNotes(Readable.from([text]), deps(), { userId: user.id })).toMatchObject({ imported: 2, failed: 1 });
    expect(await importCsvNotes(Readable.from([text]), deps(), { userId: user.id })).toMatchObject({ imported: 0, unchanged: 2, failed: 1 });
  });

  it('imports BIP-329 records of every type', async () => {
    const user = await createUser(t.db);
    const { readFileSync } = await import('node:fs');
    const jsonl = readFileSync(new URL('../../vectors/bip329/labels.jsonl', import.meta.url), 'utf8');
    const report = await importBip329Notes(Readable.from([jsonl]), deps(), { userId: user.id });
    expect(report).toMatchObject({ imported: 7, failed: 0 });
    expect(await getNote(t.db, user.id, 'output', 'f91d0a8a78462bc59398f2c5d7a84fcff491c26ba54c4833478b202796c8aafd:1')).toMatchObject({
      label: 'Output',
      spendable: false,
    });
  });
});
