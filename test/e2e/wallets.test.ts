/**
 * Wallets in a real browser against the real server and a local Esplora: add a wallet by zpub with
 * live validation (a private key and a typo refused as typed, the detected network/script/fingerprint
 * shown), then see its receive and change addresses (the BIP-84 vectors) and a QR code; then a regtest
 * wallet synced from the button, with its balance and transaction.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEsploraServer, type EsploraServer } from '../helpers/chain/esplora-server.js';
import { FakeChain } from '../helpers/chain/fake-chain.js';
import { testAccount } from '../helpers/chain/test-accounts.js';
import { repoRoot, startE2eServer, type SatchelE2eServer } from '../helpers/e2e-server.js';

interface Vector {
  name: string;
  accountKey: string;
  accountXprv: string;
  addresses: Array<{ chain: 0 | 1; index: number; address: string }>;
}
const BIP84 = (JSON.parse(readFileSync(join(repoRoot, 'test/vectors/derivation.json'), 'utf8')) as { vectors: Vector[] }).vectors.find(
  (v) => v.name === 'BIP-84 mainnet account 0',
)!;

const funded = testAccount('p2wpkh', 4);
let server: SatchelE2eServer;
let esplora: EsploraServer;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  const chain = new FakeChain();
  chain.fund([{ address: funded.address(0, 2).address, value: 125_000 }]);
  chain.mine();
  esplora = await startEsploraServer(chain);
  server = await startE2eServer({
    name: 'wallets',
    env: { CHAIN_BACKEND: 'esplora', ESPLORA_URL: esplora.url, WALLET_SYNC_INTERVAL_S: '0' },
  });
  ({ browser, baseUrl } = server);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await esplora?.close();
});

describe('wallets in the browser', () => {
  it('adds a wallet by zpub with live validation and shows its addresses', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const consoleErrors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    try {
      await page.goto(`${baseUrl}/register`);
      await page.getByTestId('field-username').fill('e2e_wallets');
      await page.getByTestId('field-password').fill('a long and unusual passphrase 7');
      await page.getByTestId('field-confirm').fill('a long and unusual passphrase 7');
      await page.getByTestId('register-form').getByRole('button', { name: 'Create account' }).click();
      await page.getByTestId('signed-in-user').waitFor({ timeout: 15_000 });

      await page.goto(`${baseUrl}/wallets`);
      const form = page.getByTestId('wallet-form');
      await form.waitFor({ timeout: 15_000 });
      await page.getByTestId('field-name').fill('Savings');

      // A private key is refused as it is typed (and never sent).
      const source = page.getByTestId('field-source');
      await source.fill(BIP84.accountXprv);
      await source.blur();
      await expect.poll(() => page.getByTestId('field-source-error').textContent()).toMatch(/private key/i);
      expect(await page.getByTestId('wallet-detected').count()).toBe(0);

      // A typo breaks the checksum.
      await source.fill(BIP84.accountKey.slice(0, -1) + (BIP84.accountKey.endsWith('s') ? 't' : 's'));
      await expect.poll(() => page.getByTestId('field-source-error').textContent()).toMatch(/checksum|invalid/i);

      // The real zpub: what was detected is shown before submitting.
      await source.fill(BIP84.accountKey);
      const detected = page.getByTestId('wallet-detected');
      await detected.waitFor();
      expect(await page.getByTestId('field-source-error').count()).toBe(0);
      expect(await detected.locator('[data-detail="kind"] dd').textContent()).toBe('xpub');
      expect(await detected.locator('[data-detail="network"] dd').textContent()).toBe('mainnet');
      expect(await detected.locator('[data-detail="scriptType"] dd').textContent()).toBe('p2wpkh');
      expect(await detected.locator('[data-detail="fingerprint"] dd').textContent()).toMatch(/^[0-9a-f]{8}$/);
      expect(await detected.locator('[data-detail="descriptor"] dd').textContent()).toMatch(/^wpkh\(xpub.+\/<0;1>\/\*\)#[a-z0-9]{8}$/);

      await form.getByRole('button', { name: 'Add wallet' }).click();
      await page.waitForURL(/\/wallets\/[A-Za-z0-9_-]+$/, { timeout: 15_000 });
      expect(await page.getByTestId('wallet-name').textContent()).toBe('Savings');

      const receive = BIP84.addresses.filter((a) => a.chain === 0);
      const rows = page.getByTestId('address-row');
      await rows.first().waitFor({ timeout: 15_000 });
      expect(await rows.count()).toBe(20);
      for (const a of receive) expect(await rows.nth(a.index).locator('code').textContent()).toBe(a.address);
      expect(await page.getByTestId('next-address-value').textContent()).toBe(receive[0]!.address);

      await rows.first().getByRole('button', { name: /QR/ }).click();
      await rows.first().getByTestId('address-qr').waitFor();
      expect(await rows.first().getByTestId('address-qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);

      await page.getByTestId('chain-change').click();
      const change = BIP84.addresses.find((a) => a.chain === 1)!;
      await expect.poll(() => rows.first().locator('code').textContent()).toBe(change.address);

      await page.goto(`${baseUrl}/wallets`);
      await page.getByTestId('wallet-row').first().waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('wallets-table').textContent()).toContain('Savings');

      // A regtest wallet with history on the local chain: sync, balance, transactions.
      await page.getByTestId('field-name').fill('Regtest');
      await page.getByTestId('field-source').fill(funded.descriptor);
      await page.getByTestId('field-network').selectOption('regtest');
      await expect.poll(() => page.getByTestId('wallet-detected').locator('[data-detail="network"] dd').textContent()).toBe('regtest');
      await form.getByRole('button', { name: 'Add wallet' }).click();
      await page.waitForURL(/\/wallets\/[A-Za-z0-9_-]+$/, { timeout: 15_000 });
      await page.getByTestId('sync-button').click();
      await page.getByRole('status').filter({ hasText: 'Synced' }).waitFor({ timeout: 15_000 });
      // The wallet is read again after the sync answered: wait for the new figures.
      await expect.poll(() => page.getByTestId('balance-total').textContent()).toBe('125,000 sats');
      await page.getByTestId('transaction-row').first().waitFor();
      expect(await page.getByTestId('transaction-row').count()).toBe(1);
      expect(await page.getByTestId('transactions-table').textContent()).toContain('+125,000 sats');
    } catch (error) {
      throw new Error(`${(error as Error).message}\nbrowser console errors: ${consoleErrors.join(' | ') || 'none'}`, { cause: error });
    } finally {
      await context.close();
    }
  });
});
