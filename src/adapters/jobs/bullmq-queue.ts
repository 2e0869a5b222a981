/**
 * The job queue with Redis (REDIS_URL): BullMQ, so a job accepted by one instance is run by whichever
 * instance's worker is free. BullMQ carries only the job id; the row in the database stays the truth
 * (claim, progress, result), so a delivery of a job that another worker runs or that has finished is a
 * no-op. Death is judged by the database heartbeat, the same with and without Redis (job-service.ts).
 *
 * Redis down must not stop jobs (SPEC: a full or absent Redis degrades the cache, never jobs): when a
 * job cannot be added within `addTimeoutMs` it runs on this instance's in-process queue instead.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import type { JobQueue, JobRunner } from '../../domain/jobs/ports.js';
import { InProcessJobQueue } from './in-process-queue.js';

export interface BullMqJobQueueOptions {
  redisUrl: string;
  concurrency: number;
  /** Queue name (default `satchel-jobs`). */
  name?: string;
  /** Redis key prefix (default `satchel`); tests give each run its own. */
  prefix?: string;
  addTimeoutMs?: number;
  /** How long close() waits for Redis before it drops the connections (default 2 s). */
  closeTimeoutMs?: number;
  onError?: (error: unknown, context: string) => void;
}

type Payload = { jobId: string };

export class BullMqJobQueue implements JobQueue {
  private readonly queue: Queue<Payload>;
  private worker: Worker<Payload> | undefined;
  private readonly fallback: InProcessJobQueue;
  private readonly abort = new AbortController();
  private readonly active = new Set<Promise<void>>();
  private readonly onError: (error: unknown, context: string) => void;
  private readonly name: string;
  private readonly prefix: string;

  constructor(private readonly options: BullMqJobQueueOptions) {
    this.onError = options.onError ?? (() => undefined);
    this.name = options.name ?? 'satchel-jobs';
    this.prefix = options.prefix ?? 'satchel';
    this.fallback = new InProcessJobQueue(options.concurrency, this.onError);
    // Adds fail fast while Redis is away (no offline queue): the fallback runs the job instead.
    this.queue = new Queue<Payload>(this.name, {
      connection: { url: options.redisUrl, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
      prefix: this.prefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
    });
    this.queue.on('error', (error) => this.onError(error, 'job queue (redis)'));
  }

  async enqueue(jobId: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      // Every delivery gets its own BullMQ id: reusing the job's id would make the re-queue of a job
      // whose worker died a no-op for as long as BullMQ still counts the dead worker's copy as active
      // (up to its lock duration + stall interval). A duplicate delivery is harmless: the claim fails.
      await Promise.race([
        this.queue.add('run', { jobId }, { jobId: `${jobId}.${randomBytes(4).toString('hex')}` }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('adding the job to Redis timed out')), this.options.addTimeoutMs ?? 2_000);
        }),
      ]);
    } catch (error) {
      this.onError(error, `job ${jobId} runs on this instance: Redis did not take it`);
      await this.fallback.enqueue(jobId);
    } finally {
      clearTimeout(timer);
    }
  }

  start(run: JobRunner): void {
    this.fallback.start(run);
    const tracked = (jobId: string): Promise<void> => {
      const task = run(jobId, this.abort.signal).finally(() => this.active.delete(task));
      this.active.add(task);
      return task;
    };
    this.worker = new Worker<Payload>(this.name, async (job) => tracked(job.data.jobId), {
      connection: { url: this.options.redisUrl, maxRetriesPerRequest: null },
      prefix: this.prefix,
      concurrency: this.options.concurrency,
      // A dead worker's BullMQ job goes back to wait; our claim turns that delivery into a no-op while
      // the row's heartbeat is fresh, and the sweeper requeues it once stale. Never fail it in BullMQ.
      maxStalledCount: 1_000,
    });
    this.worker.on('error', (error) => this.onError(error, 'job worker (redis)'));
  }

  held(): readonly string[] {
    return this.fallback.held();
  }

  async close(): Promise<void> {
    // Running jobs see the abort, finish their batch and release their rows (in the database, so this
    // does not need Redis); then the worker and the queue close, by force if Redis does not answer.
    this.abort.abort();
    const closingWorker = this.worker?.close();
    await this.fallback.close();
    while (this.active.size) await Promise.allSettled([...this.active]);
    let timedOut = false;
    const closed = (async () => {
      await closingWorker;
      await this.queue.close();
    })().catch((error: unknown) => {
      if (!timedOut) this.onError(error, 'closing the job queue'); // once the clients are dropped below, failing is expected
    });
    timedOut = await Promise.race([closed.then(() => false), sleep(this.options.closeTimeoutMs ?? 2_000, true, { ref: false })]);
    if (timedOut) this.onError(new Error('Redis did not answer; job queue connections dropped'), 'closing the job queue');
    // Whatever BullMQ's close managed (it waits for Redis, and a QUIT refused while Redis is away leaves
    // ioredis reconnecting in the background), end the clients underneath: no retries after close().
    for (const backend of [this.queue.getBackend(), this.worker?.getBackend()]) {
      for (const client of [backend?.client, backend?.blockingClient]) {
        void client?.then((c) => c.disconnect()).catch(() => undefined);
      }
    }
  }
}
