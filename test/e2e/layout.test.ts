/**
 * Long user text (a 700-character memo, a URL-like label without spaces) and a phone-sized screen never
 * make a page wider than the window: tables wrap or scroll inside their own box.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startE2eServer, type SatchelE2eServer } from '../helpers/e2e-server.js';

let server: SatchelE2eServer;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  server = await startE2eServer({ name: 'layout', env: { NETWORK: 'regtest' } });
  ({ browser, baseUrl } = server);
}, 120_000);

afterAll(() => server?.close());

describe('page layout', () => {
  it.each([1280, 375])('keeps every page within a %i px wide window, long text included', async (width) => {
    const context = await browser.newContext({ baseURL: baseUrl, viewport: { width, height: 800 } });
    try {
      const credentials = { username: `layout_${width}`, password: 'a long and unusual passphrase 6' };
      const { token } = await signUp(context, credentials);
      const headers = { authorization: `Bearer ${token}` };
      expect((await context.request.post('/api/lightning/invoices', { data: { amountSat: 5, memo: 'm'.repeat(700) }, headers })).status()).toBe(201);
      const label = `https://example.com/${'y'.repeat(230)}`;
      expect((await context.request.put(`/api/notes/tx/${'a'.repeat(64)}`, { data: { note: label }, headers })).status()).toBeLessThan(300);

      const page = await context.newPage();
      for (const path of ['/lightning', '/notes', '/wallets', '/validate', '/tokens']) {
        await page.goto(`${baseUrl}${path}`);
        await page.locator('h1').first().waitFor();
        if (path === '/lightning') await page.getByTestId('invoice-table').waitFor();
        if (path === '/notes') await page.getByText('yyyyyyyy', { exact: false }).first().waitFor();
        expect(await page.evaluate(() => document.documentElement.scrollWidth), `${path} at ${width} px`).toBeLessThanOrEqual(width);
      }
    } finally {
      await context.close();
    }
  });
});
