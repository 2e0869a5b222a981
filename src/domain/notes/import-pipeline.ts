/**
 * The import engine every format shares: format readers (csv-import, bip329, electrum-json) turn
 * bytes into batches of raw rows; this checks them, validates their refs in one batch call per
 * validator type, writes them in one batched upsert and counts what happened.
 *
 * Memory is bounded by one batch (plus the checked rows waiting for their commit): the readers are
 * async generators over the input stream, so while a batch is validated and written the reader is
 * suspended and the stream's backpressure stops the source.
 *
 * `partial` mode stores every good row. Rows commit a batch at a time, or as many batches at a time as
 * the store's rowsPerCommit asks for (SQLite: at one commit per 5,000 random txids, each commit wrote
 * most of the unique index's pages to the WAL again). `atomic` runs the whole import in one store
 * transaction and rolls it back at the end if any row failed — it keeps reading after the first bad
 * row so the report lists every problem.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { NoteChangeRef } from './history.js';
import { checkNoteFields, type RawNoteFields } from './note-fields.js';
import { checkRefs, type RefCheck, type RefToCheck } from './note-refs.js';
import {
  MAX_REPORTED_ERRORS,
  isNoteType,
  type ImportCheckpoint,
  type ImportMode,
  type ImportProgress,
  type NoteDraft,
  type NoteImportError,
  type NoteImportReport,
  type NoteStore,
  type ValidateRefs,
} from './types.js';

export interface RawNoteRow extends RawNoteFields {
  /** Physical line where the record starts (1-based). */
  line: number;
}

/** What a format reader yields: rows to check, and rows it could not even read (with their problems). */
export interface RowBatch {
  rows: RawNoteRow[];
  /** Problems found while reading, in line order; each line here counts as one failed row. */
  problems: NoteImportError[];
  /** Input bytes consumed up to the end of this batch. */
  bytes: number;
}

export const DEFAULT_IMPORT_BATCH_SIZE = 5_000;

export interface NoteImportDeps {
  store: NoteStore;
  validateRefs: ValidateRefs;
}

export interface NoteImportOptions {
  userId: string;
  mode?: ImportMode;
  /** Called after every batch (jobs report it as `processed`/`total`). */
  onProgress?: (progress: ImportProgress) => void;
  /** Size of the input when known, passed through to onProgress. */
  totalBytes?: number;
  /** The note-history act the import's writes are recorded under (history.ts). */
  change?: NoteChangeRef;
  /**
   * Stops the import between batches (a job released on shutdown): it then throws the signal's
   * reason. What was committed stays; rows read but not yet written are not.
   */
  signal?: AbortSignal;
  /** Partial mode: the batch size the reader was given (checkpoints are counted in batches). */
  batchSize?: number;
  /** Partial mode: resume after this checkpoint of an earlier run of the same input. */
  resume?: ImportCheckpoint;
  /** Partial mode: called after each commit, before the import goes on (jobs store it). */
  onCommit?: (checkpoint: ImportCheckpoint) => Promise<void>;
}

class ErrorList {
  readonly kept: NoteImportError[] = [];
  count = 0;

  add(items: readonly NoteImportError[]): void {
    this.count += items.length;
    for (const item of items) {
      if (this.kept.length >= MAX_REPORTED_ERRORS) return;
      this.kept.push(item);
    }
  }
}

class Rollback extends Error {
  constructor(readonly report: NoteImportReport) {
    super('atomic note import rolled back');
  }
}

function countFailedLines(problems: readonly NoteImportError[]): number {
  let lines = 0;
  let last = Number.NaN;
  for (const p of problems) {
    if (p.line !== last) lines++;
    last = p.line;
  }
  return lines;
}

/** Field checks and ref validation of one batch → the drafts to write and the problems, in line order. */
export async function checkBatch(
  batch: RowBatch,
  validateRefs: ValidateRefs,
): Promise<{ drafts: NoteDraft[]; problems: NoteImportError[]; failed: number }> {
  const problems: NoteImportError[] = [...batch.problems];
  // Refs are validated for rows whose other fields failed too, so the report names every problem.
  const rows: Array<{ line: number; draft?: NoteDraft }> = [];
  const toCheck: RefToCheck[] = [];
  const checkedAt: number[] = [];
  for (const row of batch.rows) {
    const result = checkNoteFields(row);
    for (const p of result.problems) problems.push({ line: row.line, ...p });
    if (isNoteType(row.type) && row.ref !== '') {
      toCheck.push({ type: row.type, ref: row.ref });
      checkedAt.push(rows.length);
    }
    rows.push(result.fields ? { line: row.line, draft: result.fields } : { line: row.line });
  }
  const refs = await checkRefs(validateRefs, toCheck);
  const refOf = new Array<RefCheck | undefined>(rows.length);
  checkedAt.forEach((at, k) => (refOf[at] = refs[k]));
  const drafts: NoteDraft[] = [];
  let failed = countFailedLines(batch.problems);
  rows.forEach(({ line, draft }, i) => {
    const ref = refOf[i];
    if (ref?.problems) for (const p of ref.problems) problems.push({ line, ...p });
    if (draft && ref?.ref !== undefined) {
      draft.ref = ref.ref;
      drafts.push(draft);
    } else {
      failed++;
    }
  });
  if (problems.length > 1) problems.sort((a, b) => a.line - b.line); // stable: keeps each line's field order
  return { drafts, problems, failed };
}

async function consume(
  batches: AsyncIterable<RowBatch>,
  store: NoteStore,
  deps: NoteImportDeps,
  options: NoteImportOptions,
  stopWritingOnFailure: boolean,
): Promise<NoteImportReport> {
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE;
  const resume = !stopWritingOnFailure && options.resume?.batchSize === batchSize ? options.resume : undefined;
  const errors = new ErrorList();
  const report = { imported: 0, updated: 0, unchanged: 0, failed: 0 };
  let rows = 0;
  if (resume) {
    for (const key of ['imported', 'updated', 'unchanged', 'failed'] as const) report[key] = resume[key];
    errors.add(resume.errors);
    errors.count = resume.errorCount;
  }
  // Checked batches waiting to be written together (NoteStore.rowsPerCommit); atomic imports are one
  // transaction already, so they write every batch as it comes.
  const commitRows = stopWritingOnFailure ? 0 : (store.rowsPerCommit ?? 0);
  let waiting: NoteDraft[][] = [];
  let waitingRows = 0;
  const write = async (): Promise<void> => {
    const groups = waiting;
    waiting = [];
    waitingRows = 0;
    const upsertAll = async (target: NoteStore): Promise<void> => {
      for (const drafts of groups) {
        for (const outcome of await target.upsert(options.userId, drafts, options.change)) {
          if (outcome === 'inserted') report.imported++;
          else if (outcome === 'updated') report.updated++;
          else report.unchanged++;
        }
      }
    };
    await (groups.length > 1 ? store.transaction(upsertAll) : upsertAll(store));
  };
  let read = 0;
  for await (const batch of batches) {
    options.signal?.throwIfAborted();
    read++;
    const batchRows = batch.rows.length + countFailedLines(batch.problems);
    rows += batchRows;
    if (resume && read <= resume.batches) continue; // settled by the earlier run
    const { drafts, problems, failed } = await checkBatch(batch, deps.validateRefs);
    report.failed += failed;
    errors.add(problems);
    // Atomic: once anything failed the transaction will be rolled back, so writing more is wasted work.
    if (drafts.length > 0 && !(stopWritingOnFailure && report.failed > 0)) {
      waiting.push(drafts);
      waitingRows += drafts.length;
      if (waitingRows >= commitRows) {
        await write();
        if (options.onCommit && !stopWritingOnFailure) {
          await options.onCommit({
            batches: read,
            batchSize,
            rows,
            bytes: batch.bytes,
            ...report,
            errors: errors.kept,
            errorCount: errors.count,
            ...(options.change ? { changeId: options.change.id } : {}),
          });
        }
      }
    }
    options.onProgress?.({
      rows,
      bytes: batch.bytes,
      ...(options.totalBytes === undefined ? {} : { totalBytes: options.totalBytes }),
    });
    // SQLite calls are synchronous and an in-memory source never waits on I/O: without this turn of
    // the event loop a long import would starve every timer and request until it ends.
    await nextTurn();
  }
  options.signal?.throwIfAborted();
  if (waitingRows > 0) await write();
  return { ...report, errors: errors.kept, errorCount: errors.count, rolledBack: false };
}

/** Runs an import of already-split batches (the format modules call this with their reader). */
export async function runNoteImport(
  batches: AsyncIterable<RowBatch>,
  deps: NoteImportDeps,
  options: NoteImportOptions,
): Promise<NoteImportReport> {
  if ((options.mode ?? 'partial') === 'partial') return consume(batches, deps.store, deps, options, false);
  try {
    return await deps.store.transaction(async (tx) => {
      const report = await consume(batches, tx, deps, options, true);
      if (report.failed > 0) throw new Rollback(report);
      return report;
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
    return { ...error.report, imported: 0, updated: 0, unchanged: 0, rolledBack: true };
  }
}
