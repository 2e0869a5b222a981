/**
 * Background jobs (SPEC: `?async=1` → `202 {jobId}`; `GET /api/jobs/:id` → `{state, processed, total?, report?}`).
 *
 * Durable by construction (issues 5 and 9):
 * - the upload is spooled into the database before the 202, so the job no longer depends on the
 *   process or the disk that accepted it;
 * - the job row is the truth: a worker claims it (queued → running, atomically: one runner at a time),
 *   beats a heartbeat, and every write it makes is conditional on still holding it;
 * - the queue (in-process, or BullMQ for any instance) only says "run this id"; a duplicate delivery
 *   is harmless because the claim fails;
 * - every instance sweeps: a queued/running job whose heartbeat is stale (its holder died, e.g. by
 *   SIGKILL) is taken over and run again. A partial import stores a checkpoint with each commit
 *   (batches settled, counts, errors, its note-history act), so the next run skips what was settled
 *   and its report counts as one run's would; rows of a commit whose checkpoint was not stored yet (a
 *   kill between the two) are upserted again by (user, type, ref) and counted `unchanged`. An atomic
 *   run rolled back with its transaction and starts over. After `maxAttempts` runs that died it is failed;
 * - on shutdown a running job finishes its current batch and is released (queued again, not failed)
 *   for another instance.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import { checkCsvColumns, type CsvColumnChoice } from '../notes/csv-import.js';
import type { NoteActor } from '../notes/history.js';
import type { NoteImportFormat, NoteService } from '../notes/note-service.js';
import { isImportCheckpoint, type ImportMode, type NoteImportReport } from '../notes/types.js';
import type { JobQueue, JobRecord, JobState, JobStore, UploadSpool } from './ports.js';

export type { JobRecord, JobState, JobStore, JobQueue, UploadSpool } from './ports.js';

export const NOTE_IMPORT_KIND = 'notes-import';

export const ABANDONED_ERROR = 'The server instance running this job stopped before it finished; submit the file again.';

export function tooManyAttemptsError(attempts: number): string {
  return `The import was interrupted ${attempts} times (the server instances running it stopped); submit the file again.`;
}

export interface JobTimings {
  /** How often the heartbeat of held jobs is written (default 5 s). */
  heartbeatMs?: number;
  /** A heartbeat older than this means the holder died (default 60 s). */
  staleMs?: number;
  /** Progress is written at most this often (default 500 ms). */
  progressMs?: number;
  /** How often this instance looks for stale jobs (default 10 s). */
  sweepMs?: number;
}

export interface JobServiceDeps extends JobTimings {
  store: JobStore;
  spool: UploadSpool;
  queue: JobQueue;
  notes: NoteService;
  instanceId: string;
  newId: () => string;
  now?: () => number;
  /** Runs of one job that may die before it is failed (default 3). */
  maxAttempts?: number;
  /** Size of the spooled chunks (default 1 MiB). */
  chunkBytes?: number;
  /** Rows per import batch (default: the import pipeline's). */
  batchSize?: number;
  onError?: (error: unknown, context: string) => void;
}

/** What an import job needs besides its upload; stored with the job (JSON) so any instance can run it. */
export interface NoteImportInput {
  format: NoteImportFormat;
  mode: ImportMode;
  columns?: CsvColumnChoice;
  /** Who submitted it: the note history records the import under this job (issue 10). */
  actor?: NoteActor;
}

export interface NoteImportSubmission extends NoteImportInput {
  userId: string;
  /** The upload, already limited in size; spooled before the job is queued. */
  body: AsyncIterable<Buffer | string>;
}

export interface JobView {
  id: string;
  kind: string;
  state: JobState;
  processed: number;
  total?: number;
  report?: unknown;
  error?: string;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

/** Thrown into a running import to stop it between batches (shutdown). */
class JobReleased extends Error {
  constructor() {
    super('job released: this instance is shutting down');
    this.name = 'JobReleased';
  }
}

/** Thrown into a running import whose row another worker took over (this one was taken for dead). */
class JobLost extends Error {
  constructor() {
    super('job taken over by another worker');
    this.name = 'JobLost';
  }
}

function isNoteImportInput(input: unknown): input is NoteImportInput {
  if (typeof input !== 'object' || input === null) return false;
  const { format, mode } = input as Record<string, unknown>;
  return typeof format === 'string' && (mode === 'partial' || mode === 'atomic');
}

export function jobView(job: JobRecord): JobView {
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    processed: job.processed,
    ...(job.total === null ? {} : { total: job.total }),
    ...(job.report === null || job.report === undefined ? {} : { report: job.report }),
    ...(job.error === null ? {} : { error: job.error }),
    attempts: job.attempts,
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
  };
}

export class JobService {
  /** This process as a job holder: INSTANCE_ID may be shared (containers), the random part is not. */
  readonly worker: string;
  private readonly now: () => number;
  private readonly heartbeatMs: number;
  private readonly staleMs: number;
  private readonly progressMs: number;
  private readonly sweepMs: number;
  private readonly maxAttempts: number;
  private readonly chunkBytes: number;
  private readonly runningHere = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private closed = false;
  private workers = true;

  constructor(private readonly deps: JobServiceDeps) {
    this.worker = `${deps.instanceId}:${randomBytes(4).toString('hex')}`;
    this.now = deps.now ?? Date.now;
    this.heartbeatMs = deps.heartbeatMs ?? 5_000;
    this.staleMs = deps.staleMs ?? 60_000;
    this.progressMs = deps.progressMs ?? 500;
    this.sweepMs = deps.sweepMs ?? 10_000;
    this.maxAttempts = deps.maxAttempts ?? 3;
    this.chunkBytes = deps.chunkBytes ?? 1024 * 1024;
  }

  /**
   * Starts the workers, the heartbeat and the sweeper, after one sweep: jobs a dead instance left
   * behind are taken over (or failed) before this instance serves.
   */
  async start(options: { workers?: boolean } = {}): Promise<void> {
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
    // Accepts and reports jobs, runs none: what its queue holds is not heartbeated, so others take it.
    if (options.workers === false) return void (this.workers = false);
    await this.sweep();
    this.deps.queue.start((id, signal) => this.run(id, signal));
    this.sweeper = setInterval(() => void this.sweep(), this.sweepMs);
    this.sweeper.unref();
  }

  /** Shutdown: running jobs finish their batch and are released; nothing new is taken. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await this.sweeping;
    const waiting = [...this.deps.queue.held()];
    await this.deps.queue.close();
    clearInterval(this.heartbeat);
    // Jobs still waiting in this process's queue: a zero heartbeat lets another instance take them at once.
    if (waiting.length) await this.deps.store.touch(waiting, this.worker, 0).catch((error: unknown) => this.deps.onError?.(error, 'releasing queued jobs'));
  }

  /** Tests: resolves once this process neither runs nor holds a job (jobs in Redis are not waited for). */
  async drain(): Promise<void> {
    while (this.runningHere.size > 0 || this.deps.queue.held().length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  async view(userId: string, id: string): Promise<JobView> {
    const job = await this.deps.store.get(userId, id);
    if (!job) throw new AppError('not_found', 'no such job');
    return jobView(job);
  }

  /** The job's view each time it changes, until it ends (SSE); the database is polled, so any instance can serve it. */
  async *watch(userId: string, id: string, options: { intervalMs?: number; signal?: AbortSignal } = {}): AsyncGenerator<JobView> {
    let last = '';
    for (;;) {
      const view = await this.view(userId, id);
      const text = JSON.stringify(view);
      if (text !== last) {
        last = text;
        yield view;
      }
      if (view.state === 'completed' || view.state === 'failed' || options.signal?.aborted) return;
      try {
        await sleep(options.intervalMs ?? 500, undefined, { ref: false, ...(options.signal ? { signal: options.signal } : {}) });
      } catch {
        return; // aborted
      }
    }
  }

  /**
   * Spools the upload into the database, records the job (queued) and queues it; answers its id once
   * the file is stored, so the job survives this process. A bad upload (too large, cut off, columns that
   * do not fit the header) leaves nothing behind.
   */
  async submitNoteImport(submission: NoteImportSubmission): Promise<string> {
    const { spool, store } = this.deps;
    const id = this.deps.newId();
    try {
      const total = await this.spoolUpload(id, submission.body);
      // Chosen CSV columns that do not fit the header are refused now (400), not as a failed job.
      if (submission.format === 'csv' && submission.columns) await checkCsvColumns(Readable.from(spool.chunks(id)), submission.columns);
      const input: NoteImportInput = {
        format: submission.format,
        mode: submission.mode,
        ...(submission.columns ? { columns: submission.columns } : {}),
        ...(submission.actor ? { actor: submission.actor } : {}),
      };
      await store.create({ id, userId: submission.userId, kind: NOTE_IMPORT_KIND, total, input, instance: this.worker, now: this.now() });
    } catch (error) {
      await spool.remove(id).catch((e: unknown) => this.deps.onError?.(e, `job ${id}: removing a refused upload failed`));
      throw error;
    }
    await this.deps.queue.enqueue(id).catch((error: unknown) => {
      // The job is stored: a sweeper will queue it again once its heartbeat is stale.
      this.deps.onError?.(error, `job ${id} could not be queued now`);
    });
    return id;
  }

  private async spoolUpload(id: string, body: AsyncIterable<Buffer | string>): Promise<number> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    let seq = 0;
    // Stored in chunks of exactly chunkBytes (the last one shorter), whatever sizes the body comes in.
    const flush = async (size: number) => {
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      const data = all.subarray(0, size);
      pending = size < all.length ? [all.subarray(size)] : [];
      pendingBytes = all.length - size;
      await this.deps.spool.append(id, seq++, data, this.now());
    };
    for await (const piece of body) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
      pending.push(chunk);
      pendingBytes += chunk.length;
      total += chunk.length;
      while (pendingBytes >= this.chunkBytes) await flush(this.chunkBytes);
    }
    if (pendingBytes > 0) await flush(pendingBytes);
    return total;
  }

  /** One run of a job (the queue's worker calls this). */
  private async run(id: string, signal: AbortSignal): Promise<void> {
    if (this.closed || signal.aborted) return;
    const { store } = this.deps;
    const job = await store.claim(id, this.worker, this.now());
    if (!job) return; // finished, or another worker runs it
    this.runningHere.add(id);
    try {
      await this.runClaimed(job, signal);
    } finally {
      this.runningHere.delete(id);
    }
  }

  private async runClaimed(job: JobRecord, signal: AbortSignal): Promise<void> {
    const { store, spool } = this.deps;
    const { id } = job;
    if (job.kind !== NOTE_IMPORT_KIND || !isNoteImportInput(job.input)) {
      await store.finish(id, this.worker, { state: 'failed', error: ABANDONED_ERROR }, this.now());
      await spool.remove(id).catch(() => undefined);
      return;
    }
    const input = job.input;
    const source = Readable.from(spool.chunks(id));
    const release = () => source.destroy(new JobReleased());
    const resume = isImportCheckpoint(job.checkpoint) ? job.checkpoint : undefined;
    signal.addEventListener('abort', release, { once: true });
    let lastWrite = 0;
    let pending: Promise<unknown> = Promise.resolve();
    try {
      const report: NoteImportReport = await this.deps.notes.import(job.userId, source, {
        format: input.format,
        mode: input.mode,
        ...(job.total === null ? {} : { totalBytes: job.total }),
        ...(input.columns ? { columns: input.columns } : {}),
        ...(input.actor ? { actor: input.actor } : {}),
        jobId: id,
        // A run cut short (released, killed) left where it stood at its last commit: go on from there.
        ...(resume ? { resume } : {}),
        onCommit: async (checkpoint) => {
          await pending; // progress writes first, in order
          if (!(await store.checkpoint(id, this.worker, checkpoint, this.now()))) throw new JobLost();
        },
        // Released on shutdown: the import stops after the batch it is writing, also when the whole
        // upload has already been read (destroying the source alone would not stop it then).
        signal,
        // Checkpoints count batches: a resumed run reads with the batch size of the run it goes on from.
        ...(resume ? { batchSize: resume.batchSize } : this.deps.batchSize ? { batchSize: this.deps.batchSize } : {}),
        onProgress: (progress) => {
          const now = this.now();
          if (now - lastWrite < this.progressMs) return;
          lastWrite = now;
          pending = pending
            .then(async () => {
              // Someone took the job over (this process stalled past staleMs): stop, they run it.
              if (!(await store.progress(id, this.worker, progress.bytes, now))) source.destroy(new JobLost());
            })
            .catch((error: unknown) => this.deps.onError?.(error, `job ${id} progress`));
        },
      });
      await pending;
      // Not ours any more (taken over while this process stalled): the new holder still reads the upload.
      if (!(await store.finish(id, this.worker, { state: 'completed', processed: job.total ?? 0, report }, this.now()))) return;
      await spool.remove(id).catch((error: unknown) => this.deps.onError?.(error, `job ${id}: removing its upload failed`));
    } catch (error) {
      await pending;
      if (error instanceof JobLost) {
        this.deps.onError?.(error, `job ${id} stopped here`);
        return;
      }
      if (error instanceof JobReleased || signal.aborted) {
        await store.release(id, this.worker, this.now()).catch((e: unknown) => this.deps.onError?.(e, `job ${id} could not be released`));
        return;
      }
      const message = error instanceof AppError ? (error.detail ?? error.title) : 'The import failed on our side; it has been logged.';
      if (!(error instanceof AppError)) this.deps.onError?.(error, `job ${id} failed`);
      const report = error instanceof AppError && error.extra.errors ? { errors: error.extra.errors } : undefined;
      const ended = await store
        .finish(id, this.worker, { state: 'failed', error: message, ...(report ? { report } : {}) }, this.now())
        .catch((e: unknown) => (this.deps.onError?.(e, `job ${id} could not be marked failed`), false));
      if (ended) await spool.remove(id).catch(() => undefined);
    } finally {
      signal.removeEventListener('abort', release);
      source.destroy();
    }
  }

  private async beat(): Promise<void> {
    const ids = [...new Set([...this.runningHere, ...(this.workers ? this.deps.queue.held() : [])])];
    if (ids.length === 0) return;
    await this.deps.store.touch(ids, this.worker, this.now()).catch((error: unknown) => this.deps.onError?.(error, 'job heartbeat'));
  }

  /** Takes over (or fails) the jobs whose holder stopped beating; removes uploads nobody needs. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce()
      .catch((error: unknown) => this.deps.onError?.(error, 'job sweep'))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const { store, spool } = this.deps;
    const now = this.now();
    const staleBefore = now - this.staleMs;
    for (const stale of await store.findStale(staleBefore, 100)) {
      if (this.closed) return;
      if (!stale.resumable || stale.attempts >= this.maxAttempts) {
        const error = stale.resumable ? tooManyAttemptsError(stale.attempts) : ABANDONED_ERROR;
        if (await store.failStale(stale.id, staleBefore, error, this.now())) await spool.remove(stale.id);
        continue;
      }
      if (await store.takeOver(stale.id, this.worker, staleBefore, this.now())) {
        await this.deps.queue.enqueue(stale.id).catch((error: unknown) => this.deps.onError?.(error, `job ${stale.id} could not be queued again`));
      }
    }
    // An upload cut short by a crash before its job row existed.
    await spool.removeOrphans(now - Math.max(this.staleMs, 3_600_000));
  }
}
