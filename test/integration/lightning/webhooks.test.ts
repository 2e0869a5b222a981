/**
 * Payment webhooks (issue 6) against a real local HTTP receiver, on SQLite and PostgreSQL: the user sets
 * a URL and gets its secret once; a paid invoice is POSTed once, signed so the receiver can verify it;
 * a receiver that fails is retried with backoff until it answers 2xx, and the attempts are visible;
 * private addresses are refused unless WEBHOOK_ALLOW_PRIVATE=1; another user never sees the webhook.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { expectProblem } from '../accounts/harness.js';
import { eventually, signedInCaller, startLightningInstance, type Caller } from './harness.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

describe.each(DIALECTS)('payment webhooks (%s)', (dialect) => {
  let database: TestDatabase;
  let satchel: Satchel;
  let alice: Caller;
  let bob: Caller;
  let receiver: Server;
  let url: string;
  const received: Received[] = [];
  let failNext = 0;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.statusCode = failNext-- > 0 ? 500 : 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/satchel`;
    database = await openTestDatabase(dialect);
    satchel = await startLightningInstance(database, { webhookRetryDelaysMs: [100, 200, 300] }, undefined, { WEBHOOK_ALLOW_PRIVATE: '1' });
    alice = await signedInCaller(satchel.app, 'alice');
    bob = await signedInCaller(satchel.app, 'bob');
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
    failNext = 0;
  });

  const payInvoice = async (caller: Caller, amountSat: number) => {
    const invoice = (await caller.post('/api/lightning/invoices', { amountSat, memo: `webhook ${amountSat}` })).json() as { id: string; paymentHash: string };
    expect((await caller.post(`/api/lightning/invoices/${invoice.id}/simulate-payment`)).statusCode).toBe(200);
    return invoice;
  };

  it('sets a URL, shows the secret once, and POSTs a paid invoice signed with it', async () => {
    const set = await alice.put('/api/lightning/webhook', { url });
    expect(set.statusCode, set.body).toBe(200);
    const { secret } = set.json() as { secret: string };
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    const shown = await alice.get('/api/lightning/webhook');
    expect(shown.json()).toEqual({ url, createdAt: expect.any(String) });
    expect(shown.body).not.toContain(secret);

    const invoice = await payInvoice(alice, 2100);
    expect(await eventually(async () => received.length === 1)).toBe(true);
    const [delivery] = received;
    const signature = String(delivery!.headers['satchel-signature']);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
    expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${delivery!.body}`).digest('hex'));
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(60);
    const body = JSON.parse(delivery!.body) as { id: string; event: string; invoice: Record<string, unknown> };
    expect(body).toMatchObject({ event: 'invoice.paid', invoice: { id: invoice.id, paymentHash: invoice.paymentHash, amountMsat: 2_100_000, amountPaidMsat: 2_100_000, memo: 'webhook 2100' } });
    expect(delivery!.headers['satchel-delivery']).toBe(body.id);

    // Paying it again (already paid) sends nothing more.
    await alice.post(`/api/lightning/invoices/${invoice.id}/simulate-payment`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(1);
  });

  it('retries a failing receiver with backoff until it answers 2xx, and lists the attempts', async () => {
    await alice.put('/api/lightning/webhook', { url });
    failNext = 2;
    const invoice = await payInvoice(alice, 3300);
    expect(await eventually(async () => received.length === 3, 10_000)).toBe(true);
    const deliveries = (await alice.get('/api/lightning/webhook/deliveries')).json() as { items: Array<Record<string, unknown>> };
    expect(deliveries.items[0]).toMatchObject({ invoiceId: invoice.id, event: 'invoice.paid', state: 'delivered', attempts: 3, lastStatus: 204 });
    // Every attempt carried the same body.
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
  });

  it('gives up after the last retry and says why', async () => {
    await alice.put('/api/lightning/webhook', { url });
    failNext = 100;
    const invoice = await payInvoice(alice, 4400);
    const failed = await eventually(async () => {
      const items = ((await alice.get('/api/lightning/webhook/deliveries')).json() as { items: Array<{ invoiceId: string; state: string }> }).items;
      return items.some((d) => d.invoiceId === invoice.id && d.state === 'failed');
    }, 10_000);
    expect(failed).toBe(true);
    const item = ((await alice.get('/api/lightning/webhook/deliveries')).json() as { items: Array<Record<string, unknown>> }).items.find((d) => d.invoiceId === invoice.id);
    expect(item).toMatchObject({ attempts: 4, lastStatus: 500, lastError: 'answered 500' });
  });

  it('sends nothing for users without a webhook, and keeps each user to their own', async () => {
    expect((await bob.get('/api/lightning/webhook')).json()).toEqual({ url: null });
    await payInvoice(bob, 5500);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(0);
    expect(((await bob.get('/api/lightning/webhook/deliveries')).json() as { items: unknown[] }).items).toEqual([]);
  });

  it('refuses a URL that is not http(s), with a problem naming the field', async () => {
    for (const bad of ['ftp://example.com/x', 'not a url', 'javascript:alert(1)']) {
      const problem = expectProblem(await alice.put('/api/lightning/webhook', { url: bad }), 400, 'invalid_input');
      expect(problem.errors?.[0]).toMatchObject({ field: 'url' });
    }
    expectProblem(await alice.put('/api/lightning/webhook', { url: 42 }), 400);
  });

  it('removes the webhook', async () => {
    await alice.put('/api/lightning/webhook', { url });
    expect((await alice.delete('/api/lightning/webhook')).statusCode).toBe(204);
    expect((await alice.get('/api/lightning/webhook')).json()).toEqual({ url: null });
    expectProblem(await alice.delete('/api/lightning/webhook'), 404, 'not_found');
    await payInvoice(alice, 6600);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(0);
  });
});

describe('payment webhooks without WEBHOOK_ALLOW_PRIVATE', () => {
  it('refuses loopback, private and metadata addresses at save time', async () => {
    const database = await openTestDatabase('sqlite');
    const satchel = await startLightningInstance(database);
    try {
      const alice = await signedInCaller(satchel.app, 'alice');
      for (const bad of ['http://127.0.0.1:9/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x', 'http://localhost/x']) {
        const problem = expectProblem(await alice.put('/api/lightning/webhook', { url: bad }), 400, 'invalid_input');
        expect(problem.errors?.[0]).toMatchObject({ field: 'url', code: 'url_refused' });
      }
    } finally {
      await satchel.close();
      await database.close();
    }
  });
});
