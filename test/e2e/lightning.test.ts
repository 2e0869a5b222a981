/**
 * Lightning in a real browser against the real server (dev node): create an invoice in the UI (BTC unit,
 * live validation), see its QR code and BOLT 11 text, simulate the payment and see the status turn paid,
 * in the invoice card and in the list; bulk invoices from pasted lines; the payment webhook panel.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIndependently } from '../helpers/bolt11-independent.js';
import { signUp, startE2eServer, type SatchelE2eServer } from '../helpers/e2e-server.js';

let server: SatchelE2eServer;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  server = await startE2eServer({ name: 'lightning', env: { NETWORK: 'regtest', WEBHOOK_ALLOW_PRIVATE: '1' } });
  ({ browser, baseUrl } = server);
}, 120_000);

afterAll(() => server?.close());

describe('Lightning in the browser', () => {
  it('creates an invoice with a QR code, simulates its payment and shows it paid', async () => {
    const context = await browser.newContext({ baseURL: baseUrl });
    const page = await context.newPage();
    try {
      // Signed in through the API: the session cookie lands in the browser context.
      const credentials = { username: 'e2e_lightning', password: 'a long and unusual passphrase 9' };
      await signUp(context, credentials);

      await page.goto(`${baseUrl}/lightning`);
      await page.getByTestId('invoice-form').waitFor({ timeout: 15_000 });
      await page.getByTestId('node-info').getByText('dev node').waitFor();

      // Live validation: a bad amount is named before anything is sent.
      await page.getByTestId('unit-btc').click();
      await page.getByTestId('field-amount').fill('0.000000001');
      await page.getByTestId('field-amount').blur();
      await expect.poll(() => page.getByTestId('field-amount-error').textContent()).toMatch(/8 decimals/);

      await page.getByTestId('field-amount').fill('0.00001500');
      await page.getByTestId('field-memo').fill('e2e coffee');
      await page.getByTestId('invoice-form').getByRole('button', { name: 'Create invoice' }).click();

      const card = page.getByTestId('invoice-card');
      await card.waitFor({ timeout: 15_000 });
      const qr = card.getByTestId('invoice-qr');
      await qr.waitFor();
      expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
      const bolt11 = await card.getByTestId('invoice-bolt11').inputValue();
      expect(bolt11).toMatch(/^lnbcrt/);
      const decoded = decodeIndependently(bolt11);
      expect(decoded.amountMsat).toBe(1_500_000n);
      expect(decoded.description).toBe('e2e coffee');
      expect(await card.getByTestId('invoice-status').getAttribute('data-status')).toBe('pending');

      const row = page.getByTestId('invoice-row').filter({ hasText: 'e2e coffee' });
      await row.waitFor({ timeout: 15_000 });

      await card.getByTestId('simulate-payment').click();
      await card.locator('[data-status="paid"]').waitFor({ timeout: 15_000 });
      await row.locator('[data-status="paid"]').waitFor({ timeout: 15_000 });

      const stored = await server.satchel.database.db.selectFrom('lightning_invoices').select(['status', 'memo']).where('bolt11', '=', bolt11).executeTakeFirst();
      expect(stored).toEqual({ status: 'paid', memo: 'e2e coffee' });
    } finally {
      await context.close();
    }
  });

  it('creates invoices in bulk from pasted lines, reports each line and offers the CSV', async () => {
    const context = await browser.newContext({ baseURL: baseUrl, acceptDownloads: true });
    const page = await context.newPage();
    try {
      const credentials = { username: 'e2e_bulk', password: 'a long and unusual passphrase 8' };
      await signUp(context, credentials);
      await page.goto(`${baseUrl}/lightning`);
      await page.getByTestId('bulk-lines').fill('amount,memo\n1500,coffee\n21000,"book, paperback"\nabc,bad one\n,tip');
      await expect.poll(() => page.getByTestId('bulk-summary').textContent()).toMatch(/4 invoices, 1 with an amount/);
      await page.getByTestId('bulk-form').getByRole('button', { name: 'Create invoices' }).click();
      await page.getByTestId('bulk-report').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('bulk-report').getByRole('status').textContent()).toContain('3 created, 1 failed');
      const rows = page.getByTestId('bulk-row');
      expect(await rows.count()).toBe(4);
      expect(await rows.nth(2).textContent()).toMatch(/amountSat/);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bulk-download').click()]);
      const csv = await (await download.createReadStream()).toArray();
      const text = Buffer.concat(csv as Buffer[]).toString('utf8');
      expect(text.split('\r\n')[0]).toBe('id,amount_msat,memo,status,created_at,expires_at,payment_hash,bolt11');
      expect(text).toContain('"book, paperback"');
      expect(text.trim().split('\r\n')).toHaveLength(4);
    } finally {
      await context.close();
    }
  });

  it('sets a payment webhook, shows its secret once, and lists the delivery of a paid invoice', async () => {
    const received: string[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push(body);
        response.statusCode = 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const context = await browser.newContext({ baseURL: baseUrl });
    const page = await context.newPage();
    try {
      const credentials = { username: 'e2e_webhook', password: 'a long and unusual passphrase 7' };
      const { token } = await signUp(context, credentials);
      await page.goto(`${baseUrl}/lightning`);
      const panel = page.getByTestId('webhook-panel');
      await panel.getByRole('textbox').fill(hookUrl);
      await panel.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => page.getByTestId('webhook-secret').textContent(), { timeout: 10_000 }).toMatch(/whsec_/);
      expect(await page.getByTestId('webhook-url').textContent()).toBe(hookUrl);

      const auth = { authorization: `Bearer ${token}` };
      const invoice = (await (await context.request.post('/api/lightning/invoices', { data: { amountSat: 777 }, headers: auth })).json()) as { id: string };
      expect((await context.request.post(`/api/lightning/invoices/${invoice.id}/simulate-payment`, { headers: auth })).status()).toBe(200);
      await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
      expect(JSON.parse(received[0]!)).toMatchObject({ event: 'invoice.paid', invoice: { id: invoice.id } });
      await page.reload();
      await expect.poll(() => page.getByTestId('webhook-deliveries').textContent(), { timeout: 10_000 }).toMatch(/delivered/);
    } finally {
      await context.close();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
