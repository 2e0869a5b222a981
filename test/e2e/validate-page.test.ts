/**
 * The built web app in a real Chromium: validation as you type on /validate (no server round trip),
 * client-side navigation and live form validation on sign-in. The built app (built when web/dist is
 * missing) is served by a small static server with a stubbed /api.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startE2eServer, type E2eServer } from '../helpers/e2e-server.js';

const VALID_MAINNET = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'; // BIP-173 test vector (P2WPKH)
const BAD_CHECKSUM = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5';
const VALID_TESTNET = 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx'; // BIP-173 test vector (P2WPKH)

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const seen: SeenRequest[] = [];

function json(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  response.writeHead(status, { 'content-type': type });
  response.end(JSON.stringify(body));
}

/** A server without a session: enough API for the shell (health, me, csrf) and a refused login. */
async function stubApi(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  seen.push({ method: request.method ?? 'GET', url: request.url ?? '', headers: request.headers, body });
  const problem = 'application/problem+json';
  switch (`${request.method} ${request.url}`) {
    case 'GET /api/health':
      return json(response, 200, { status: 'ok', network: 'mainnet' });
    case 'GET /api/auth/me':
      return json(response, 401, { type: 'urn:satchel:problem:unauthorized', title: 'Not signed in', status: 401 }, problem);
    case 'GET /api/auth/csrf':
      return json(response, 200, { token: 'csrf-test-token' });
    case 'POST /api/auth/login':
      return json(
        response,
        401,
        {
          type: 'urn:satchel:problem:invalid_credentials',
          title: 'Wrong username or password',
          status: 401,
          detail: 'Wrong username or password',
        },
        problem,
      );
    default:
      return json(response, 404, { type: 'urn:satchel:problem:not_found', title: 'Not found', status: 404 }, problem);
  }
}

let server: E2eServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  server = await startE2eServer({ api: stubApi });
  ({ browser } = server);
}, 120_000);

afterAll(() => server?.close());

beforeEach(async () => {
  seen.length = 0;
  pageErrors = [];
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterEach(async () => {
  await context?.close();
  expect(pageErrors).toEqual([]);
});

async function openValidate(): Promise<void> {
  await page.goto(`${server.baseUrl}/validate`);
  await page.getByTestId('validate-type').waitFor();
  await page.getByTestId('validate-type').selectOption('address');
}

describe('validate page', () => {
  it('shows a valid mainnet P2WPKH address with its network and script type as it is typed', async () => {
    await openValidate();
    await page.getByTestId('validate-input').fill(VALID_MAINNET);
    const result = page.locator('[data-testid="validate-result"][data-valid="true"]');
    await result.waitFor();
    const text = await result.innerText();
    expect(text).toContain('Valid');
    expect(text).toContain('mainnet');
    expect(text.toLowerCase()).toContain('p2wpkh');
  });

  it('shows a bad bech32 checksum as invalid with the reason and its code', async () => {
    await openValidate();
    await page.getByTestId('validate-input').fill(BAD_CHECKSUM);
    const result = page.locator('[data-testid="validate-result"][data-valid="false"]');
    await result.waitFor();
    const text = await result.innerText();
    expect(text).toContain('Invalid');
    expect(text.toLowerCase()).toContain('checksum');
    expect(await result.locator('.issue-code').first().innerText()).toMatch(/^[a-z0-9_]+$/);
  });

  it('trims the single value before validating it (SPEC: the UI trims)', async () => {
    await openValidate();
    await page.getByTestId('validate-input').fill(`  ${VALID_MAINNET}\t`);
    await page.locator('[data-testid="validate-result"][data-valid="true"]').waitFor();
  });

  it('validates pasted lines one by one, skips blank lines and counts valid and invalid', async () => {
    await openValidate();
    await page.getByTestId('validate-many').fill(`${VALID_MAINNET}\n\n  ${VALID_TESTNET}  \n${BAD_CHECKSUM}\n`);
    await page.getByTestId('validate-summary').filter({ hasText: '2 valid / 1 invalid' }).waitFor();
    const rows = page.getByTestId('result-row');
    expect(await rows.count()).toBe(3);
    // Line numbers are those of the pasted text, blank line included.
    expect(await rows.locator('.line-no').allInnerTexts()).toEqual(['1', '3', '4']);
    expect(await rows.nth(2).getAttribute('data-valid')).toBe('false');

    // With a network chosen, the testnet address is valid but for the wrong network.
    await page.getByTestId('validate-network').selectOption('mainnet');
    await page.getByTestId('validate-summary').filter({ hasText: '1 valid / 2 invalid' }).waitFor();
    expect(await rows.nth(1).innerText()).toContain('wrong_network');

    await page.getByTestId('validate-input').fill(VALID_MAINNET);
    await page.locator('[data-testid="validate-result"][data-valid="true"]').waitFor();
    await page.getByTestId('network-badge').waitFor();
    await page.screenshot({ path: '/tmp/validate-page.png', fullPage: true });
  });

  it('parses amount text as a number before validating it', async () => {
    await openValidate();
    await page.getByTestId('validate-type').selectOption('amount');
    await page.getByTestId('validate-input').fill('50000');
    await page.locator('[data-testid="validate-result"][data-valid="true"]').waitFor();
    await page.getByTestId('validate-input').fill('0');
    await page.locator('[data-testid="validate-result"][data-valid="false"]').waitFor();
  });
});

describe('shell', () => {
  it('navigates between pages without reloading and marks the current link', async () => {
    await openValidate();
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 1;
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallets' }).click();
    await page.getByTestId('sign-in-required').waitFor();
    expect(new URL(page.url()).pathname).toBe('/wallets');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    expect(await page.getByRole('link', { name: 'Wallets' }).getAttribute('aria-current')).toBe('page');

    await page.goBack();
    await page.getByTestId('validate-input').waitFor();
    await page.goto(`${server.baseUrl}/no-such-page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  });

  it('validates the sign-in form live and shows the server problem detail', async () => {
    await page.goto(`${server.baseUrl}/login`);
    const username = page.getByTestId('field-username');
    await username.fill('A!');
    await username.blur();
    await page.getByTestId('field-username-error').waitFor();
    expect(await username.getAttribute('aria-invalid')).toBe('true');

    await username.fill('alice');
    await page.getByTestId('field-username-error').waitFor({ state: 'detached' });
    await page.getByTestId('field-password').fill('not the right one');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByTestId('form-error');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('Wrong username or password');

    const login = seen.find((r) => r.method === 'POST' && r.url === '/api/auth/login');
    expect(login?.headers['content-type']).toBe('application/json');
    expect(login?.headers['x-csrf-token']).toBe('csrf-test-token');
    expect(JSON.parse(login?.body ?? '{}')).toEqual({ username: 'alice', password: 'not the right one' });
    expect(await page.evaluate(() => window.localStorage.length)).toBe(0);
  });
});
