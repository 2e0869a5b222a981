/**
 * Worker-thread side of WorkerBolt11Encoder: holds the node key, signs and encodes the batches of
 * unsigned invoices it is sent, and answers each with one result per invoice, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeBolt11, type UnsignedBolt11 } from './bolt11-encoder.js';
import { createBolt11Signer, type SignerPreference } from './bolt11-signers.js';
import type { EncodeReply, EncodeRequest } from './bolt11-encoders.js';

const { privateKey, prefer } = workerData as { privateKey: Uint8Array; prefer: SignerPreference };
const signer = createBolt11Signer(privateKey, prefer);
const port = parentPort!;

port.on('message', ({ id, invoices }: EncodeRequest) => {
  const results = invoices.map((invoice: UnsignedBolt11) => {
    try {
      return { bolt11: encodeBolt11(invoice, signer) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  });
  port.postMessage({ id, results } satisfies EncodeReply);
});
port.postMessage({ ready: signer.name });
