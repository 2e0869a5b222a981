/**
 * The dev node signs bulk batches in worker threads: the invoices must be the very bytes inline signing
 * gives (RFC 6979 signatures are deterministic) whichever thread signed them, small flushes must not start
 * a thread, an invoice BOLT 11 cannot carry fails alone, signing threads yield the CPU to the main thread,
 * and a worker that dies fails only the invoices it held — the next ones are signed by a fresh worker.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { UnsignedBolt11 } from '../../../src/adapters/lightning/bolt11-encoder.js';
import {
  InlineBolt11Encoder,
  SIGNING_NICENESS,
  ThreadedBolt11Encoder,
  defaultSigningThreads,
} from '../../../src/adapters/lightning/bolt11-encoders.js';
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
    expect(encoder.threadsRunning).toBe(1);
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
    expect(encoder.threadsRunning).toBe(0);
  });

  it('fails the batches of a worker that dies, and signs the next ones with a new worker', async () => {
    // Killed from outside, so signed in pure JS: terminating a thread inside the native signer aborts the
    // process (which is why close() never does that; see the next test).
    const noble = createBolt11Signer(key, 'noble');
    encoder = new ThreadedBolt11Encoder({ privateKey: key, signer: noble, prefer: 'noble', batchSize: 4 });
    await Promise.all(Array.from({ length: 16 }, (_, i) => encoder!.encode(unsigned(i))));
    const worker = (encoder as unknown as { threads: Array<{ worker: { terminate(): Promise<number> } }> }).threads[0]!.worker;
    const doomed = Array.from({ length: 16 }, (_, i) => encoder!.encode(unsigned(100 + i)));
    await new Promise((resolve) => setImmediate(resolve)); // the flush posts them to the worker
    await worker.terminate();
    const settled = await Promise.allSettled(doomed);
    expect(settled.filter((s) => s.status === 'rejected').length).toBeGreaterThan(0);
    for (const s of settled) if (s.status === 'rejected') expect(String(s.reason)).toMatch(/signing worker/);

    const again = await Promise.all(Array.from({ length: 16 }, (_, i) => encoder!.encode(unsigned(200 + i))));
    for (const bolt11 of again) expect(recoverPayeeIndependently(bolt11)).toBe(pubkey);
  });

  it('closes in the middle of a bulk signed natively: each invoice signed or failed, and the process lives on', async () => {
    for (let round = 0; round < 5; round++) {
      const closing = new ThreadedBolt11Encoder({ privateKey: key, signer, prefer: 'auto', threads: 2, batchSize: 4 });
      const pending = Promise.allSettled(Array.from({ length: 400 }, (_, i) => closing.encode(unsigned(i))));
      await new Promise((resolve) => setTimeout(resolve, round * 3));
      await closing.close();
      const settled = await pending;
      for (const s of settled) {
        if (s.status === 'fulfilled') expect(recoverPayeeIndependently(s.value)).toBe(pubkey);
        else expect(String(s.reason)).toMatch(/signing worker/);
      }
    }
  });

  it('spreads a bulk over several threads, and every invoice is what inline signing gives', async () => {
    encoder = new ThreadedBolt11Encoder({ privateKey: key, signer, prefer: 'auto', threads: 3, batchSize: 4 });
    const invoices = Array.from({ length: 60 }, (_, i) => unsigned(i));
    const threaded = await Promise.all(invoices.map((invoice) => encoder!.encode(invoice)));
    expect(encoder.threadsRunning).toBe(3);
    const inline = new InlineBolt11Encoder(signer);
    expect(threaded).toEqual(await Promise.all(invoices.map((invoice) => inline.encode(invoice))));
  });

  it('fails an invoice BOLT 11 cannot carry on its own, and signs the rest of its batch', async () => {
    encoder = new ThreadedBolt11Encoder({ privateKey: key, signer, prefer: 'auto', batchSize: 4 });
    const invoices = Array.from({ length: 12 }, (_, i) => unsigned(i));
    invoices[5] = { ...invoices[5]!, fields: [...invoices[5]!.fields, { tag: 'd', description: 'x'.repeat(700) }] };
    const settled = await Promise.allSettled(invoices.map((invoice) => encoder!.encode(invoice)));
    expect(settled.map((s) => s.status)).toEqual(invoices.map((_, i) => (i === 5 ? 'rejected' : 'fulfilled')));
    expect(String((settled[5] as PromiseRejectedResult).reason)).toMatch(/description is 700 bytes/);
    for (const s of settled) if (s.status === 'fulfilled') expect(recoverPayeeIndependently(s.value)).toBe(pubkey);
  });

  it.runIf(process.platform === 'linux')('runs its signing threads at a lower CPU priority than the main thread', async () => {
    const niceOfThreads = () =>
      readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    const before = niceOfThreads().filter((nice) => nice === SIGNING_NICENESS).length;
    encoder = new ThreadedBolt11Encoder({ privateKey: key, signer, prefer: 'auto', threads: 2, batchSize: 4 });
    await Promise.all(Array.from({ length: 16 }, (_, i) => encoder!.encode(unsigned(i))));
    expect(niceOfThreads().filter((nice) => nice === SIGNING_NICENESS).length).toBe(before + 2);
    const main = readFileSync('/proc/thread-self/stat', 'utf8');
    expect(Number(main.slice(main.lastIndexOf(')') + 2).split(' ')[16])).toBe(0);
  });
});

describe('signing threads by default', () => {
  it('signs inline on one core and uses up to 4 threads beyond', () => {
    expect(defaultSigningThreads(1)).toBe(0);
    expect(defaultSigningThreads(2)).toBe(2);
    expect(defaultSigningThreads(16)).toBe(4);
  });
});
