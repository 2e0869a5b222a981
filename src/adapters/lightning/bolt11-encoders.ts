/**
 * Where the dev node signs and encodes its invoices. Signing is most of an invoice's CPU (~90 µs, 70 of
 * them the secp256k1 signature), and a bulk request spends about as much again on the main thread storing
 * rows and answering: on a machine with more cores, worker threads sign the next batches while the main
 * thread stores the last ones. The main thread checks and lays out each invoice (prepareBolt11, ~5 µs)
 * and a batch travels as one transferred buffer of data words; the threads sign, encode and answer with
 * the strings. They run at a lower CPU priority (nice +SIGNING_NICENESS), so on a machine with as many
 * threads as cores the main thread — storing rows, serving every other request — is never the one
 * waiting. Small flushes (a single invoice, a few) are signed inline — a thread hop would only add
 * latency — so the threads start with the first bulk.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from './module-worker.js';
import {
  Bolt11EncodeError,
  encodeBolt11,
  prepareBolt11,
  signPreparedBolt11,
  type Bolt11Signer,
  type PreparedBolt11,
  type UnsignedBolt11,
} from './bolt11-encoder.js';
import type { SignerPreference } from './bolt11-signers.js';

export interface Bolt11Encoder {
  encode(invoice: UnsignedBolt11): Promise<string>;
  close(): Promise<void>;
}

/** Messages between ThreadedBolt11Encoder and bolt11-sign-worker.ts: a batch travels as one transferred buffer. */
export interface EncodeRequest {
  id: number;
  hrps: string[];
  /** The invoices' data words, one per byte, back to back; `lengths[i]` words belong to invoice i. */
  words: Uint8Array<ArrayBuffer>;
  lengths: Uint32Array<ArrayBuffer>;
}
export interface EncodeReply {
  id: number;
  /** Per invoice, in order: its BOLT 11 string, or why it could not be signed. */
  results: Array<string | { error: string }>;
}

export function packBatch(id: number, batch: readonly PreparedBolt11[]): EncodeRequest {
  const lengths = Uint32Array.from(batch, (p) => p.words.length);
  const words = new Uint8Array(lengths.reduce((sum, n) => sum + n, 0));
  let at = 0;
  for (const p of batch) {
    words.set(p.words, at);
    at += p.words.length;
  }
  return { id, hrps: batch.map((p) => p.hrp), words, lengths };
}

export function unpackBatch({ hrps, words, lengths }: EncodeRequest): PreparedBolt11[] {
  let at = 0;
  return hrps.map((hrp, i) => {
    const end = at + (lengths[i] ?? 0);
    const prepared = { hrp, words: Array.from(words.subarray(at, end)) };
    at = end;
    return prepared;
  });
}

export class InlineBolt11Encoder implements Bolt11Encoder {
  constructor(private readonly signer: Bolt11Signer) {}

  async encode(invoice: UnsignedBolt11): Promise<string> {
    return encodeBolt11(invoice, this.signer);
  }

  async close(): Promise<void> {}
}

interface Waiting {
  prepared: PreparedBolt11;
  resolve: (bolt11: string) => void;
  reject: (error: unknown) => void;
}

export interface ThreadedEncoderOptions {
  privateKey: Uint8Array;
  signer: Bolt11Signer;
  prefer: SignerPreference;
  /** Signing threads (default 1). Batches go to the thread with the fewest invoices in hand. */
  threads?: number;
  /**
   * Invoices a message carries (default 32): small enough that signing and storing overlap, large enough
   * that the main thread is not woken too often (16 measured ~5 % slower over HTTP with two threads).
   */
  batchSize?: number;
  /** Flushes smaller than this are signed inline (default 8). */
  minThreaded?: number;
}

/** Niceness of the signing threads (Linux applies it per thread; elsewhere it may not apply). */
export const SIGNING_NICENESS = 10;

/** One signing worker and the batches it holds. */
interface SigningThread {
  worker: Worker;
  /** Set to 1 to make the thread stop between two invoices (see close()). */
  stop: Int32Array;
  exited: Promise<void>;
  batches: Map<number, Waiting[]>;
  /** Invoices sent and not yet answered. */
  holding: number;
}

/**
 * Collects the encode() calls of one event-loop turn. Each invoice is checked and laid out here (an
 * invoice BOLT 11 cannot carry fails at once); a flush of at least `minThreaded` goes to the signing
 * threads in batches of `batchSize`, anything smaller is signed inline. A thread keeps the process alive
 * only while it has work, and a crashed thread fails its batches and is replaced on the next flush.
 */
export class ThreadedBolt11Encoder implements Bolt11Encoder {
  private readonly threads: Array<SigningThread | undefined>;
  private queue: Waiting[] = [];
  private scheduled = false;
  private nextId = 0;
  private closed = false;
  private readonly batchSize: number;
  private readonly minThreaded: number;

  constructor(private readonly options: ThreadedEncoderOptions) {
    this.threads = new Array<SigningThread | undefined>(Math.max(1, options.threads ?? 1)).fill(undefined);
    this.batchSize = options.batchSize ?? 32;
    this.minThreaded = options.minThreaded ?? 8;
  }

  encode(invoice: UnsignedBolt11): Promise<string> {
    let prepared: PreparedBolt11;
    try {
      prepared = prepareBolt11(invoice);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ prepared, resolve, reject });
      if (this.queue.length >= this.batchSize && !this.closed) {
        // A full batch leaves at once: the threads start signing while this turn prepares the next ones.
        this.send(this.takeQueue());
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private get holding(): number {
    return this.threads.reduce((sum, t) => sum + (t?.holding ?? 0), 0);
  }

  private takeQueue(): Waiting[] {
    const queued = this.queue;
    this.queue = [];
    return queued;
  }

  private flush(): void {
    this.scheduled = false;
    const queued = this.takeQueue();
    if (queued.length === 0) return;
    if (this.closed || (queued.length < this.minThreaded && this.holding === 0)) {
      for (const w of queued) this.signInline(w);
      return;
    }
    this.send(queued);
  }

  private send(queued: Waiting[]): void {
    for (let i = 0; i < queued.length; i += this.batchSize) {
      const batch = queued.slice(i, i + this.batchSize);
      const thread = this.leastBusyThread();
      const id = ++this.nextId;
      if (thread.holding === 0) thread.worker.ref();
      thread.batches.set(id, batch);
      thread.holding += batch.length;
      const request = packBatch(id, batch.map((w) => w.prepared));
      thread.worker.postMessage(request, [request.words.buffer, request.lengths.buffer]);
    }
  }

  private signInline(w: Waiting): void {
    try {
      w.resolve(signPreparedBolt11(w.prepared, this.options.signer));
    } catch (error) {
      w.reject(error);
    }
  }

  private leastBusyThread(): SigningThread {
    let best: SigningThread | undefined;
    for (let i = 0; i < this.threads.length; i++) {
      const thread = (this.threads[i] ??= this.startThread(i));
      if (!best || thread.holding < best.holding) best = thread;
    }
    return best!;
  }

  private startThread(slot: number): SigningThread {
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const worker = startModuleWorker(import.meta.url, 'bolt11-sign-worker', {
      privateKey: this.options.privateKey,
      prefer: this.options.prefer,
      niceness: SIGNING_NICENESS,
      stop,
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const thread: SigningThread = { worker, stop, exited, batches: new Map(), holding: 0 };
    worker.on('message', (message: EncodeReply | { ready: string }) => {
      if ('ready' in message) return;
      const batch = thread.batches.get(message.id);
      thread.batches.delete(message.id);
      thread.holding -= batch?.length ?? 0;
      if (thread.holding === 0) worker.unref();
      batch?.forEach((w, i) => {
        const result = message.results[i];
        if (typeof result === 'string') w.resolve(result);
        else w.reject(new Bolt11EncodeError(result?.error ?? 'the signing worker returned no result'));
      });
    });
    const lost = (reason: string) => {
      if (this.threads[slot] === thread) this.threads[slot] = undefined;
      const batches = [...thread.batches.values()];
      thread.batches.clear();
      thread.holding = 0;
      for (const w of batches.flat()) w.reject(new Bolt11EncodeError(`the signing worker ${reason}`));
    };
    worker.on('error', (error) => lost(`failed: ${error.message}`));
    worker.on('exit', (code) => lost(`exited (${code})`));
    return thread;
  }

  /** Signing threads running (tests; they start with the first large flush). */
  get threadsRunning(): number {
    return this.threads.filter(Boolean).length;
  }

  /**
   * Stops the threads without terminating them: a thread terminated while in the native signer (loading
   * or running it) can abort the whole process — node-addon-api throws a C++ exception nobody catches
   * ("terminate called after throwing an instance of 'Napi::Error'", seen in this file's tests). So each
   * one is asked to stop between two invoices and ends by itself; what it still held fails. terminate()
   * only after 5 s.
   */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.threads.filter((t): t is SigningThread => t !== undefined);
    this.threads.fill(undefined);
    await Promise.all(
      running.map(async (thread) => {
        Atomics.store(thread.stop, 0, 1);
        thread.worker.postMessage('stop');
        const stuck = setTimeout(() => void thread.worker.terminate(), 5_000);
        await thread.exited;
        clearTimeout(stuck);
      }),
    );
  }
}

/** Signing threads by default: one per core up to 4 (a bulk's storing, on the main thread, caps what more could give); none on one core. */
export function defaultSigningThreads(cores = availableParallelism()): number {
  return cores > 1 ? Math.min(cores, 4) : 0;
}

/** `threads` signing threads (default: defaultSigningThreads()); 0 signs inline. */
export function defaultBolt11Encoder(options: Omit<ThreadedEncoderOptions, 'batchSize' | 'minThreaded'>): Bolt11Encoder {
  const threads = options.threads ?? defaultSigningThreads();
  return threads > 0 ? new ThreadedBolt11Encoder({ ...options, threads }) : new InlineBolt11Encoder(options.signer);
}
