/**
 * The dev node signs bulk batches in a worker thread: the invoices must be the very bytes inline signing
 * gives (RFC 6979 signatures are deterministic), small flushes must not start a thread, and a worker that
 * dies fails only the invoices it held — the next ones are signed by a fresh worker.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { UnsignedBolt11 } from '../../../src/adapters/lightning/bolt11-encoder.js';
import { InlineBolt11Encoder, ThreadedBolt11Encoder } from '../../../src/adapters/lightning/bolt11-encoders.js';
import { compressedPublicKey, createBolt11Signer } from '../../../src/adapters/lightning/bolt11-signers.js';
import { decodeIndependently, recoverPayeeIndependently } from '../../helpers/bolt11-independent.js';

const key = randomBytes(32);
const signer = createBolt11Signer(key, 'auto');
const pubkey = Buffer.from(compressedPublicKey(key)).toString('hex');

function unsigned(i: number): UnsignedBolt11 {
  return {
    network: 'regtest',
    amountMsat: BigInt(1000 + i),
    timestamp: 1_700_000_000 + i,
    fields: [
      { tag: 'p', paymentHash: randomBytes(32) },
      { tag: 's', paymentSecret: randomBytes(32) },
      { tag: 'd', description: `item ${i}` },
      { tag: 'x', expirySeconds: 3600 },
    ],
  };
}

let encoder: ThreadedBolt11Encoder | undefined;
afterEach(async () => {
  await encoder?.close();
  encoder = undefined;
});

describe('threaded BOLT 11 encoder', () => {
  it('signs a bulk flush in the worker, byte for byte what inline signing gives', async () => {
    encoder = new ThreadedBolt11Encoder({ privateKey: key, signer, prefer: 'auto', batchSize: 8 });
    const invoices = Array.from({ length: 50 }, (_, i) => unsigned(i));
    const threaded = await Promise.all(invoices.map((invoice) => encoder!.encode(invoice)));
    expect(encoder.threadRunning).toBe(true);
    const inline = new InlineBolt11Encoder(signer);
    expect(threaded).toEqual(await Promise.all(invoices.map((invoice) => inline.encode(invoice))));
    for (const [i, bolt11] of threaded.entries()) {
      expect(bolt11.startsWith('lnbcrt')).toBe(true);
      expect(recoverPayeeIndependently(bolt11)).toBe(pubkey);
      expect(decodeIndependently(bolt11).description).toBe(`item ${i}`);
    }
  });

  it('signs a single invoice inline, without starting a thread', async () => {
    encoder = new ThreadedBolt11Encoder({ privateKey: key, signer, prefer: 'auto' });
    const bolt11 = await encoder.encode(unsigned(1));
    expect(recoverPayeeIndependently(bolt11)).toBe(pubkey);
    expect(encoder.threadRunning).toBe(false);
  });

  it('fails the batches of a worker that dies, and signs the next ones with a new worker', async () => {
    encoder = new ThreadedBolt11Encoder({ privateKey: key, signer, prefer: 'auto', batchSize: 4 });
    await Promise.all(Array.from({ length: 16 }, (_, i) => encoder!.encode(unsigned(i))));
    const worker = (encoder as unknown as { worker: { terminate(): Promise<number> } }).worker;
    const doomed = Array.from({ length: 16 }, (_, i) => encoder!.encode(unsigned(100 + i)));
    await new Promise((resolve) => setImmediate(resolve)); // the flush posts them to the worker
    await worker.terminate();
    const settled = await Promise.allSettled(doomed);
    expect(settled.filter((s) => s.status === 'rejected').length).toBeGreaterThan(0);
    for (const s of settled) if (s.status === 'rejected') expect(String(s.reason)).toMatch(/signing worker/);

    const again = await Promise.all(Array.from({ length: 16 }, (_, i) => encoder!.encode(unsigned(200 + i))));
    for (const bolt11 of again) expect(recoverPayeeIndependently(bolt11)).toBe(pubkey);
  });
});
