/**
 * How an import commits: batches grouped into one transaction when the store asks for it
 * (NoteStore.rowsPerCommit, SQLite), every batch on its own otherwise, and a stop between batches
 * (a job released on shutdown) that keeps what was committed and writes nothing after.
 */
import { describe, expect, it } from 'vitest';
import { importCsvNotes } from '../../../src/domain/notes/csv-import.js';
import type { NoteDraft, NoteStore, UpsertOutcome } from '../../../src/domain/notes/types.js';
import { USER, streamOf, validateRefs } from './fixtures.js';
import { MemoryNoteStore } from './memory-note-store.js';

const txid = (i: number): string => i.toString(16).padStart(64, '0');
const csv = (rows: Array<[number, string]>): string => `txid,note\n${rows.map(([i, note]) => `${txid(i)},${note}`).join('\n')}\n`;

/** Records which rows each commit (transaction, or upsert outside one) wrote. */
class CommitLog extends MemoryNoteStore {
  commits: number[] = [];
  private open: number | undefined;

  constructor(readonly rowsPerCommit?: number) {
    super();
  }

  override async upsert(userId: string, rows: readonly NoteDraft[]): Promise<UpsertOutcome[]> {
    if (this.open === undefined) this.commits.push(rows.length);
    else this.open += rows.length;
    return super.upsert(userId, rows);
  }

  override async transaction<T>(fn: (store: NoteStore) => Promise<T>): Promise<T> {
    this.open = 0;
    try {
      const value = await super.transaction(fn);
      this.commits.push(this.open);
      return value;
    } finally {
      this.open = undefined;
    }
  }
}

describe('import commits', () => {
  it('writes batches together up to rowsPerCommit rows, and the rest at the end', async () => {
    const store = new CommitLog(10);
    const rows = Array.from({ length: 25 }, (_, i): [number, string] => [i, `note ${i}`]);
    const report = await importCsvNotes(streamOf(csv(rows)), { store, validateRefs }, { userId: USER, batchSize: 4 });
    expect(report).toMatchObject({ imported: 25, failed: 0 });
    expect(store.commits).toEqual([12, 12, 1]);
    expect(store.all(USER)).toHaveLength(25);
  });

  it('commits every batch on its own when the store asks for nothing', async () => {
    const store = new CommitLog();
    const rows = Array.from({ length: 10 }, (_, i): [number, string] => [i, `note ${i}`]);
    await importCsvNotes(streamOf(csv(rows)), { store, validateRefs }, { userId: USER, batchSize: 4 });
    expect(store.commits).toEqual([4, 4, 2]);
  });

  it('counts each row as written in file order when a ref repeats across batches of one commit', async () => {
    const store = new CommitLog(100);
    const report = await importCsvNotes(
      streamOf(csv([[1, 'first'], [2, 'two'], [1, 'second'], [3, 'three'], [1, 'second'], [2, 'two!']])),
      { store, validateRefs },
      { userId: USER, batchSize: 2 },
    );
    expect(store.commits).toEqual([6]);
    expect(report).toMatchObject({ imported: 3, updated: 2, unchanged: 1, failed: 0 });
    expect(Object.fromEntries(store.all(USER).map((n) => [n.ref, n.label]))).toEqual({ [txid(1)]: 'second', [txid(2)]: 'two!', [txid(3)]: 'three' });
  });

  it('keeps per-line errors of every grouped batch, with their lines, and stores the good rows', async () => {
    const store = new CommitLog(100);
    const report = await importCsvNotes(
      streamOf(`txid,note\n${txid(1)},a\nnot-a-txid,b\n${txid(2)},c\n${txid(3)},d\n${'z'.repeat(64)},e\n`),
      { store, validateRefs },
      { userId: USER, batchSize: 2 },
    );
    expect(report).toMatchObject({ imported: 3, failed: 2 });
    expect(report.errors.map((e) => e.line)).toEqual([3, 6]);
    expect(store.commits).toEqual([3]);
  });

  it('stops between batches when its signal aborts: what was committed stays, nothing after is written', async () => {
    const store = new CommitLog(4);
    const controller = new AbortController();
    const rows = Array.from({ length: 20 }, (_, i): [number, string] => [i, `note ${i}`]);
    const promise = importCsvNotes(streamOf(csv(rows)), { store, validateRefs }, {
      userId: USER,
      batchSize: 2,
      signal: controller.signal,
      onProgress: ({ rows: read }) => {
        if (read === 6) controller.abort(new Error('released'));
      },
    });
    await expect(promise).rejects.toThrow('released');
    // Rows 0–3 committed together; 4–5 were read and held for the next commit, then dropped.
    expect(store.commits).toEqual([4]);
    expect(store.all(USER).map((n) => n.label)).toEqual(['note 0', 'note 1', 'note 2', 'note 3']);
  });

  it('stops also when the whole input was already read', async () => {
    const store = new CommitLog(100);
    const controller = new AbortController();
    const promise = importCsvNotes(streamOf(csv([[1, 'a'], [2, 'b']])), { store, validateRefs }, {
      userId: USER,
      signal: controller.signal,
      onProgress: () => controller.abort(new Error('released')),
    });
    await expect(promise).rejects.toThrow('released');
    expect(store.all(USER)).toEqual([]);
  });
});
