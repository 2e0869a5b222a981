/**
 * The accounts in a real browser against the real server: register, sign in, see your name; then the
 * API tokens page (show-once token, revoke) and the admin CSV upload with its per-row report.
 */
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eServer, type SatchelE2eServer } from '../helpers/e2e-server.js';

const USERNAME = 'e2e_alice';
const PASSWORD = 'a long and unusual passphrase 7';

let server: SatchelE2eServer;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  server = await startE2eServer({ name: 'accounts' });
  ({ browser, baseUrl } = server);
}, 120_000);

afterAll(() => server?.close());

async function signedInName(page: Page): Promise<string> {
  const name = page.getByTestId('signed-in-user');
  await name.waitFor({ state: 'visible', timeout: 15_000 });
  return (await name.textContent()) ?? '';
}

describe('accounts in the browser', () => {
  it('registers, signs in and shows the name', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${baseUrl}/register`);
      await page.getByTestId('field-username').fill(USERNAME);
      await page.getByTestId('field-password').fill(PASSWORD);
      await page.getByTestId('field-confirm').fill(PASSWORD);
      await page.getByTestId('register-form').getByRole('button', { name: 'Create account' }).click();
      expect(await signedInName(page)).toContain(USERNAME);

      // The session is an HttpOnly cookie the page's scripts cannot read.
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === 'satchel_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      expect(await page.evaluate(() => document.cookie)).not.toContain('satchel_session');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByTestId('login-form').waitFor();
      expect(await page.getByTestId('signed-in-user').count()).toBe(0);

      await page.getByTestId('field-username').fill(USERNAME);
      await page.getByTestId('field-password').fill(PASSWORD);
      await page.getByTestId('login-form').getByRole('button', { name: 'Sign in' }).click();
      expect(await signedInName(page)).toContain(USERNAME);

      // Still signed in after a reload: the server knows the session.
      await page.reload();
      expect(await signedInName(page)).toContain(USERNAME);
    } finally {
      await context.close();
    }
  });

  it('creates an API token, shows it once, and revokes it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${baseUrl}/login`);
      await page.getByTestId('field-username').fill(USERNAME);
      await page.getByTestId('field-password').fill(PASSWORD);
      await page.getByTestId('login-form').getByRole('button', { name: 'Sign in' }).click();
      await signedInName(page);

      await page.goto(`${baseUrl}/tokens`);
      await page.getByTestId('token-name').fill('e2e script');
      await page.getByTestId('token-form').getByRole('button', { name: 'Create token' }).click();
      const token = await page.getByTestId('new-token-value').inputValue({ timeout: 15_000 });
      expect(token).toMatch(/^sat_[A-Za-z0-9_-]{43}$/);
      await page.getByTestId('token-row').first().waitFor();
      expect(await page.getByTestId('tokens-table').textContent()).not.toContain(token);

      const me = await fetch(`${baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);

      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: /Revoke/ }).first().click();
      await page.getByTestId('token-row').waitFor({ state: 'detached', timeout: 15_000 });
      const after = await fetch(`${baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(after.status).toBe(401);
    } finally {
      await context.close();
    }
  });

  it('lets the admin upload a CSV of users and shows a result per row', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${baseUrl}/login`);
      await page.getByTestId('field-username').fill(USERNAME);
      await page.getByTestId('field-password').fill(PASSWORD);
      await page.getByTestId('login-form').getByRole('button', { name: 'Sign in' }).click();
      await signedInName(page);

      await page.goto(`${baseUrl}/admin`);
      const csv = ['username,password', `csv_bob,${PASSWORD} b`, 'csv_carol,short', `${USERNAME},${PASSWORD}`].join('\n');
      await page.getByTestId('bulk-file').setInputFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.getByTestId('bulk-form').getByRole('button', { name: 'Create users' }).click();
      await page.getByTestId('bulk-report').waitFor({ timeout: 20_000 });
      const rows = page.getByTestId('bulk-row');
      expect(await rows.count()).toBe(3);
      expect(await rows.nth(0).getAttribute('data-ok')).toBe('true');
      expect(await rows.nth(1).getAttribute('data-ok')).toBe('false');
      expect(await rows.nth(2).getAttribute('data-ok')).toBe('false');
      expect(await page.getByTestId('bulk-report').textContent()).toContain('1 created');
      expect(await page.getByTestId('bulk-report').textContent()).not.toContain(PASSWORD);
    } finally {
      await context.close();
    }
  });
});
