/**
 * Long user text (a 700-character memo, a URL-like label without spaces) and a phone-sized screen never
 * make a page wider than the window: tables wrap or scroll inside their own box.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startSatchel, type Satchel } from '../../src/main.js';
import { launchChromium } from '../helpers/browser.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const webRoot = join(repoRoot, 'web', 'dist');

let satchel: Satchel;
let browser: Browser;
let baseUrl: string;
let dataDir: string;

beforeAll(async () => {
  if (!existsSync(join(webRoot, 'index.html'))) {
    execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], { cwd: repoRoot, stdio: 'ignore' });
  }
  dataDir = mkdtempSync(join(tmpdir(), 'satchel-e2e-layout-'));
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent', NETWORK: 'regtest' });
  satchel = await startSatchel(config, { listen: true, webRoot });
  const address = satchel.app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await satchel?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('page layout', () => {
  it.each([1280, 375])('keeps every page within a %i px wide window, long text included', async (width) => {
    const context = await browser.newContext({ baseURL: baseUrl, viewport: { width, height: 800 } });
    try {
      const credentials = { username: `layout_${width}`, password: 'a long and unusual passphrase 6' };
      expect((await context.request.post('/api/auth/register', { data: credentials })).status()).toBe(201);
      const { token } = (await (await context.request.post('/api/auth/login', { data: credentials })).json()) as { token: string };
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
