/**
 * The ports the job service works over: the job rows (the one source of truth for GET /api/jobs/:id
 * and its stream), the spooled uploads, and the queue that hands job ids to workers (in-process, or
 * BullMQ so any instance may run any job). Adapters: src/adapters/db/job-store.ts, src/adapters/jobs/.
 */
export type JobState = 'queued' | 'running' | 'completed' | 'failed';

export interface JobRecord {
  id: string;
  userId: string;
  kind: string;
  state: JobState;
  /** For note imports: bytes of the file read so far (by the current run). */
  processed: number;
  total: number | null;
  report: unknown;
  error: string | null;
  createdAt: number;
  updatedAt: number;
  heartbeatAt: number | null;
  /** The worker that holds the job (accepted it, took it over, or runs it). */
  instance: string;
  /** What the job needs besides its upload (JSON-able); null: the job cannot be resumed. */
  input: unknown;
  /** Runs that started. */
  attempts: number;
  /** Where the last run stood at its last commit (JSON-able, the job kind's own); null: none yet. */
  checkpoint: unknown;
}

export interface NewJob {
  id: string;
  userId: string;
  kind: string;
  total: number | null;
  input: unknown;
  instance: string;
  now: number;
}

/** A queued/running job whose holder stopped beating. */
export interface StaleJob {
  id: string;
  attempts: number;
  resumable: boolean;
}

export type JobEnd =
  | { state: 'completed'; processed: number; report: unknown }
  | { state: 'failed'; error: string; report?: unknown };

/**
 * Job rows. Every write that a worker makes is conditional on it still holding the job (`worker` is
 * the `instance` column), so a worker that was taken for dead and wakes up again changes nothing.
 */
export interface JobStore {
  create(job: NewJob): Promise<void>;
  /** Owner-scoped read (the API). */
  get(userId: string, id: string): Promise<JobRecord | null>;
  /** queued → running for `worker`, attempts + 1; null when the job is not queued (taken, finished). */
  claim(id: string, worker: string, now: number): Promise<JobRecord | null>;
  /** Stores where a running job stands (also a heartbeat); false when `worker` no longer holds it. */
  checkpoint(id: string, worker: string, checkpoint: unknown, now: number): Promise<boolean>;
  /** Progress of a running job; false when `worker` no longer holds it. */
  progress(id: string, worker: string, processed: number, now: number): Promise<boolean>;
  finish(id: string, worker: string, end: JobEnd, now: number): Promise<boolean>;
  /** running → queued, this run not counted, heartbeat cleared so any instance takes it at once. */
  release(id: string, worker: string, now: number): Promise<boolean>;
  /** Heartbeat of the queued/running jobs `worker` holds. */
  touch(ids: readonly string[], worker: string, now: number): Promise<void>;
  findStale(staleBefore: number, limit: number): Promise<StaleJob[]>;
  /** A stale job → queued, held by `worker`; false when someone else was faster or it beat again. */
  takeOver(id: string, worker: string, staleBefore: number, now: number): Promise<boolean>;
  /** A stale job → failed; false when it is no longer stale. */
  failStale(id: string, staleBefore: number, error: string, now: number): Promise<boolean>;
}

/** Uploads kept until their job ends, in numbered chunks. */
export interface UploadSpool {
  append(jobId: string, seq: number, data: Buffer, now: number): Promise<void>;
  /** The chunks in order, one read at a time (memory: one chunk). */
  chunks(jobId: string): AsyncIterable<Buffer>;
  remove(jobId: string): Promise<void>;
  /** Chunks older than `before` that no queued/running job needs (uploads cut short, crashes). */
  removeOrphans(before: number): Promise<number>;
}

/** Runs one job by id; resolves when this process is done with it (finished, released or not claimed). */
export type JobRunner = (jobId: string, signal: AbortSignal) => Promise<void>;

export interface JobQueue {
  /** Hands a job to a worker: in this process, or (BullMQ) on any instance. */
  enqueue(jobId: string): Promise<void>;
  /** Starts the workers of this process. */
  start(run: JobRunner): void;
  /** Jobs waiting in this process's memory (their rows get this process's heartbeat). */
  held(): readonly string[];
  /** Takes no more jobs, aborts the running ones' signals and waits for them. */
  close(): Promise<void>;
}
