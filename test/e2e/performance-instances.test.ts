/**
 * The performance dashboard over several instances, in a real Chromium: two real Satchel instances on
 * one database (one data directory) and one real redis-server; validation traffic reaches only B. The
 * browser talks to A (whose snapshot stream is A's own), picks B in the instance picker and sees B's
 * figures: its request count, live req/s points and validation cache hits, none of which A has. Back on
 * "this instance" the page shows A again. When B stops, the page says B is not live and dims its charts.
 * Needs the built web app (built here when web/dist is missing; rebuild after changing web/).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startSatchel, type Satchel } from '../../src/main.js';
import { jsonOk, openSignedInPage, signInAdmin, startE2eServer, type SatchelE2eServer } from '../helpers/e2e-server.js';
import { startRedis, type RedisServerHandle } from '../helpers/redis-server.js';

const A = 'dash-a';
const B = 'dash-b';
const USERNAME = 'instances_admin';
const PASSWORD = 'two instances one dashboard 42';
/** Requests B has answered before the browser picks it: far more than A sees meanwhile. */
const B_REQUESTS = 300;

let redis: RedisServerHandle;
let server: SatchelE2eServer;
let browser: Browser;
let baseUrl: string;
let b: Satchel | undefined;
let bUrl: string;

beforeAll(async () => {
  redis = await startRedis();
  server = await startE2eServer({ name: 'perf-instances', env: { REDIS_URL: redis.url, INSTANCE_ID: A } });
  ({ browser, baseUrl } = server);
  // B: the same data directory (so the same SQLite database and sessions), the same Redis, no web app.
  const env = { DATA_DIR: server.dataDir, PORT: '0', HOST: '127.0.0.1', CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent', REDIS_URL: redis.url, INSTANCE_ID: B };
  b = await startSatchel(loadConfig(env), { listen: true, webRoot: null });
  const address = b.app.server.address();
  if (!address || typeof address === 'string') throw new Error('B has no TCP address');
  bUrl = `http://127.0.0.1:${address.port}`;
}, 120_000);

afterAll(async () => {
  await b?.close();
  await server?.close();
  await redis?.stop();
});

/** The first account, registered and signed in on A: the admin. */
const signIn = () => signInAdmin(baseUrl, { username: USERNAME, password: PASSWORD });

/** Validation requests to B only (two at a time, a short pause each), counted, until stopped. */
function trafficOnB(token: string): { answered: () => number; stop: () => Promise<Record<number, number>> } {
  let running = true;
  let answered = 0;
  const statuses: Record<number, number> = {};
  const values = [
    { type: 'txid', value: '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b' },
    { type: 'address', value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' },
  ];
  const worker = async (offset: number) => {
    for (let i = offset; running; i += 2) {
      const response = await fetch(`${bUrl}/api/validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(values[i % values.length]),
      });
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      answered++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const done = Promise.all([worker(0), worker(1)]);
  return {
    answered: () => answered,
    stop: async () => {
      running = false;
      await done;
      return statuses;
    },
  };
}

async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const dataset = (page: Page, testId: string, key: string) =>
  page.evaluate(([id, k]) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`)?.dataset[k as string] ?? null, [testId, key] as const);

describe('performance dashboard with several instances', () => {
  it("shows B's charts and figures on a page served by A, and says when B stops", async () => {
    const { token, cookie } = await signIn();
    const traffic = trafficOnB(token);
    // A 404 for B's figures once B has gone is expected (the page shows it); nothing else is.
    const { context, page, problems } = await openSignedInPage(browser, baseUrl, cookie, { expectedConsole: (text) => text.includes('404') });
    let stopped = false;
    try {
      await page.goto(`${baseUrl}/performance`);
      // This instance by default: A's own stream, A's figures.
      await page.getByTestId('stream-status').and(page.locator('[data-status="live"]')).waitFor({ timeout: 15_000 });
      await page.locator(`[data-testid="perf-instance"][data-instance="${A}"]`).waitFor({ timeout: 10_000 });
      // The picker appears once A lists B (published through Redis each second, listed every 5 s).
      const picker = page.getByTestId('instance-select');
      await page.locator(`[data-testid="instance-select"] option[value="${B}"]`).waitFor({ state: 'attached', timeout: 15_000 });
      expect(await picker.inputValue()).toBe('');
      expect(await picker.locator('option').allTextContents()).toEqual([`${A} (this instance)`, B]);
      await page.locator(`[data-testid="instances-table"] tr[data-instance="${B}"]`).waitFor();

      await waitUntil(() => traffic.answered() >= B_REQUESTS, 60_000, `${B_REQUESTS} requests on B`);
      const answeredBefore = traffic.answered();

      // Pick B: its history with ?instance=, then its snapshot every second; its alerts too.
      const history = page.waitForResponse((r) => r.url() === `${baseUrl}/api/performance/history?range=15m&instance=${B}`);
      const alerts = page.waitForResponse((r) => r.url() === `${baseUrl}/api/performance/alerts?instance=${B}`);
      const polled = page.waitForResponse((r) => r.url() === `${baseUrl}/api/performance/metrics?instance=${B}`);
      await picker.selectOption(B);
      expect((await history).status()).toBe(200);
      expect((await alerts).status()).toBe(200);
      expect((await polled).status()).toBe(200);
      await page.locator(`[data-testid="instance-status"][data-instance="${B}"][data-status="live"]`).waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('instance-status').textContent()).toBe(`${B} · Live (polled every second)`);
      await page.locator(`[data-testid="perf-charts"][data-instance="${B}"][data-loaded="true"][data-live="true"]`).waitFor({ timeout: 10_000 });
      await page.locator(`[data-testid="perf-instance"][data-instance="${B}"]`).waitFor();
      expect(await page.locator(`[data-testid="instances-table"] tr[data-instance="${B}"]`).getAttribute('aria-current')).toBe('true');

      // B's request count: at least what B had answered before the switch, far above A's own.
      const shownRequests = async () => Number(await dataset(page, 'perf-requests', 'value'));
      await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('[data-testid="perf-requests"]')?.dataset.value) >= n, answeredBefore, { timeout: 10_000 });
      const ofB = await shownRequests();
      const aNow = (await jsonOk(await fetch(`${baseUrl}/api/performance/metrics`, { headers: { authorization: `Bearer ${token}` } }))) as {
        instance: string;
        http: { totals: { requests: number } };
      };
      expect(aNow.instance).toBe(A);
      expect(aNow.http.totals.requests).toBeLessThan(answeredBefore);
      expect(ofB).toBeGreaterThan(aNow.http.totals.requests);

      // B's live chart points arrive every second, at B's rate (A serves a few polls a second).
      await page.waitForFunction(
        () => {
          const el = document.querySelector<HTMLElement>('[data-testid="chart-rps"]');
          return !!el && Number(el.dataset.liveCount) >= 3 && Number(el.dataset.liveMax) >= 20;
        },
        undefined,
        { timeout: 15_000 },
      );
      const pointsBefore = Number(await dataset(page, 'chart-rps', 'points'));
      await page.waitForFunction(
        (before) => Number(document.querySelector<HTMLElement>('[data-testid="chart-rps"]')?.dataset.points) > before,
        pointsBefore,
        { timeout: 10_000 },
      );
      // B's validation caches have hits; A validated nothing.
      const hitSeries = (await page.getByTestId('chart-hit-rate').getAttribute('data-namespaces'))?.split(' ') ?? [];
      expect(hitSeries).toEqual(expect.arrayContaining(['validate:txid', 'validate:address']));
      // B's caches, read-only (clearing acts on the instance the page talks to).
      await page.waitForFunction(
        () => Number(document.querySelector<HTMLElement>('[data-testid="cache-row"][data-namespace="validate:txid"]')?.dataset.size) > 0,
        undefined,
        { timeout: 10_000 },
      );
      await page.getByTestId('cache-read-only').waitFor();
      expect(await page.getByTestId('cache-clear').count()).toBe(0);
      await page.screenshot({ path: '/tmp/dashboard-instance-b.png', fullPage: true });

      // Back to this instance: A's stream, A's figures, the clear buttons.
      await picker.selectOption('');
      await page.getByTestId('stream-status').and(page.locator('[data-status="live"]')).waitFor({ timeout: 10_000 });
      await page.locator(`[data-testid="perf-instance"][data-instance="${A}"]`).waitFor({ timeout: 10_000 });
      await page.locator('[data-testid="perf-charts"][data-instance=""][data-loaded="true"]').waitFor({ timeout: 10_000 });
      expect(await shownRequests()).toBeLessThan(answeredBefore);
      expect((await page.getByTestId('chart-hit-rate').getAttribute('data-namespaces'))?.split(' ') ?? []).not.toContain('validate:txid');
      expect(await page.getByTestId('cache-read-only').count()).toBe(0);

      // B again, then B stops: the page says B is not live and dims its charts instead of freezing them.
      await picker.selectOption(B);
      await page.locator(`[data-testid="instance-status"][data-instance="${B}"][data-status="live"]`).waitFor({ timeout: 10_000 });
      const statuses = await traffic.stop();
      stopped = true;
      expect(Object.keys(statuses)).toEqual(['200']);
      await b?.close();
      b = undefined;
      await page.getByTestId('instance-not-live').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('instance-not-live').textContent()).toContain(`${B} is not live`);
      expect(['stale', 'gone']).toContain(await dataset(page, 'instance-status', 'status'));
      expect(await dataset(page, 'instance-status', 'live')).toBe('false');
      expect(await dataset(page, 'perf-charts', 'live')).toBe('false');
      // The instances table agrees at once (its own list is fetched every 5 s).
      expect(await page.locator(`[data-testid="instances-table"] tr[data-instance="${B}"]`).getAttribute('data-live')).toBe('false');
      await page.screenshot({ path: '/tmp/dashboard-instance-b-gone.png', fullPage: true });

      expect(problems).toEqual([]);
    } finally {
      if (!stopped) await traffic.stop();
      await context.close();
    }
  }, 120_000);
});
