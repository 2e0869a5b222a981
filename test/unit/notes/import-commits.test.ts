/**
 * How an import commits: batches grouped into one transaction when the store asks for it
 * (NoteStore.rowsPerCommit, SQLite), every batch on its own otherwise, and a stop between batches
 * (a job released on shutdown) that keeps what was committed and writes nothing after.
 */
import { describe, expect, it } from 'vitest';
import { importCsvNotes } from '../../../src/domain/notes/csv-import.js';
import type { ImportCheckpoint, NoteDraft, NoteStore, UpsertOutcome } from '../../../src/domain/notes/types.js';
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

  describe('resume after a cut-short run', () => {
    // 30 rows over 20 refs (rows 20–29 update refs 0–9), and two bad lines (7 and 25) among them.
    const file = (): string => {
      const lines = ['txid,note'];
      for (let i = 0; i < 30; i++) lines.push(i === 5 || i === 23 ? `nope${i},bad` : `${txid(i % 20)},note ${i}`);
      return `${lines.join('\n')}\n`;
    };
    const run = (store: MemoryNoteStore, options: Partial<Parameters<typeof importCsvNotes>[2]> = {}) =>
      importCsvNotes(streamOf(file()), { store, validateRefs }, { userId: USER, batchSize: 4, ...options });

    it('goes on after the last checkpoint and reports as one uninterrupted run would', async () => {
      const whole = await run(new CommitLog(8));

      const store = new CommitLog(8);
      const checkpoints: ImportCheckpoint[] = [];
      const controller = new AbortController();
      await expect(
        run(store, {
          signal: controller.signal,
          onCommit: async (checkpoint) => {
            checkpoints.push(checkpoint);
            if (checkpoints.length === 2) controller.abort(new Error('released'));
          },
        }),
      ).rejects.toThrow('released');
      const last = checkpoints.at(-1)!;
      expect(last).toMatchObject({ batches: 5, batchSize: 4, rows: 20, imported: 19, failed: 1, errorCount: 1 });

      const resumed = await run(store, { resume: last });
      expect(resumed).toEqual(whole);
      expect(resumed.errors.map((e) => e.line)).toEqual([7, 25]);
      // Commits of 11 and 8 rows by the first run; the resumed one wrote only the 9 good rows after them.
      expect(store.commits).toEqual([11, 8, 9]);
      expect(store.all(USER)).toHaveLength(20);
    });

    it('starts over when the batch size changed since the checkpoint', async () => {
      const store = new CommitLog(8);
      const checkpoint: ImportCheckpoint = { batches: 4, batchSize: 5, rows: 20, bytes: 0, imported: 99, updated: 0, unchanged: 0, failed: 0, errors: [], errorCount: 0 };
      const report = await run(store, { resume: checkpoint });
      expect(report).toMatchObject({ imported: 20, updated: 8, failed: 2 });
    });
  });
});
