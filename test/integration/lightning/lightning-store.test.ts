/**
 * The Lightning storage adapters on SQLite and PostgreSQL: the dev node's preimages survive a restart
 * (a new node over the same database settles an invoice of the old one), grouped inserts, msat beyond
 * 2^53 kept exact, and the watcher's marks only ever move an invoice out of pending once.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SqlDevInvoiceStore, SqlInvoiceStore } from '../../../src/adapters/db/lightning-store.js';
import { compressedPublicKey } from '../../../src/adapters/lightning/bolt11-signers.js';
import { DevLightningNode } from '../../../src/adapters/lightning/dev-node.js';
import type { Invoice } from '../../../src/domain/lightning/invoices.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';

const key = Uint8Array.from(Buffer.alloc(32, 9));
const nodeOver = (store: SqlDevInvoiceStore) => new DevLightningNode({ network: 'regtest', privateKey: key, publicKey: compressedPublicKey(key), store });

describe.each(DIALECTS)('Lightning storage (%s)', (dialect) => {
  const t = useTestDatabase(dialect);

  const user = async (id: string) => {
    await t.db.insertInto('users').values({ id, username: id, password_hash: 'x', role: 'user', created_at: 1, updated_at: 1 }).execute();
  };

  const invoice = (userId: string, over: Partial<Invoice> = {}): Invoice => ({
    id: randomBytes(16).toString('hex'),
    userId,
    paymentHash: randomBytes(32).toString('hex'),
    bolt11: 'lnbcrt1fake',
    amountMsat: 1000n,
    memo: '',
    status: 'pending',
    createdAt: new Date(1_700_000_000_000),
    expiresAt: new Date(1_700_003_600_000),
    settledAt: null,
    amountPaidMsat: null,
    backend: 'dev',
    ...over,
  });

  it('keeps preimages across a restart: a new node settles the old one’s invoice', async () => {
    const first = nodeOver(new SqlDevInvoiceStore(t.db));
    const created = await first.createInvoice({ amountMsat: 2_100_000_000_000_000_000n, memo: 'big' });
    const preimage = await first.preimageOf(created.paymentHash);
    await first.close();

    const second = nodeOver(new SqlDevInvoiceStore(t.db));
    expect(await second.preimageOf(created.paymentHash)).toBe(preimage);
    expect(await second.lookupInvoice(created.paymentHash)).toEqual({ status: 'pending' });
    const paid = await second.simulatePayment(created.paymentHash);
    expect(paid).toMatchObject({ status: 'paid', amountPaidMsat: 2_100_000_000_000_000_000n });
    const record = await new SqlDevInvoiceStore(t.db).get(created.paymentHash);
    expect(record).toMatchObject({ state: 'settled', amountMsat: 2_100_000_000_000_000_000n, memo: 'big', bolt11: created.bolt11 });
    // Settled once: the second settle is refused by the store.
    expect(await new SqlDevInvoiceStore(t.db).settle(created.paymentHash, new Date(), 1n)).toBe(false);
  });

  it('writes the inserts of one event-loop turn as one batch, each caller told when its row is stored', async () => {
    const store = new SqlDevInvoiceStore(t.db);
    const node = nodeOver(store);
    const made = await Promise.all(Array.from({ length: 120 }, (_, i) => node.createInvoice({ amountMsat: 1000 + i })));
    for (const invoice of made.slice(0, 5)) expect((await store.get(invoice.paymentHash))?.state).toBe('open');
    const count = await t.db.selectFrom('lightning_preimages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBeGreaterThanOrEqual(120);
  });

  it('rejects only the duplicate of a batch, not its neighbours', async () => {
    const store = new SqlDevInvoiceStore(t.db);
    const node = nodeOver(store);
    const existing = await node.createInvoice({ amountMsat: 5 });
    const record = (await store.get(existing.paymentHash))!;
    const fresh = { ...record, paymentHash: randomBytes(32).toString('hex') };
    const results = await Promise.allSettled([store.insert(record), store.insert(fresh)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  });

  describe('paired (as main.ts wires them): dev-node records written with the invoice rows', () => {
    const preimageRows = async (hash: string) =>
      (await t.db.selectFrom('lightning_preimages').select('state').where('payment_hash', '=', hash).execute()).length;

    it('keeps a record until an insertMany writes it with the rows in one transaction; a failed one writes neither', async () => {
      await user('pair-u1');
      const devStore = new SqlDevInvoiceStore(t.db);
      const store = new SqlInvoiceStore(t.db, { devRecords: devStore });
      const node = nodeOver(devStore);
      const created = await node.createInvoice({ amountMsat: 3000, memo: 'paired' });
      expect(await preimageRows(created.paymentHash)).toBe(0);
      const row = invoice('pair-u1', { paymentHash: created.paymentHash, bolt11: created.bolt11 });
      // An unknown owner fails the transaction: neither the invoice row nor the record is stored...
      await expect(store.insertMany([{ ...row, userId: 'nobody' }])).rejects.toThrow();
      expect(await preimageRows(created.paymentHash)).toBe(0);
      expect(await store.get('nobody', row.id)).toBeNull();
      // ...and the record is kept for the next one.
      await store.insertMany([row]);
      expect(await preimageRows(created.paymentHash)).toBe(1);
      expect((await store.get('pair-u1', row.id))?.paymentHash).toBe(created.paymentHash);
      expect(await node.preimageOf(created.paymentHash)).toHaveLength(64);
    });

    it('writes kept records before a read or a move of the dev store, and unclaimed ones within a second', async () => {
      const devStore = new SqlDevInvoiceStore(t.db);
      new SqlInvoiceStore(t.db, { devRecords: devStore });
      const node = nodeOver(devStore);
      const read = await node.createInvoice({ amountMsat: 4000 });
      const canceled = await node.createInvoice({ amountMsat: 5000 });
      await node.cancelInvoice(canceled.paymentHash);
      expect(await node.lookupInvoice(canceled.paymentHash)).toEqual({ status: 'canceled' });
      expect(await node.lookupInvoice(read.paymentHash)).toEqual({ status: 'pending' });
      const unclaimed = await node.createInvoice({ amountMsat: 6000 });
      expect(await preimageRows(unclaimed.paymentHash)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await preimageRows(unclaimed.paymentHash)).toBe(1);
    });
  });

  it('stores invoices, reads msat beyond 2^53 exactly, and moves them out of pending once', async () => {
    await user('store-u1');
    const store = new SqlInvoiceStore(t.db);
    const big = invoice('store-u1', { amountMsat: 2_100_000_000_000_000_000n });
    const small = invoice('store-u1', { amountMsat: null, createdAt: new Date(1_700_000_001_000) });
    await store.insertMany([big, small]);
    expect(await store.get('store-u1', big.id)).toEqual(big);
    expect(await store.get('someone-else', big.id)).toBeNull();
    expect((await store.listPending()).map((p) => p.paymentHash)).toEqual(expect.arrayContaining([big.paymentHash, small.paymentHash]));

    expect(await store.markPaid(big.paymentHash, { settledAt: new Date(1_700_000_100_000), amountPaidMsat: 2_100_000_000_000_000_000n })).toBe(true);
    expect(await store.markExpired(big.paymentHash)).toBe(false);
    expect(await store.markPaid(big.paymentHash, { settledAt: new Date(), amountPaidMsat: 1n })).toBe(false);
    expect(await store.get('store-u1', big.id)).toMatchObject({ status: 'paid', amountPaidMsat: 2_100_000_000_000_000_000n, settledAt: new Date(1_700_000_100_000) });
    expect(await store.markCanceled(small.paymentHash)).toBe(true);
    expect((await store.listPending()).some((p) => p.paymentHash === small.paymentHash)).toBe(false);
  });

  it('lists newest first with keyset cursors, judges expiry at `now`, hides void', async () => {
    await user('store-u2');
    const store = new SqlInvoiceStore(t.db);
    const base = 1_700_000_000_000;
    const rows = Array.from({ length: 5 }, (_, i) => invoice('store-u2', { createdAt: new Date(base + i * 1000), expiresAt: new Date(base + 10_000 + i * 1000) }));
    await store.insertMany([...rows, invoice('store-u2', { status: 'void' })]);
    const now = new Date(base + 12_500); // rows 0–2 have expired, 3–4 are pending
    const first = await store.list('store-u2', { limit: 2, now });
    expect(first.items.map((i) => i.id)).toEqual([rows[4]!.id, rows[3]!.id]);
    const second = await store.list('store-u2', { limit: 10, now, cursor: first.next! });
    expect(second.items.map((i) => i.id)).toEqual([rows[2]!.id, rows[1]!.id, rows[0]!.id]);
    expect(second.next).toBeUndefined();
    expect((await store.list('store-u2', { limit: 10, now, status: 'expired' })).items).toHaveLength(3);
    expect((await store.list('store-u2', { limit: 10, now, status: 'pending' })).items).toHaveLength(2);
  });
});
