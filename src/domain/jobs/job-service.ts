/**
 * Background jobs (SPEC: `?async=1` → `202 {jobId}`; `GET /api/jobs/:id` → `{state, processed, total?, report?}`).
 * State lives in the database (JobStore) so every instance can answer for any job; the work runs in
 * the process that accepted it, which beats a heartbeat while it runs. A starting instance fails the
 * jobs left 'queued'/'running' by an instance that died (heartbeat older than `staleMs`); a read of a
 * job whose heartbeat went stale since (e.g. a quick restart) fails it too — a job is never shown
 * running forever.
 */
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { AppError } from '../../errors.js';
import type { NoteImportFormat, NoteService } from '../notes/note-service.js';
import type { ImportMode, NoteImportReport } from '../notes/types.js';

export type JobState = 'queued' | 'running' | 'completed' | 'failed';

export interface JobRecord {
  id: string;
  userId: string;
  kind: string;
  state: JobState;
  /** For note imports: bytes of the file read so far. */
  processed: number;
  total: number | null;
  report: unknown;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  heartbeatAt: number | null;
  instance: string;
}

export interface JobPatch {
  state?: JobState;
  processed?: number;
  total?: number | null;
  report?: unknown;
  error?: string | null;
  heartbeatAt?: number;
}

/** The storage port; every read is owner-scoped. */
export interface JobStore {
  create(job: JobRecord): Promise<void>;
  get(userId: string, id: string): Promise<JobRecord | null>;
  update(id: string, patch: JobPatch, now: number): Promise<void>;
  /**
   * Marks failed every job still queued/running whose heartbeat is older than `staleBefore` (its
   * instance died: a live one beats every few seconds). Returns how many were failed.
   */
  failAbandoned(options: { instance: string; staleBefore: number; error: string; now: number }): Promise<number>;
}

export interface JobServiceDeps {
  store: JobStore;
  notes: NoteService;
  instanceId: string;
  newId: () => string;
  now?: () => number;
  /** How often a running job's heartbeat is written (default 5 s). */
  heartbeatMs?: number;
  /** A heartbeat older than this marks the job abandoned (default 60 s). */
  staleMs?: number;
  /** Progress is written at most this often (default 500 ms). */
  progressMs?: number;
  onError?: (error: unknown, context: string) => void;
}

export const ABANDONED_ERROR = 'The server instance running this job stopped before it finished; submit the file again.';

export interface NoteImportJob {
  userId: string;
  /** The saved upload; removed with `cleanup` when the job ends. */
  file: string;
  cleanup?: string;
  format: NoteImportFormat;
  mode: ImportMode;
  totalBytes?: number;
}

export interface JobView {
  id: string;
  kind: string;
  state: JobState;
  processed: number;
  total?: number;
  report?: unknown;
  error?: string;
  createdAt: string;
  updatedAt: string;
}

export class JobService {
  private readonly running = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly heartbeatMs: number;
  private readonly staleMs: number;
  private readonly progressMs: number;

  constructor(private readonly deps: JobServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.heartbeatMs = deps.heartbeatMs ?? 5_000;
    this.staleMs = deps.staleMs ?? 60_000;
    this.progressMs = deps.progressMs ?? 500;
  }

  /** At start-up: fail the jobs a dead instance left behind. */
  recoverAbandoned(): Promise<number> {
    const now = this.now();
    return this.deps.store.failAbandoned({ instance: this.deps.instanceId, staleBefore: now - this.staleMs, error: ABANDONED_ERROR, now });
  }

  async view(userId: string, id: string): Promise<JobView> {
    const job = await this.deps.store.get(userId, id);
    if (!job) throw new AppError('not_found', 'no such job');
    let { state, error } = job;
    const beat = job.heartbeatAt ?? job.createdAt;
    if ((state === 'running' || state === 'queued') && beat < this.now() - this.staleMs) {
      state = 'failed';
      error = ABANDONED_ERROR;
      await this.deps.store.update(job.id, { state, error }, this.now());
    }
    return {
      id: job.id,
      kind: job.kind,
      state,
      processed: job.processed,
      ...(job.total === null ? {} : { total: job.total }),
      ...(job.report === null || job.report === undefined ? {} : { report: job.report }),
      ...(error === null ? {} : { error }),
      createdAt: new Date(job.createdAt).toISOString(),
      updatedAt: new Date(job.updatedAt).toISOString(),
    };
  }

  /** Records the job (queued) and runs it in this process; answers its id at once. */
  async startNoteImport(job: NoteImportJob): Promise<string> {
    const id = this.deps.newId();
    const now = this.now();
    const total = job.totalBytes ?? (await stat(job.file)).size;
    await this.deps.store.create({
      id,
      userId: job.userId,
      kind: 'notes-import',
      state: 'queued',
      processed: 0,
      total,
      report: null,
      error: null,
      createdAt: now,
      updatedAt: now,
      heartbeatAt: now,
      instance: this.deps.instanceId,
    });
    const run = this.runNoteImport(id, job, total).finally(() => this.running.delete(run));
    this.running.add(run);
    return id;
  }

  private async runNoteImport(id: string, job: NoteImportJob, total: number): Promise<void> {
    const { store } = this.deps;
    const heartbeat = setInterval(() => {
      store.update(id, { heartbeatAt: this.now() }, this.now()).catch((error: unknown) => this.deps.onError?.(error, `job ${id} heartbeat`));
    }, this.heartbeatMs);
    heartbeat.unref();
    let lastWrite = 0;
    let pending: Promise<void> = Promise.resolve();
    try {
      await store.update(id, { state: 'running', heartbeatAt: this.now() }, this.now());
      const report: NoteImportReport = await this.deps.notes.import(job.userId, createReadStream(job.file), {
        format: job.format,
        mode: job.mode,
        totalBytes: total,
        onProgress: (progress) => {
          const now = this.now();
          if (now - lastWrite < this.progressMs) return;
          lastWrite = now;
          pending = pending
            .then(() => store.update(id, { processed: progress.bytes, heartbeatAt: now }, now))
            .catch((error: unknown) => this.deps.onError?.(error, `job ${id} progress`));
        },
      });
      await pending;
      await store.update(id, { state: 'completed', processed: total, report, heartbeatAt: this.now() }, this.now());
    } catch (error) {
      await pending;
      const message = error instanceof AppError ? (error.detail ?? error.title) : 'The import failed on our side; it has been logged.';
      if (!(error instanceof AppError)) this.deps.onError?.(error, `job ${id} failed`);
      const report = error instanceof AppError && error.extra.errors ? { errors: error.extra.errors } : null;
      await store
        .update(id, { state: 'failed', error: message, ...(report ? { report } : {}) }, this.now())
        .catch((e: unknown) => this.deps.onError?.(e, `job ${id} could not be marked failed`));
    } finally {
      clearInterval(heartbeat);
      if (job.cleanup) await rm(job.cleanup, { recursive: true, force: true }).catch(() => undefined);
      else await rm(job.file, { force: true }).catch(() => undefined);
    }
  }

  /** Waits for the jobs this process runs (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}
