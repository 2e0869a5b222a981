/**
 * The performance dashboard in a real Chromium against the real app: an admin opens /performance while
 * real validation traffic runs; the charts draw live points from the snapshot stream, the cache table
 * lists the validation namespaces, and "Clear" empties one through DELETE /api/performance/cache/:ns.
 * Needs the built web app (built here when web/dist is missing).
 */
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOk, openSignedInPage, signInAdmin, startE2eServer, type SatchelE2eServer } from '../helpers/e2e-server.js';

const USERNAME = 'perf_admin';
const PASSWORD = 'watching the charts move 42';

const CHARTS = ['chart-rps', 'chart-latency', 'chart-errors', 'chart-hit-rate', 'chart-l2', 'chart-memory', 'chart-lag'];

// A few values repeated over and over: the validation caches see reuse, so hit rates climb.
const VALUES: Array<{ type: string; value: string | number }> = [
  { type: 'address', value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' },
  { type: 'address', value: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx' },
  { type: 'address', value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5' },
  { type: 'txid', value: '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b' },
  { type: 'txid', value: 'not a txid' },
  { type: 'amount', value: 50_000 },
  { type: 'username', value: 'satoshi' },
];

let server: SatchelE2eServer;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  server = await startE2eServer({ name: 'perf' });
  ({ browser, baseUrl } = server);
}, 120_000);

afterAll(() => server?.close());

const signIn = () => signInAdmin(baseUrl, { username: USERNAME, password: PASSWORD });

/** Real requests in a loop (two at a time) until stopped; counts answers by status. */
function startTraffic(token: string): { stop: () => Promise<Record<number, number>> } {
  let running = true;
  const statuses: Record<number, number> = {};
  const worker = async (offset: number) => {
    for (let i = offset; running; i += 2) {
      const item = VALUES[i % VALUES.length] as (typeof VALUES)[number];
      const response = await fetch(`${baseUrl}/api/validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(item),
      });
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    }
  };
  const done = Promise.all([worker(0), worker(1)]);
  return {
    stop: async () => {
      running = false;
      await done;
      return statuses;
    },
  };
}

describe('performance dashboard', () => {
  it('the dashboard draws live charts from real traffic', async () => {
    const { token, cookie } = await signIn();
    const traffic = startTraffic(token);
    const { context, page, problems } = await openSignedInPage(browser, baseUrl, cookie);
    let stopped = false;
    try {
      await page.goto(`${baseUrl}/performance`);
      await page.getByTestId('stream-status').and(page.locator('[data-status="live"]')).waitFor({ timeout: 15_000 });

      // Every chart is a uPlot canvas.
      for (const id of CHARTS) await page.locator(`[data-testid="${id}"] canvas`).first().waitFor({ timeout: 15_000 });

      // Requests/s receives live points from the stream, and they are not zero.
      await page.waitForFunction(
        () => {
          const el = document.querySelector<HTMLElement>('[data-testid="chart-rps"]');
          return !!el && Number(el.dataset.liveCount) >= 2 && Number(el.dataset.liveMax) > 0 && Number(el.dataset.last) > 0;
        },
        undefined,
        { timeout: 20_000 },
      );
      const rps = page.getByTestId('chart-rps');
      expect(Number(await rps.getAttribute('data-live-max'))).toBeGreaterThan(0);
      const pointsBefore = Number(await rps.getAttribute('data-points'));
      // …and keeps receiving them: one more point arrives without a reload.
      await page.waitForFunction(
        (before) => Number(document.querySelector<HTMLElement>('[data-testid="chart-rps"]')?.dataset.points) > before,
        pointsBefore,
        { timeout: 10_000 },
      );
      // The hit-rate chart has a series per namespace with hits.
      const hitSeries = (await page.getByTestId('chart-hit-rate').getAttribute('data-namespaces'))?.split(' ') ?? [];
      expect(hitSeries).toEqual(expect.arrayContaining(['validate:address', 'validate:txid', 'validate:username']));

      // The cache table lists the validation namespaces; the traffic has filled the address one.
      const row = page.locator('[data-testid="cache-row"][data-namespace="validate:address"]');
      await page.waitForFunction(
        () => Number(document.querySelector<HTMLElement>('[data-testid="cache-row"][data-namespace="validate:address"]')?.dataset.size) > 0,
        undefined,
        { timeout: 15_000 },
      );
      const namespaces = await page.getByTestId('cache-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.namespace));
      expect(namespaces).toEqual(expect.arrayContaining(['validate:address', 'validate:txid', 'validate:amount', 'validate:username', 'validate:xpub']));

      // A look at the dashboard with traffic on it.
      await page.screenshot({ path: '/tmp/dashboard.png', fullPage: true });

      // Stop the traffic (it would refill the cache), then clear one namespace.
      const statuses = await traffic.stop();
      stopped = true;
      expect(statuses[200] ?? 0).toBeGreaterThan(0);
      expect(Object.keys(statuses)).toEqual(['200']);
      const cleared = page.waitForResponse(
        (r) => r.request().method() === 'DELETE' && r.url() === `${baseUrl}/api/performance/cache/validate%3Aaddress`,
      );
      await row.getByRole('button', { name: 'Clear validate:address' }).click();
      const response = await cleared;
      expect(response.status()).toBe(200);
      expect(await response.json()).toEqual({ cleared: ['validate:address'] });
      await page.locator('[data-testid="cache-row"][data-namespace="validate:address"][data-size="0"]').waitFor({ timeout: 10_000 });
      expect(await row.getByTestId('cache-size').textContent()).toMatch(/^0 \//);
      // The server agrees.
      const cache = (await jsonOk(await fetch(`${baseUrl}/api/performance/cache`, { headers: { authorization: `Bearer ${token}` } }))) as {
        namespaces: Array<{ name: string; l1: { size: number } }>;
      };
      expect(cache.namespaces.find((ns) => ns.name === 'validate:address')?.l1.size).toBe(0);

      expect(problems).toEqual([]);
    } finally {
      if (!stopped) await traffic.stop();
      await context.close();
    }
  }, 90_000);

  it('switches the range and drives the optimizer and alert thresholds', async () => {
    const { cookie } = await signIn();
    const { context, page, problems } = await openSignedInPage(browser, baseUrl, cookie);
    try {
      await page.goto(`${baseUrl}/performance`);
      await page.locator('[data-testid="chart-rps"] canvas').first().waitFor({ timeout: 15_000 });

      // 1 h: the history at 10 s resolution, and the report link follows the range.
      const history = page.waitForResponse((r) => r.url() === `${baseUrl}/api/performance/history?range=1h`);
      await page.getByTestId('range-1h').click();
      expect((await history).status()).toBe(200);
      await page.locator('[data-testid="perf-charts"][data-range="1h"][data-loaded="true"]').waitFor();
      expect(await page.getByTestId('range-1h').getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByTestId('report-link').getAttribute('href')).toBe('/api/performance/report?format=md&range=1h');
      const report = await page.request.get(`${baseUrl}/api/performance/report?format=md&range=1h`);
      expect(report.status()).toBe(200);
      expect(await report.text()).toContain('# Satchel performance report (1h)');

      // The charts follow their container's width (no re-creation: the same canvas element).
      const canvasWidth = () => page.locator('[data-testid="chart-latency"] canvas').first().evaluate((c) => c.getBoundingClientRect().width);
      const wide = await canvasWidth();
      // 420 px: one column, narrower than either column at 1280 px.
      await page.setViewportSize({ width: 420, height: 900 });
      await page.waitForFunction(
        (before) => (document.querySelector('[data-testid="chart-latency"] canvas')?.getBoundingClientRect().width ?? before) < before - 50,
        wide,
        { timeout: 10_000 },
      );
      const box = await page.getByTestId('chart-latency').evaluate((el) => el.getBoundingClientRect().width);
      expect(await canvasWidth()).toBeLessThanOrEqual(box);
      // Nothing else makes the page wider than a phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
      await page.setViewportSize({ width: 1280, height: 900 });

      // Run the optimizer now: a POST with the CSRF token, and the last run is shown.
      const run = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/performance/optimizer/run'));
      await page.getByTestId('optimizer-run').click();
      expect((await run).status()).toBe(200);
      await page.getByTestId('optimizer-panel').getByText(/^Ran: /).waitFor();

      // Settings validate as the user types; a valid change is saved.
      await page.getByTestId('optimizer-panel').locator('summary', { hasText: 'Settings' }).click();
      const margin = page.getByTestId('optimizer-form').getByTestId('field-margin');
      await margin.fill('150');
      await margin.blur();
      expect(await page.getByTestId('field-margin-error').textContent()).toBe('At most 100');
      await page.getByTestId('field-minL1Entries').fill('5000000');
      await page.getByTestId('field-maxL1Entries').fill('100000');
      await page.getByTestId('field-maxL1Entries').blur();
      expect(await page.getByTestId('field-maxL1Entries-error').textContent()).toBe('Must be at least the smallest L1');
      await margin.fill('25');
      await page.getByTestId('field-minL1Entries').fill('1000');
      const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/api/performance/optimizer'));
      await page.getByRole('button', { name: 'Save settings' }).click();
      const savedResponse = await saved;
      expect(savedResponse.request().postDataJSON()).toEqual({ margin: 0.25, maxL1Entries: 100_000 });
      expect(server.satchel.optimizer.settings).toMatchObject({ margin: 0.25, maxL1Entries: 100_000 });

      // Turning it off is one click.
      await page.getByTestId('optimizer-enabled').click();
      await page.locator('[data-testid="optimizer-enabled"]:not(:checked)').waitFor();
      expect(server.satchel.optimizer.settings.enabled).toBe(false);

      // Alert thresholds: shown in percent, sent as a fraction.
      await page.getByTestId('alerts-panel').locator('summary', { hasText: 'Thresholds' }).click();
      await page.getByTestId('field-minHitRate').fill('70');
      const thresholds = page.waitForResponse((r) => r.url().endsWith('/api/performance/alerts/thresholds'));
      await page.getByRole('button', { name: 'Save thresholds' }).click();
      expect((await thresholds).request().postDataJSON()).toEqual({ minHitRate: 0.7 });
      expect(server.satchel.monitor.alerts.thresholds.minHitRate).toBe(0.7);

      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
