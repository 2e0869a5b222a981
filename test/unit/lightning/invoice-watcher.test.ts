import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DevLightningNode } from '../../../src/adapters/lightning/dev-node.js';
import { MemoryDevInvoiceStore } from '../../../src/adapters/lightning/dev-invoice-store.js';
import type { CreatedInvoice, LightningBackend } from '../../../src/domain/lightning/backend.js';
import { systemClock } from '../../../src/domain/lightning/clock.js';
import { LightningUnavailableError } from '../../../src/domain/lightning/errors.js';
import { InvoiceWatcher, type InvoiceWatchStore, type PendingInvoice } from '../../../src/domain/lightning/invoice-watcher.js';
import { FakeClock } from '../../helpers/fake-clock.js';

type Row = { status: 'pending' | 'paid' | 'expired' | 'canceled'; expiresAt: Date; settledAt?: Date; amountPaidMsat?: bigint };

/** The app's invoices table, reduced to what the watcher touches. */
class MemoryWatchStore implements InvoiceWatchStore {
  readonly rows = new Map<string, Row>();
  writes = 0;

  add(invoice: CreatedInvoice): PendingInvoice {
    this.rows.set(invoice.paymentHash, { status: 'pending', expiresAt: invoice.expiresAt });
    return { paymentHash: invoice.paymentHash, expiresAt: invoice.expiresAt };
  }
  status(hash: string) {
    return this.rows.get(hash)?.status;
  }
  async listPending(): Promise<PendingInvoice[]> {
    return [...this.rows].filter(([, r]) => r.status === 'pending').map(([paymentHash, r]) => ({ paymentHash, expiresAt: r.expiresAt }));
  }
  private move(hash: string, to: Row['status'], extra: Partial<Row> = {}): boolean {
    const row = this.rows.get(hash);
    if (row?.status !== 'pending') return false;
    Object.assign(row, { status: to, ...extra });
    this.writes++;
    return true;
  }
  async markPaid(hash: string, paid: { settledAt: Date; amountPaidMsat: bigint }) {
    return this.move(hash, 'paid', paid);
  }
  async markExpired(hash: string) {
    return this.move(hash, 'expired');
  }
  async markCanceled(hash: string) {
    return this.move(hash, 'canceled');
  }
}

/** The dev node without its push feed: the watcher has to poll. */
function pollOnly(node: DevLightningNode): LightningBackend {
  return {
    kind: 'dev',
    nodeInfo: () => node.nodeInfo(),
    createInvoice: (r) => node.createInvoice(r),
    lookupInvoice: (h) => node.lookupInvoice(h),
    close: () => node.close(),
  };
}

let dataDir: string;
let clock: FakeClock;
let node: DevLightningNode;
let store: MemoryWatchStore;
const watchers: InvoiceWatcher[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'satchel-watcher-'));
  clock = new FakeClock(Date.UTC(2025, 5, 1, 12, 0, 0));
  node = await DevLightningNode.open({ dataDir, network: 'regtest', store: new MemoryDevInvoiceStore(), clock, signer: 'noble' });
  store = new MemoryWatchStore();
});
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop()));
  await rm(dataDir, { recursive: true, force: true });
});

function watcher(backend: LightningBackend = node, extra: Partial<ConstructorParameters<typeof InvoiceWatcher>[0]> = {}) {
  const w = new InvoiceWatcher({ backend, store, clock, pollIntervalMs: 5_000, resyncIntervalMs: 60_000, ...extra });
  watchers.push(w);
  return w;
}

describe('InvoiceWatcher', () => {
  it('marks an invoice paid as soon as the backend pushes the settlement', async () => {
    const w = watcher();
    await w.start();
    const invoice = await node.createInvoice({ amountMsat: 5_000n, expirySeconds: 600 });
    w.track(store.add(invoice));
    await clock.advance(1_000);
    await node.simulatePayment(invoice.paymentHash);
    await clock.advance(0);
    expect(store.rows.get(invoice.paymentHash)).toMatchObject({ status: 'paid', amountPaidMsat: 5_000n, settledAt: new Date(clock.now()) });
    expect(w.watching).toBe(0);
  });

  it('marks an invoice expired at its expiry time, not before', async () => {
    const w = watcher();
    await w.start();
    const invoice = await node.createInvoice({ amountMsat: 1_000n, expirySeconds: 120 });
    w.track(store.add(invoice));
    await clock.advance(119_000);
    expect(store.status(invoice.paymentHash)).toBe('pending');
    await clock.advance(1_000);
    expect(store.status(invoice.paymentHash)).toBe('expired');
  });

  it('polls when the backend cannot push settlements', async () => {
    const w = watcher(pollOnly(node));
    await w.start();
    const invoice = await node.createInvoice({ amountMsat: 1_000n, expirySeconds: 600 });
    w.track(store.add(invoice));
    await node.simulatePayment(invoice.paymentHash);
    expect(store.status(invoice.paymentHash)).toBe('pending');
    await clock.advance(5_000);
    expect(store.status(invoice.paymentHash)).toBe('paid');
  });

  it('survives a restart: re-reads pending invoices, catches payments and expiries that happened meanwhile', async () => {
    const paidMeanwhile = await node.createInvoice({ amountMsat: 1_000n, expirySeconds: 600 });
    const expiredMeanwhile = await node.createInvoice({ amountMsat: 1_000n, expirySeconds: 30 });
    const stillOpen = await node.createInvoice({ amountMsat: 1_000n, expirySeconds: 600 });
    for (const i of [paidMeanwhile, expiredMeanwhile, stillOpen]) store.add(i);
    await node.simulatePayment(paidMeanwhile.paymentHash);
    await clock.advance(60_000);

    const w = watcher();
    await w.start();
    expect(store.status(paidMeanwhile.paymentHash)).toBe('paid');
    expect(store.status(expiredMeanwhile.paymentHash)).toBe('expired');
    expect(store.status(stillOpen.paymentHash)).toBe('pending');
    expect(w.watching).toBe(1);
    await clock.advance(540_000);
    expect(store.status(stillOpen.paymentHash)).toBe('expired');
  });

  it('marks a canceled invoice canceled', async () => {
    const w = watcher();
    await w.start();
    const invoice = await node.createInvoice({ amountMsat: 1_000n });
    w.track(store.add(invoice));
    await node.cancelInvoice(invoice.paymentHash);
    await clock.advance(0);
    expect(store.status(invoice.paymentHash)).toBe('canceled');
  });

  it('picks up invoices other instances stored at the next sweep', async () => {
    const w = watcher(pollOnly(node));
    await w.start();
    const elsewhere = await node.createInvoice({ amountMsat: 1_000n, expirySeconds: 20 });
    store.add(elsewhere); // not tracked here
    await clock.advance(5_000);
    expect(w.watching).toBe(1);
    await clock.advance(15_000);
    expect(store.status(elsewhere.paymentHash)).toBe('expired');
  });

  it('keeps an invoice pending while the backend is unreachable and reports the error', async () => {
    const errors: unknown[] = [];
    let down = true;
    const flaky: LightningBackend = {
      ...pollOnly(node),
      lookupInvoice: async (h) => {
        if (down) throw new LightningUnavailableError('ECONNREFUSED');
        return node.lookupInvoice(h);
      },
    };
    const invoice = await node.createInvoice({ amountMsat: 1_000n, expirySeconds: 600 });
    store.add(invoice);
    await node.simulatePayment(invoice.paymentHash);
    const w = watcher(flaky, { onError: (e) => errors.push(e) });
    await w.start();
    expect(store.status(invoice.paymentHash)).toBe('pending');
    expect(errors[0]).toBeInstanceOf(LightningUnavailableError);
    down = false;
    await clock.advance(5_000);
    expect(store.status(invoice.paymentHash)).toBe('paid');
  });

  it('stop() cancels its timers and stops listening', async () => {
    const w = watcher();
    await w.start();
    const invoice = await node.createInvoice({ amountMsat: 1_000n, expirySeconds: 60 });
    w.track(store.add(invoice));
    expect(clock.pendingTimers).toBe(1);
    await w.stop();
    expect(clock.pendingTimers).toBe(0);
    await node.simulatePayment(invoice.paymentHash);
    await clock.advance(120_000);
    expect(store.status(invoice.paymentHash)).toBe('pending');
    expect(store.writes).toBe(0);
  });

  it('looks every pending invoice up with bounded concurrency', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const counting: LightningBackend = {
      ...pollOnly(node),
      lookupInvoice: async (h) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return node.lookupInvoice(h);
      },
    };
    for (let i = 0; i < 20; i++) store.add(await node.createInvoice({ amountMsat: 1_000n }));
    const w = watcher(counting, { lookupConcurrency: 3 });
    await w.start();
    expect(maxInFlight).toBe(3);
    expect(w.watching).toBe(20);
  });
});

describe('system clock', () => {
  it("unref()s its timers so a pending expiry never keeps the process alive", () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const handle = systemClock.setTimeout(() => undefined, 60_000);
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    spy.mockRestore();
    expect(timer.hasRef()).toBe(false);
    handle.cancel();
  });
});
