/**
 * WAL checkpoints off the request path. In WAL mode SQLite appends commits to the `-wal` file and
 * copies them back into the database at a checkpoint, which with `synchronous = NORMAL` is also where
 * the fsyncs happen. Left to `wal_autocheckpoint`, the checkpoint runs inside whichever commit crosses
 * the threshold: on the main thread, so a bulk write stalls the event loop ~100 ms every few requests on
 * this VM's disk (bench/results/bulk-invoices.json).
 *
 * Here a worker thread holds its own connection to the same file and runs a PASSIVE checkpoint every
 * `intervalMs`: it never waits for or blocks the app's reads and writes, copies whatever has been
 * committed, and lets the next write restart the WAL from the beginning once everything is copied. The
 * app's connection keeps its own `wal_autocheckpoint` as the fallback (a worker that died or fell behind
 * costs the old stalls, never data). The worker is plain CommonJS (no TypeScript loader to boot) and
 * never keeps the process alive.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface SqliteCheckpointer {
  /** Stops the worker and closes its connection (before the app's own, so that one checkpoints last). */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  /** Milliseconds between checkpoints (default 100). A checkpoint with nothing to copy costs microseconds. */
  intervalMs?: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
// While commits keep coming, checkpoint again right away: the WAL starts over only when a write begins
// with every frame copied, so a checkpointer that rests between commits lets it grow to the fallback.
let copied = -1;
let timer;
const tick = () => {
  let soon = false;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    soon = result.checkpointed !== copied && result.log > 0;
    copied = result.checkpointed;
  } catch {
    // Busy (a backup's TRUNCATE checkpoint) or a transient I/O error: the next tick tries again.
  }
  timer = setTimeout(tick, soon ? workerData.busyIntervalMs : workerData.intervalMs);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

export function startSqliteCheckpointer(file: string, options: CheckpointerOptions = {}): SqliteCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, intervalMs: options.intervalMs ?? 100, busyIntervalMs: 2 } });
  worker.unref();
  // A failed worker leaves checkpoints to wal_autocheckpoint: nothing to report to a request.
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), 2_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
