/**
 * The job queue without Redis: a FIFO in this process's memory with a fixed number of workers. What
 * it holds is lost with the process, which is fine: the job rows are in the database, and every
 * instance's sweeper takes over the jobs whose holder stopped beating (job-service.ts).
 */
import type { JobQueue, JobRunner } from '../../domain/jobs/ports.js';

export class InProcessJobQueue implements JobQueue {
  private readonly waiting: string[] = [];
  private readonly active = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private run: JobRunner | undefined;
  private closed = false;

  constructor(
    private readonly concurrency: number,
    private readonly onError: (error: unknown, context: string) => void = () => undefined,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`job concurrency must be a positive integer, got ${concurrency}`);
  }

  async enqueue(jobId: string): Promise<void> {
    if (this.closed) return; // the row stays queued; another instance's sweeper takes it
    if (!this.waiting.includes(jobId)) this.waiting.push(jobId);
    this.dispatch();
  }

  start(run: JobRunner): void {
    this.run = run;
    this.dispatch();
  }

  held(): readonly string[] {
    return this.waiting;
  }

  private dispatch(): void {
    const run = this.run;
    if (!run) return;
    while (!this.closed && this.active.size < this.concurrency && this.waiting.length > 0) {
      const jobId = this.waiting.shift()!;
      const task: Promise<void> = run(jobId, this.abort.signal)
        .catch((error: unknown) => this.onError(error, `job ${jobId}`))
        .finally(() => {
          this.active.delete(task);
          this.dispatch();
        });
      this.active.add(task);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    while (this.active.size) await Promise.allSettled([...this.active]);
  }
}
