/**
 * Worker-thread side of ThreadedBolt11Encoder: holds the node key, lowers its own CPU priority, signs and
 * encodes the batches of prepared invoices it is sent, and answers each with one result per invoice, in order.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { signPreparedBolt11 } from './bolt11-encoder.js';
import { createBolt11Signer, type SignerPreference } from './bolt11-signers.js';
import { unpackBatch, type EncodeReply, type EncodeRequest } from './bolt11-encoders.js';

const { privateKey, prefer, niceness, stop } = workerData as {
  privateKey: Uint8Array;
  prefer: SignerPreference;
  niceness: number;
  /** Shared with the encoder: 1 = stop now (between two invoices; never terminated inside the signer). */
  stop: Int32Array;
};
try {
  setPriority(0, niceness); // pid 0: this thread only, on Linux
} catch {
  // Not permitted or not supported here: sign at normal priority.
}
const signer = createBolt11Signer(privateKey, prefer);
const port = parentPort!;
const stopping = () => Atomics.load(stop, 0) === 1;

port.on('message', (request: EncodeRequest | 'stop') => {
  // Closing the port ends the thread once this handler returns; batches not yet read are dropped.
  if (request === 'stop' || stopping()) return port.close();
  const results: EncodeReply['results'] = [];
  for (const prepared of unpackBatch(request)) {
    if (stopping()) return port.close();
    try {
      results.push(signPreparedBolt11(prepared, signer));
    } catch (error) {
      results.push({ error: error instanceof Error ? error.message : String(error) });
    }
  }
  port.postMessage({ id: request.id, results } satisfies EncodeReply);
});
port.postMessage({ ready: signer.name });
