/**
 * The invoice use cases over in-memory ports: one validateBatch pass per request, bounded concurrency,
 * partial vs atomic (withdrawal: cancel where the backend can, void rows), 5xx-worthy backend failures.
 */
import { describe, expect, it } from 'vitest';
import { MemoryDevInvoiceStore } from '../../../src/adapters/lightning/dev-invoice-store.js';
import { DevLightningNode } from '../../../src/adapters/lightning/dev-node.js';
import { compressedPublicKey } from '../../../src/adapters/lightning/bolt11-signers.js';
import type { LightningBackend } from '../../../src/domain/lightning/backend.js';
import { LightningInvalidRequestError, LightningUnavailableError } from '../../../src/domain/lightning/errors.js';
import { checkAmountMsat } from '../../../src/domain/lightning/invoice-drafts.js';
import { InvoiceService, newInvoiceId } from '../../../src/domain/lightning/invoice-service.js';
import type { Invoice, InvoiceListQuery, InvoicePage, InvoiceStore } from '../../../src/domain/lightning/invoices.js';
import { validate } from '../../../src/validation/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

class MemoryInvoiceStore implements InvoiceStore {
  readonly rows: Invoice[] = [];
  async insertMany(invoices: readonly Invoice[]) {
    this.rows.push(...invoices.map((i) => ({ ...i })));
  }
  async get(userId: string, id: string) {
    return this.rows.find((r) => r.userId === userId && r.id === id) ?? null;
  }
  async list(userId: string, query: InvoiceListQuery): Promise<InvoicePage> {
    return { items: this.rows.filter((r) => r.userId === userId && r.status !== 'void').slice(0, query.limit) };
  }
  async listPending() {
    return this.rows.filter((r) => r.status === 'pending');
  }
  private mark(hash: string, patch: Partial<Invoice>) {
    const row = this.rows.find((r) => r.paymentHash === hash && r.status === 'pending');
    if (row) Object.assign(row, patch);
    return Promise.resolve(row !== undefined);
  }
  markPaid(hash: string, paid: { settledAt: Date; amountPaidMsat: bigint }) {
    return this.mark(hash, { status: 'paid', ...paid });
  }
  markExpired(hash: string) {
    return this.mark(hash, { status: 'expired' });
  }
  markCanceled(hash: string) {
    return this.mark(hash, { status: 'canceled' });
  }
}

function countingValidator() {
  const calls: unknown[][] = [];
  return {
    calls,
    async validateBatch(type: 'amount', values: unknown[]) {
      calls.push(values);
      return { results: values.map((v) => validate(type, v)) };
    },
  };
}

const privateKey = Uint8Array.from(Buffer.alloc(32, 7));

function setup(overrides: { backend?: LightningBackend; concurrency?: number } = {}) {
  const clock = new FakeClock();
  const devStore = new MemoryDevInvoiceStore();
  const node = new DevLightningNode({ network: 'regtest', privateKey, publicKey: compressedPublicKey(privateKey), store: devStore, clock, signer: 'noble' });
  const store = new MemoryInvoiceStore();
  const validator = countingValidator();
  const tracked: string[] = [];
  const service = new InvoiceService({
    backend: overrides.backend ?? node,
    store,
    validator,
    clock,
    tracker: { track: (i) => void tracked.push(i.paymentHash) },
    ...(overrides.concurrency ? { concurrency: overrides.concurrency } : {}),
  });
  return { clock, node, devStore, store, validator, service, tracked };
}

describe('InvoiceService', () => {
  it('validates every amountSat of a bulk in one validateBatch call', async () => {
    const { service, validator, store, tracked } = setup();
    const report = await service.createBulk('u1', [{ amountSat: 1 }, { amountMsat: 5 }, { amountSat: 'x' }, {}, { amountSat: 3 }]);
    expect(validator.calls).toEqual([[1, 'x', 3]]);
    expect(report).toMatchObject({ created: 4, failed: 1 });
    expect(store.rows).toHaveLength(4);
    expect(tracked).toHaveLength(4);
    expect(report.results[0]?.invoice?.amountMsat).toBe(1000n);
  });

  it('keeps at most `concurrency` backend calls in flight', async () => {
    const base = setup().node;
    let inFlight = 0;
    let peak = 0;
    const backend: LightningBackend = {
      kind: 'dev',
      nodeInfo: () => base.nodeInfo(),
      lookupInvoice: (h) => base.lookupInvoice(h),
      close: async () => undefined,
      async createInvoice(request) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return base.createInvoice(request);
      },
    };
    const { service } = setup({ backend, concurrency: 3 });
    const report = await service.createBulk('u1', Array.from({ length: 20 }, () => ({ amountSat: 10 })));
    expect(report.created).toBe(20);
    expect(peak).toBe(3);
  });

  it('reports an item the backend refuses on its own in partial mode', async () => {
    const { node } = setup();
    const backend = Object.assign(Object.create(node) as DevLightningNode, {
      async createInvoice(request: Parameters<DevLightningNode['createInvoice']>[0]) {
        if (request.memo === 'refuse me') throw new LightningInvalidRequestError('memo', 'refused', 'the node refused this memo');
        return node.createInvoice(request);
      },
    });
    const { service } = setup({ backend });
    const report = await service.createBulk('u1', [{ amountSat: 1 }, { amountSat: 2, memo: 'refuse me' }]);
    expect(report.created).toBe(1);
    expect(report.results[1]).toEqual({ index: 1, ok: false, errors: [{ field: 'memo', code: 'refused', message: 'the node refused this memo' }] });
  });

  it('rethrows a backend outage when nothing could be created, and reports it per item otherwise', async () => {
    const { node } = setup();
    let calls = 0;
    const flaky = Object.assign(Object.create(node) as DevLightningNode, {
      async createInvoice(request: Parameters<DevLightningNode['createInvoice']>[0]) {
        if (++calls % 2 === 0) throw new LightningUnavailableError('timeout');
        return node.createInvoice(request);
      },
    });
    const partial = await setup({ backend: flaky, concurrency: 1 }).service.createBulk('u1', [{ amountSat: 1 }, { amountSat: 2 }]);
    expect(partial.created).toBe(1);
    expect(partial.results[1]?.errors?.[0]).toMatchObject({ code: 'dependency_down' });

    const down = Object.assign(Object.create(node) as DevLightningNode, {
      createInvoice: async () => {
        throw new LightningUnavailableError('connection refused');
      },
    });
    await expect(setup({ backend: down }).service.createBulk('u1', [{ amountSat: 1 }])).rejects.toBeInstanceOf(LightningUnavailableError);
  });

  it('withdraws an atomic batch as void rows when the backend cannot cancel', async () => {
    const { node } = setup();
    let calls = 0;
    const backend: LightningBackend = {
      kind: 'lnd',
      nodeInfo: () => node.nodeInfo(),
      lookupInvoice: (h) => node.lookupInvoice(h),
      close: async () => undefined,
      async createInvoice(request) {
        if (++calls === 3) throw new LightningInvalidRequestError('memo', 'refused', 'no');
        return node.createInvoice(request);
      },
    };
    const { service, store, tracked } = setup({ backend, concurrency: 1 });
    const report = await service.createBulk('u1', Array.from({ length: 5 }, (_, i) => ({ amountSat: i + 1 })), 'atomic');
    expect(report).toMatchObject({ created: 0, failed: 5 });
    expect(report.results[2]?.errors?.[0]).toMatchObject({ code: 'refused' });
    expect(report.results[0]?.errors?.[0]).toMatchObject({ code: 'batch_not_applied' });
    expect(calls).toBe(3); // stopped starting new ones after the failure
    expect(store.rows.map((r) => r.status)).toEqual(['void', 'void']);
    expect(tracked).toHaveLength(0);
    expect((await service.list('u1', { limit: 10 })).items).toHaveLength(0);
    await expect(service.get('u1', store.rows[0]!.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('cancels withdrawn invoices on a backend that can', async () => {
    const { node, devStore } = setup();
    let calls = 0;
    const backend = Object.assign(Object.create(node) as DevLightningNode, {
      async createInvoice(request: Parameters<DevLightningNode['createInvoice']>[0]) {
        if (++calls === 2) throw new LightningInvalidRequestError('memo', 'refused', 'no');
        return node.createInvoice(request);
      },
    });
    const { service, store } = setup({ backend, concurrency: 1 });
    await service.createBulk('u1', [{ amountSat: 1 }, { amountSat: 2 }], 'atomic');
    expect(store.rows).toHaveLength(1);
    expect((await devStore.get(store.rows[0]!.paymentHash))?.state).toBe('canceled');
  });

  it('reports a pending invoice past its expiry as expired and refuses to pay it', async () => {
    const { service, clock } = setup();
    const invoice = await service.create('u1', { amountSat: 5, expirySeconds: 60 });
    await clock.advance(61_000);
    expect((await service.get('u1', invoice.id)).status).toBe('expired');
    await expect(service.simulatePayment('u1', invoice.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('answers 404 for simulated payment on a backend that cannot simulate', async () => {
    const { node } = setup();
    const lnd: LightningBackend = { kind: 'lnd', nodeInfo: () => node.nodeInfo(), createInvoice: (r) => node.createInvoice(r), lookupInvoice: (h) => node.lookupInvoice(h), close: async () => undefined };
    const { service } = setup({ backend: lnd });
    const invoice = await service.create('u1', { amountSat: 5 });
    await expect(service.simulatePayment('u1', invoice.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('InvoiceService: a partial bulk on a backend that creates locally (dev node)', () => {
  /** Records each insertMany call; `failFrom` makes that call and later ones fail. */
  class ChunkedStore extends MemoryInvoiceStore {
    readonly calls: number[] = [];
    failFrom = Infinity;
    override async insertMany(invoices: readonly Invoice[]) {
      this.calls.push(invoices.length);
      if (this.calls.length >= this.failFrom) throw new Error('disk full');
      await super.insertMany(invoices);
    }
  }

  function progressive(failFrom = Infinity) {
    const { node } = setup();
    const store = new ChunkedStore();
    store.failFrom = failFrom;
    const service = new InvoiceService({ backend: node, store, validator: countingValidator(), clock: new FakeClock() });
    return { node, store, service };
  }

  const items = (n: number) => Array.from({ length: n }, (_, i) => ({ amountSat: i + 1 }));

  it('stores rows as they are made, in chunks, and reports each one stored', async () => {
    const { node, store, service } = progressive();
    expect(node.createsLocally).toBe(true);
    const report = await service.createBulk('u1', items(300));
    expect(report).toMatchObject({ created: 300, failed: 0 });
    expect(store.calls.length).toBeGreaterThan(1);
    expect(Math.max(...store.calls)).toBeLessThanOrEqual(300 - 1);
    expect(store.rows.map((r) => r.id).sort()).toEqual(report.results.map((r) => r.invoice!.id).sort());
  });

  it('reports the rows a failed store could not take as failed items, and keeps those it took', async () => {
    const { store, service } = progressive(2);
    const report = await service.createBulk('u1', items(300));
    expect(report.created).toBe(store.rows.length);
    expect(report.created).toBeGreaterThan(0);
    expect(report.failed).toBe(300 - store.rows.length);
    const stored = new Set(store.rows.map((r) => r.id));
    for (const result of report.results) {
      if (result.ok) expect(stored.has(result.invoice!.id)).toBe(true);
      else expect(result.errors).toEqual([{ code: 'internal', message: 'The invoice could not be stored' }]);
    }
  });

  it('fails the request when the store took nothing', async () => {
    const { store, service } = progressive(1);
    await expect(service.createBulk('u1', items(300))).rejects.toThrow('disk full');
    expect(store.rows).toHaveLength(0);
  });

  it('stores an atomic bulk at once', async () => {
    const { store, service } = progressive();
    expect((await service.createBulk('u1', items(300), 'atomic')).created).toBe(300);
    expect(store.calls).toEqual([300]);
  });
});

describe('checkAmountMsat', () => {
  it.each([
    ['"5"', '5', 'wrong_type'],
    ['true', true, 'wrong_type'],
    ['null', null, 'wrong_type'],
    ['1.5', 1.5, 'not_integer'],
    ['0', 0, 'out_of_range'],
    ['-1', -1, 'out_of_range'],
    ['3e18', 3e18, 'out_of_range'],
    ['Infinity', Infinity, 'out_of_range'],
    ['2^53', 2 ** 53, 'unsafe_integer'],
  ])('refuses %s with %s', (_name, value, code) => {
    expect(checkAmountMsat(value)[0]).toMatchObject({ field: 'amountMsat', code });
  });

  it('accepts whole numbers from 1 to 2^53 − 1', () => {
    expect(checkAmountMsat(1)).toEqual([]);
    expect(checkAmountMsat(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });
});

describe('newInvoiceId', () => {
  it('sorts by creation time and is unique', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => newInvoiceId(1_700_000_000_000 + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });
});
