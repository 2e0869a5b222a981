/**
 * Where the dev node signs and encodes its invoices. Signing is most of an invoice's CPU (~100 µs), and a
 * bulk request also spends about as much again storing rows: on a machine with a second core, a worker
 * thread signs batch n+1 while the main thread stores batch n. Small flushes (a single invoice, a few)
 * are signed inline — a thread hop would only add latency — so the worker starts with the first bulk.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from './module-worker.js';
import { Bolt11EncodeError, encodeBolt11, type Bolt11Signer, type UnsignedBolt11 } from './bolt11-encoder.js';
import type { SignerPreference } from './bolt11-signers.js';

export interface Bolt11Encoder {
  encode(invoice: UnsignedBolt11): Promise<string>;
  close(): Promise<void>;
}

/** Messages between WorkerBolt11Encoder and bolt11-sign-worker.ts. */
export interface EncodeRequest {
  id: number;
  invoices: UnsignedBolt11[];
}
export interface EncodeReply {
  id: number;
  results: Array<{ bolt11: string } | { error: string }>;
}

export class InlineBolt11Encoder implements Bolt11Encoder {
  constructor(private readonly signer: Bolt11Signer) {}

  async encode(invoice: UnsignedBolt11): Promise<string> {
    return encodeBolt11(invoice, this.signer);
  }

  async close(): Promise<void> {}
}

interface Waiting {
  invoice: UnsignedBolt11;
  resolve: (bolt11: string) => void;
  reject: (error: unknown) => void;
}

export interface ThreadedEncoderOptions {
  privateKey: Uint8Array;
  signer: Bolt11Signer;
  prefer: SignerPreference;
  /** Invoices a message carries: small enough that signing and storing overlap (default 16). */
  batchSize?: number;
  /** Flushes smaller than this are signed inline (default 8). */
  minThreaded?: number;
}

/**
 * Collects the encode() calls of one event-loop turn; a flush of at least `minThreaded` goes to the
 * worker in batches of `batchSize`, anything smaller is signed inline. The worker keeps the process
 * alive only while it has work, and a crashed worker fails its batches and is replaced on the next one.
 */
export class ThreadedBolt11Encoder implements Bolt11Encoder {
  private worker: Worker | undefined;
  private queue: Waiting[] = [];
  private scheduled = false;
  private readonly inFlight = new Map<number, Waiting[]>();
  private nextId = 0;
  private closed = false;
  private readonly inline: InlineBolt11Encoder;
  private readonly batchSize: number;
  private readonly minThreaded: number;

  constructor(private readonly options: ThreadedEncoderOptions) {
    this.inline = new InlineBolt11Encoder(options.signer);
    this.batchSize = options.batchSize ?? 16;
    this.minThreaded = options.minThreaded ?? 8;
  }

  encode(invoice: UnsignedBolt11): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ invoice, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const queued = this.queue;
    this.queue = [];
    if (this.closed || (queued.length < this.minThreaded && this.inFlight.size === 0)) {
      for (const w of queued) this.inline.encode(w.invoice).then(w.resolve, w.reject);
      return;
    }
    const worker = this.ensureWorker();
    worker.ref();
    for (let i = 0; i < queued.length; i += this.batchSize) {
      const batch = queued.slice(i, i + this.batchSize);
      const id = ++this.nextId;
      this.inFlight.set(id, batch);
      worker.postMessage({ id, invoices: batch.map((w) => w.invoice) } satisfies EncodeRequest);
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startModuleWorker(import.meta.url, 'bolt11-sign-worker', { privateKey: this.options.privateKey, prefer: this.options.prefer });
    worker.on('message', (message: EncodeReply | { ready: string }) => {
      if ('ready' in message) return;
      const batch = this.inFlight.get(message.id);
      this.inFlight.delete(message.id);
      if (this.inFlight.size === 0) worker.unref();
      batch?.forEach((w, i) => {
        const result = message.results[i];
        if (result && 'bolt11' in result) w.resolve(result.bolt11);
        else w.reject(new Bolt11EncodeError(result?.error ?? 'the signing worker returned no result'));
      });
    });
    const lost = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      const batches = [...this.inFlight.values()];
      this.inFlight.clear();
      for (const w of batches.flat()) w.reject(new Bolt11EncodeError(`the signing worker ${reason}`));
    };
    worker.on('error', (error) => lost(`failed: ${error.message}`));
    worker.on('exit', (code) => lost(`exited (${code})`));
    this.worker = worker;
    return worker;
  }

  /** Whether a worker thread is running (tests; it starts with the first large flush). */
  get threadRunning(): boolean {
    return this.worker !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}

/** A worker thread where there is a core for it, inline signing otherwise. */
export function defaultBolt11Encoder(options: Omit<ThreadedEncoderOptions, 'batchSize' | 'minThreaded'> & { threaded?: boolean }): Bolt11Encoder {
  const threaded = options.threaded ?? availableParallelism() > 1;
  return threaded ? new ThreadedBolt11Encoder(options) : new InlineBolt11Encoder(options.signer);
}
