/**
 * Lightning invoices over HTTP (SPEC: Lightning) with the real accounts, the dev node and the database,
 * on SQLite and PostgreSQL: creation (sat, msat, any amount), per-item judgement in bulk, atomic bulk,
 * Idempotency-Key (replay byte for byte, reuse, in progress, 5xx frees it, across instances), owner
 * isolation, paging, simulated payment and expiry seen through the watcher.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LightningAuthError, LightningUnavailableError } from '../../../src/domain/lightning/errors.js';
import type { Satchel } from '../../../src/main.js';
import { decodeIndependently } from '../../helpers/bolt11-independent.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { expectProblem } from '../accounts/harness.js';
import { callerOn, eventually, signedInCaller, startLightningInstance, type Caller } from './harness.js';

const INVOICES = '/api/lightning/invoices';
const BULK = '/api/lightning/invoices/bulk';

describe.each(DIALECTS)('Lightning invoices over HTTP (%s)', (dialect) => {
  let database: TestDatabase;
  let satchel: Satchel;
  let alice: Caller;
  let bob: Caller;

  const rowCount = async (userId?: string) => {
    let query = satchel.database.db.selectFrom('lightning_invoices').select((eb) => eb.fn.countAll<number>().as('n'));
    if (userId) query = query.where('user_id', '=', userId);
    return Number((await query.executeTakeFirstOrThrow()).n);
  };

  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    satchel = await startLightningInstance(database);
    alice = await signedInCaller(satchel.app, 'alice');
    bob = await signedInCaller(satchel.app, 'bob');
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
  });

  it('answers the node info of the dev backend', async () => {
    const response = await alice.get('/api/lightning/node');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ backend: 'dev', pubkey: expect.stringMatching(/^0[23][0-9a-f]{64}$/), alias: expect.any(String), network: 'regtest' });
  });

  it('creates an invoice in sats that an independent decoder reads back', async () => {
    const response = await alice.post(INVOICES, { amountSat: 1500, memo: 'coffee', expirySeconds: 600 });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json();
    expect(body).toEqual({
      id: expect.any(String),
      paymentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      bolt11: expect.stringMatching(/^lnbcrt/),
      amountMsat: 1_500_000,
      memo: 'coffee',
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
      status: 'pending',
    });
    const decoded = decodeIndependently(body.bolt11);
    expect(decoded.amountMsat).toBe(1_500_000n);
    expect(decoded.paymentHash).toBe(body.paymentHash);
    expect(decoded.description).toBe('coffee');
    expect(decoded.expirySeconds).toBe(600);
    expect(Date.parse(body.expiresAt) - Date.parse(body.createdAt)).toBe(600_000);
    const node = (await alice.get('/api/lightning/node')).json();
    expect(decoded.payeePubkey).toBe(node.pubkey);
    // Stored: the preimage for the dev node, the invoice for its owner.
    const preimage = await satchel.database.db.selectFrom('lightning_preimages').selectAll().where('payment_hash', '=', body.paymentHash).executeTakeFirst();
    expect(preimage?.state).toBe('open');
    expect((await alice.get(`${INVOICES}/${body.id}`)).json()).toEqual(body);
  });

  it('creates invoices in msat and of any amount', async () => {
    const msat = await alice.post(INVOICES, { amountMsat: 1_234_567 });
    expect(msat.statusCode).toBe(201);
    expect(msat.json()).toMatchObject({ amountMsat: 1_234_567, memo: '' });
    expect(decodeIndependently(msat.json().bolt11).amountMsat).toBe(1_234_567n);

    const any = await alice.post(INVOICES, {});
    expect(any.statusCode).toBe(201);
    expect(any.json().amountMsat).toBeNull();
    expect(decodeIndependently(any.json().bolt11).amountMsat).toBeNull();
  });

  it('keeps amounts beyond 2^53 msat exact and shows them as strings', async () => {
    const response = await alice.post(INVOICES, { amountSat: 2_100_000_000_000_000 });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().amountMsat).toBe('2100000000000000000');
    const again = await alice.get(`${INVOICES}/${response.json().id}`);
    expect(again.json().amountMsat).toBe('2100000000000000000');
    expect(decodeIndependently(response.json().bolt11).amountMsat).toBe(2_100_000_000_000_000_000n);
  });

  it('refuses a bad single invoice with 400 naming the field', async () => {
    const cases: Array<[unknown, string, string]> = [
      [{ amountSat: '100' }, 'amountSat', 'wrong_type'],
      [{ amountSat: 1.5 }, 'amountSat', 'not_integer'],
      [{ amountSat: 0 }, 'amountSat', 'out_of_range'],
      [{ amountSat: null }, 'amountSat', 'wrong_type'],
      [{ amountMsat: -5 }, 'amountMsat', 'out_of_range'],
      [{ amountSat: 1, amountMsat: 1000 }, 'amountMsat', 'exclusive_fields'],
      [{ amountSat: 1, colour: 'red' }, 'colour', 'unknown_property'],
      [{ memo: 'x'.repeat(1025) }, 'memo', 'too_long'],
      [{ expirySeconds: '60' }, 'expirySeconds', 'wrong_type'],
      [{ expirySeconds: 0 }, 'expirySeconds', 'out_of_range'],
    ];
    const before = await rowCount(alice.userId);
    for (const [payload, field, code] of cases) {
      const body = expectProblem(await alice.post(INVOICES, payload), 400, 'invalid_input');
      expect(body.errors, JSON.stringify(payload)).toContainEqual(expect.objectContaining({ field, code }));
    }
    expectProblem(await alice.post(INVOICES, [1, 2]), 400, 'invalid_input');
    expect(await rowCount(alice.userId)).toBe(before);
  });

  it('judges each bulk item on its own', async () => {
    const before = await rowCount(alice.userId);
    const items: unknown[] = [
      { amountSat: 100, memo: 'ok 1' },
      { amountSat: '100' },
      { amountSat: 1.5 },
      { amountSat: -1 },
      { amountSat: 0 },
      { amountSat: 2_100_000_000_000_001 },
      { amountSat: 1, amountMsat: 1000 },
      'not an object',
      null,
      { amountMsat: '5000' },
      { amountMsat: 0.5 },
      { amountMsat: 3e18 },
      { amountMsat: 2 ** 60 },
      { memo: 5 },
      { unknown: 1 },
      { amountMsat: 2500 },
    ];
    const response = await alice.post(BULK, { invoices: items });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ created: 2, failed: items.length - 2 });
    const byIndex = (i: number) => body.results[i];
    expect(body.results.map((r: { index: number }) => r.index)).toEqual(items.map((_, i) => i));
    expect(byIndex(0)).toMatchObject({ ok: true, invoice: { amountMsat: 100_000, memo: 'ok 1', status: 'pending' } });
    expect(byIndex(15)).toMatchObject({ ok: true, invoice: { amountMsat: 2500 } });
    const expectError = (i: number, field: string | undefined, code: string) => {
      expect(byIndex(i).ok, `item ${i}`).toBe(false);
      expect(byIndex(i).errors, `item ${i}`).toContainEqual(expect.objectContaining({ ...(field ? { field } : {}), code }));
    };
    expectError(1, 'amountSat', 'wrong_type');
    expectError(2, 'amountSat', 'not_integer');
    expectError(3, 'amountSat', 'out_of_range');
    expectError(4, 'amountSat', 'out_of_range');
    expectError(5, 'amountSat', 'out_of_range');
    expectError(6, 'amountMsat', 'exclusive_fields');
    expectError(7, undefined, 'wrong_type');
    expectError(8, undefined, 'wrong_type');
    expectError(9, 'amountMsat', 'wrong_type');
    expectError(10, 'amountMsat', 'not_integer');
    expectError(11, 'amountMsat', 'out_of_range');
    expectError(12, 'amountMsat', 'unsafe_integer');
    expectError(13, 'memo', 'wrong_type');
    expectError(14, 'unknown', 'unknown_property');
    expect(await rowCount(alice.userId)).toBe(before + 2);
  });

  it('answers 400 only for a malformed bulk envelope', async () => {
    expectProblem(await alice.post(BULK, { invoices: { amountSat: 1 } }), 400, 'invalid_input');
    expectProblem(await alice.post(BULK, [{ amountSat: 1 }]), 400, 'invalid_input');
    expectProblem(await alice.post(BULK, { invoices: [], mode: 'all' }), 400, 'invalid_input');
    const tooMany = expectProblem(await alice.post(BULK, { invoices: Array.from({ length: 1001 }, () => ({ amountSat: 1 })) }), 400, 'invalid_input');
    expect(tooMany.errors[0]).toMatchObject({ field: 'invoices', code: 'too_many_items' });
  });

  it('creates nothing in an atomic bulk with one bad item', async () => {
    const before = await rowCount();
    const preimagesBefore = Number(
      (await satchel.database.db.selectFrom('lightning_preimages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
    );
    const response = await alice.post(BULK, { mode: 'atomic', invoices: [{ amountSat: 10 }, { amountSat: 20 }, { amountSat: 'thirty' }] });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ mode: 'atomic', created: 0, failed: 3 });
    expect(body.results[0].errors).toEqual([expect.objectContaining({ code: 'batch_not_applied' })]);
    expect(body.results[2].errors).toEqual([expect.objectContaining({ field: 'amountSat', code: 'wrong_type' })]);
    expect(await rowCount()).toBe(before);
    const preimagesAfter = Number(
      (await satchel.database.db.selectFrom('lightning_preimages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
    );
    expect(preimagesAfter).toBe(preimagesBefore);

    const ok = await alice.post(BULK, { mode: 'atomic', invoices: [{ amountSat: 10 }, { amountSat: 20 }] });
    expect(ok.json()).toMatchObject({ created: 2, failed: 0 });
  });

  it('withdraws an atomic bulk when the node fails midway: canceled on the node, stored void, 503', async () => {
    const backend = satchel.lightning;
    const original = backend.createInvoice.bind(backend);
    let calls = 0;
    backend.createInvoice = async (request) => {
      if (++calls === 3) throw new LightningUnavailableError('connection refused');
      return original(request);
    };
    const voidRows = () =>
      satchel.database.db.selectFrom('lightning_invoices').select(['status', 'payment_hash']).where('user_id', '=', alice.userId).where('status', '=', 'void').execute();
    const before = await rowCount(alice.userId);
    expect(await voidRows()).toHaveLength(0);
    try {
      const response = await alice.post(BULK, { mode: 'atomic', invoices: Array.from({ length: 5 }, (_, i) => ({ amountSat: 100 + i })) });
      expectProblem(response, 503, 'dependency_down');
    } finally {
      backend.createInvoice = original;
    }
    // Two made before the third failed (concurrency 8: the others may have been started too).
    const rows = await voidRows();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect((await rowCount(alice.userId)) - before).toBe(rows.length);
    for (const row of rows) {
      const node = await satchel.database.db.selectFrom('lightning_preimages').select('state').where('payment_hash', '=', row.payment_hash).executeTakeFirst();
      expect(node?.state).toBe('canceled');
    }
    const listed = (await alice.get(`${INVOICES}?limit=500`)).json().items as Array<{ status: string }>;
    expect(listed.every((i) => i.status !== 'void')).toBe(true);
  });

  it('replays an idempotent bulk byte for byte and creates nothing', async () => {
    const payload = { invoices: [{ amountSat: 1 }, { amountSat: 'x' }, { amountMsat: 2000, memo: 'two' }] };
    const headers = { 'idempotency-key': 'bulk-key-1' };
    const first = await alice.post(BULK, payload, headers);
    expect(first.statusCode).toBe(200);
    const after = await rowCount(alice.userId);
    // Same body with keys in another order: the same request.
    const second = await alice.post(BULK, { invoices: [{ amountSat: 1 }, { amountSat: 'x' }, { memo: 'two', amountMsat: 2000 }] }, headers);
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['content-type']).toMatch(/^application\/json/);
    expect(await rowCount(alice.userId)).toBe(after);
  });

  it('replays an idempotent single creation with the same 201 and id', async () => {
    const headers = { 'idempotency-key': '"0b7c5c1e-5f77-4c1b-9d7e-2b1d1c3d0a11"' };
    const first = await alice.post(INVOICES, { amountSat: 42 }, headers);
    expect(first.statusCode).toBe(201);
    const count = await rowCount(alice.userId);
    const second = await alice.post(INVOICES, { amountSat: 42 }, headers);
    expect(second.statusCode).toBe(201);
    expect(second.body).toBe(first.body);
    expect(await rowCount(alice.userId)).toBe(count);
    // A 4xx answer is an answer too: replayed as it was.
    const bad = await alice.post(INVOICES, { amountSat: -1 }, { 'idempotency-key': 'bad-one' });
    const badAgain = await alice.post(INVOICES, { amountSat: -1 }, { 'idempotency-key': 'bad-one' });
    expect(badAgain.statusCode).toBe(400);
    expect(badAgain.body).toBe(bad.body);
    expect(badAgain.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('refuses the same key with another body (422) and scopes keys to user and route', async () => {
    const headers = { 'idempotency-key': 'shared-key' };
    expect((await alice.post(INVOICES, { amountSat: 5 }, headers)).statusCode).toBe(201);
    expectProblem(await alice.post(INVOICES, { amountSat: 6 }, headers), 422, 'idempotency_key_reused');
    // Another user, and another route, have their own keys.
    const bobs = await bob.post(INVOICES, { amountSat: 6 }, headers);
    expect(bobs.statusCode).toBe(201);
    const bulk = await alice.post(BULK, { invoices: [{ amountSat: 6 }] }, headers);
    expect(bulk.statusCode).toBe(200);
    expectProblem(await alice.post(INVOICES, { amountSat: 5 }, { 'idempotency-key': '' }), 400, 'invalid_input');
    expectProblem(await alice.post(INVOICES, { amountSat: 5 }, { 'idempotency-key': 'has space' }), 400, 'invalid_input');
  });

  it('answers 409 to a concurrent request with the same key while the first runs', async () => {
    const payload = { invoices: Array.from({ length: 300 }, (_, i) => ({ amountSat: 1000 + i })) };
    const headers = { 'idempotency-key': 'concurrent-key' };
    const before = await rowCount(alice.userId);
    const [a, b] = await Promise.all([alice.post(BULK, payload, headers), alice.post(BULK, payload, headers)]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const conflict = a.statusCode === 409 ? a : b;
    expectProblem(conflict, 409, 'request_in_progress');
    expect(conflict.headers['retry-after']).toBe('1');
    expect((await rowCount(alice.userId)) - before).toBe(300);
    const replay = await alice.post(BULK, payload, headers);
    expect(replay.body).toBe((a.statusCode === 200 ? a : b).body);
  });

  it('frees the key when the first attempt failed with a 5xx', async () => {
    const backend = satchel.lightning;
    const original = backend.createInvoice.bind(backend);
    backend.createInvoice = async () => {
      throw new LightningUnavailableError('wallet is locked');
    };
    const headers = { 'idempotency-key': 'retry-after-503' };
    try {
      const failed = expectProblem(await alice.post(INVOICES, { amountSat: 7 }, headers), 503, 'dependency_down');
      expect(failed.detail).toContain('wallet is locked');
    } finally {
      backend.createInvoice = original;
    }
    const retried = await alice.post(INVOICES, { amountSat: 7 }, headers);
    expect(retried.statusCode).toBe(201);
  });

  it('maps backend failures to 502 and 503 problems with a hint', async () => {
    const backend = satchel.lightning;
    const original = backend.nodeInfo.bind(backend);
    try {
      backend.nodeInfo = async () => {
        throw new LightningAuthError('verification failed');
      };
      const auth = expectProblem(await alice.get('/api/lightning/node'), 502, 'bad_gateway');
      expect(auth.detail).toContain('LND_MACAROON_HEX');
      backend.nodeInfo = async () => {
        throw new LightningUnavailableError('connect ECONNREFUSED');
      };
      expectProblem(await alice.get('/api/lightning/node'), 503, 'dependency_down');
    } finally {
      backend.nodeInfo = original;
    }
  });

  it("answers 404 for another user's invoice and never lists it", async () => {
    const created = (await alice.post(INVOICES, { amountSat: 77, memo: 'alice only' })).json();
    expectProblem(await bob.get(`${INVOICES}/${created.id}`), 404, 'not_found');
    expectProblem(await bob.post(`${INVOICES}/${created.id}/simulate-payment`), 404, 'not_found');
    expectProblem(await alice.get(`${INVOICES}/nope`), 404, 'not_found');
    const bobs = (await bob.get(`${INVOICES}?limit=500`)).json().items as Array<{ id: string }>;
    expect(bobs.some((i) => i.id === created.id)).toBe(false);
    expect((await alice.get(`${INVOICES}/${created.id}`)).statusCode).toBe(200);
  });

  it('pages the list with keyset cursors, newest first, and filters by status', async () => {
    const carol = await signedInCaller(satchel.app, 'carol');
    const made = (await carol.post(BULK, { invoices: Array.from({ length: 7 }, (_, i) => ({ amountSat: i + 1 })) })).json();
    const ids = made.results.map((r: { invoice: { id: string } }) => r.invoice.id);
    const seen: string[] = [];
    let url = `${INVOICES}?limit=3`;
    for (let page = 0; page < 5; page++) {
      const body = (await carol.get(url)).json();
      seen.push(...body.items.map((i: { id: string }) => i.id));
      if (!body.next) break;
      url = `${INVOICES}?limit=3&cursor=${encodeURIComponent(body.next)}`;
    }
    expect(seen).toEqual([...ids].reverse());
    expectProblem(await carol.get(`${INVOICES}?cursor=garbage!`), 400);
    expectProblem(await carol.get(`${INVOICES}?status=void`), 400, 'invalid_input');
    expectProblem(await carol.get(`${INVOICES}?limit=501`), 400, 'invalid_input');
    const paid = await carol.post(`${INVOICES}/${ids[2]}/simulate-payment`);
    expect(paid.statusCode).toBe(200);
    expect((await carol.get(`${INVOICES}?status=paid`)).json().items.map((i: { id: string }) => i.id)).toEqual([ids[2]]);
    expect((await carol.get(`${INVOICES}?status=pending`)).json().items).toHaveLength(6);
  });

  it('marks an invoice paid by simulated payment, at once and through the watcher', async () => {
    const created = (await alice.post(INVOICES, { amountSat: 21 })).json();
    const paid = await alice.post(`${INVOICES}/${created.id}/simulate-payment`);
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json()).toMatchObject({ id: created.id, status: 'paid', amountPaidMsat: 21_000, settledAt: expect.any(String) });
    expect((await alice.get(`${INVOICES}/${created.id}`)).json().status).toBe('paid');
    // Paying again is harmless.
    expect((await alice.post(`${INVOICES}/${created.id}/simulate-payment`)).json().status).toBe('paid');

    // Paid on the node only (as by a payer): the watcher's settlement feed records it.
    const other = (await alice.post(INVOICES, { amountMsat: 5000 })).json();
    const node = satchel.lightning as unknown as { simulatePayment(hash: string): Promise<unknown> };
    await node.simulatePayment(other.paymentHash);
    expect(await eventually(async () => (await alice.get(`${INVOICES}/${other.id}`)).json().status === 'paid')).toBe(true);
  });

  it('sees an invoice expire: reported at once, stored by the watcher, no longer payable', async () => {
    const created = (await alice.post(INVOICES, { amountSat: 3, expirySeconds: 1 })).json();
    expect(created.status).toBe('pending');
    const expiresAt = Date.parse(created.expiresAt);
    expect(await eventually(async () => (await alice.get(`${INVOICES}/${created.id}`)).json().status === 'expired', 4_000)).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    const expired = (await alice.get(`${INVOICES}?status=expired&limit=500`)).json().items as Array<{ id: string }>;
    expect(expired.some((i) => i.id === created.id)).toBe(true);
    expectProblem(await alice.post(`${INVOICES}/${created.id}/simulate-payment`), 409, 'conflict');
    const stored = async () =>
      (await satchel.database.db.selectFrom('lightning_invoices').select('status').where('id', '=', created.id).executeTakeFirst())?.status === 'expired';
    expect(await eventually(stored, 4_000)).toBe(true);
  });

  it('needs a signed-in user with the write scope to create', async () => {
    const anonymous = await satchel.app.inject({ method: 'POST', url: INVOICES, payload: { amountSat: 1 } });
    expectProblem(anonymous, 401, 'unauthorized');
    const read = (await alice.post('/api/auth/tokens', { name: 'ro', scopes: ['read'] })).json();
    const response = await satchel.app.inject({
      method: 'POST',
      url: INVOICES,
      headers: { authorization: `Bearer ${read.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ amountSat: 1 }),
    });
    expectProblem(response, 403, 'insufficient_scope');
  });
});

describe.runIf(DIALECTS.includes('postgres'))('Idempotency-Key across two instances on one PostgreSQL', () => {
  let database: TestDatabase;
  let a: Satchel;
  let b: Satchel;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    a = await startLightningInstance(database);
    b = await startLightningInstance(database);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.close();
  });

  it("replays on instance B the answer instance A gave, and B's dev node settles A's invoice", async () => {
    const onA = await signedInCaller(a.app, 'dora');
    const onB = callerOn(b.app, onA.token, onA.userId);
    const headers = { 'idempotency-key': 'cross-instance' };
    const payload = { invoices: [{ amountSat: 11 }, { amountSat: 12 }] };
    const first = await onA.post(BULK, payload, headers);
    expect(first.statusCode).toBe(200);
    const replay = await onB.post(BULK, payload, headers);
    expect(replay.statusCode).toBe(200);
    expect(replay.body).toBe(first.body);
    expectProblem(await onB.post(BULK, { invoices: [{ amountSat: 13 }] }, headers), 422, 'idempotency_key_reused');
    const count = await a.database.db.selectFrom('lightning_invoices').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', onA.userId).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);

    // The preimage is in the database: instance B (another node key file, same store) can settle it.
    const id = first.json().results[0].invoice.id;
    const paid = await onB.post(`${INVOICES}/${id}/simulate-payment`);
    expect(paid.statusCode, paid.body).toBe(200);
    expect((await onA.get(`${INVOICES}/${id}`)).json().status).toBe('paid');
  });
});
