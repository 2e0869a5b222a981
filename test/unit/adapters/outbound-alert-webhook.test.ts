/**
 * Alert webhook (issue 7) against a real local HTTP server: an alert that fires and clears is POSTed
 * twice, in order, signed; failures are retried with backoff; the outbound URL rules of SPEC ("Outbound
 * URLs") hold at start-up and at connect time unless WEBHOOK_ALLOW_PRIVATE=1.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertWebhook, assertAlertWebhookUrl } from '../../../src/adapters/outbound/alert-webhook.js';
import { refusedAddressReason } from '../../../src/adapters/outbound/url-guard.js';
import { webhookPoster } from '../../../src/adapters/outbound/webhook-poster.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { AlertEngine, type AlertInput } from '../../../src/perf/alerts.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server | undefined;
const webhooks: AlertWebhook[] = [];
afterEach(async () => {
  for (const w of webhooks.splice(0)) await w.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A receiver answering with `statuses` in turn (then 204); resolves its URL. */
async function receiver(statuses: number[] = []): Promise<{ url: string; received: Received[]; attempts: () => number }> {
  const received: Received[] = [];
  let attempts = 0;
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      attempts++;
      const status = statuses.shift() ?? 204;
      if (status < 300) received.push({ headers: request.headers, body });
      response.writeHead(status, status >= 300 && status < 400 ? { location: 'http://127.0.0.1:1/elsewhere' } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alerts`, received, attempts: () => attempts };
}

const openPoster = webhookPoster({ refuseAddress: () => null, timeoutMs: 2000 }); // WEBHOOK_ALLOW_PRIVATE=1
const guardedPoster = webhookPoster({ refuseAddress: refusedAddressReason, timeoutMs: 2000 });

function webhook(url: string, extra: Partial<ConstructorParameters<typeof AlertWebhook>[0]> = {}): AlertWebhook {
  const w = new AlertWebhook({ url, instanceId: 'i-1', poster: openPoster, initialDelayMs: 5, maxDelayMs: 20, ...extra });
  webhooks.push(w);
  return w;
}

const quiet: AlertInput = { now: 0, l2State: 'closed', p99Ms: 5, requests: 10, errorRate: 0, lagMs: 1, namespaces: [] };

describe('alert webhook', () => {
  it('POSTs an alert when it fires and when it clears, in order, signed with ALERT_WEBHOOK_SECRET', async () => {
    const { url, received } = await receiver();
    const w = webhook(url, { secret: 's3cret', now: () => 1_700_000_000_000 });
    const engine = new AlertEngine((alert, state) => w.notify(alert, state));
    engine.thresholds.l2DownForS = 0;
    engine.evaluate({ ...quiet, now: 1000, l2State: 'open' });
    engine.evaluate({ ...quiet, now: 4000, l2State: 'closed' });
    await w.idle();

    expect(received.map((r) => JSON.parse(r.body).event)).toEqual(['alert.fired', 'alert.cleared']);
    const [fired, cleared] = received.map((r) => JSON.parse(r.body));
    expect(fired).toMatchObject({ instance: 'i-1', alert: { rule: 'l2_down', startedAt: new Date(1000).toISOString() } });
    expect(cleared).toMatchObject({ alert: { rule: 'l2_down', endedAt: new Date(4000).toISOString() } });
    for (const r of received) {
      expect(r.headers['content-type']).toBe('application/json');
      const signature = r.headers['satchel-signature'] as string;
      expect(signature).toBe(`t=1700000000,v1=${createHmac('sha256', 's3cret').update(`1700000000.${r.body}`).digest('hex')}`);
    }
  });

  it('sends no signature header without a secret', async () => {
    const { url, received } = await receiver();
    const w = webhook(url);
    w.notify({ rule: 'high_p99' }, 'opened');
    await w.idle();
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['satchel-signature']).toBeUndefined();
  });

  it('retries a failed delivery with backoff, and does not follow redirects', async () => {
    const { url, received, attempts } = await receiver([500, 302, 503]);
    const errors: unknown[] = [];
    const w = webhook(url, { onError: (e) => errors.push(e) });
    w.notify({ rule: 'error_rate' }, 'opened');
    await w.idle();
    expect(attempts()).toBe(4);
    expect(received).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('gives up after maxAttempts and reports it, without ever throwing to the caller', async () => {
    const { url, attempts } = await receiver([500, 500, 500, 500]);
    const errors: string[] = [];
    const w = webhook(url, { maxAttempts: 3, onError: (e, context) => errors.push(`${context}: ${(e as Error).message}`) });
    expect(() => w.notify({ rule: 'event_loop_lag' }, 'opened')).not.toThrow();
    await w.idle();
    expect(attempts()).toBe(3);
    expect(errors).toEqual(['alert webhook alert.fired not delivered: alert webhook answered 500']);
  });

  it('refuses to connect to a private address at connect time unless WEBHOOK_ALLOW_PRIVATE=1', async () => {
    const { url, attempts } = await receiver();
    const errors: string[] = [];
    const w = webhook(`http://localhost:${new URL(url).port}/x`, { poster: guardedPoster, maxAttempts: 1, onError: (e) => errors.push((e as Error).message) });
    w.notify({ rule: 'l2_down' }, 'opened');
    await w.idle();
    expect(attempts()).toBe(0);
    expect(errors[0]).toMatch(/localhost resolves to a loopback, private, link-local or reserved address/);
  });
});

describe('ALERT_WEBHOOK_URL (start-up check and config)', () => {
  const resolve = async (host: string) => ({ 'public.example': ['93.184.215.14'], 'internal.example': ['10.1.2.3'], 'v6only.example': ['fd00::5'], 'meta.example': ['169.254.169.254'] })[host] ?? [];

  it.each([
    ['http://127.0.0.1/hook', /127\.0\.0\.1 is a loopback/],
    ['http://[::1]:8080/hook', /::1 is a loopback/],
    ['http://[::ffff:127.0.0.1]/hook', /loopback/],
    ['http://[::ffff:a9fe:a9fe]/hook', /reserved/], // mapped 169.254.169.254
    ['http://169.254.169.254/latest/meta-data', /169\.254\.169\.254 is/],
    ['http://[fe80::1]/hook', /fe80::1 is/],
    ['https://internal.example/hook', /internal\.example resolves to 10\.1\.2\.3/],
    ['https://v6only.example/hook', /resolves to fd00::5/],
    ['https://meta.example/hook', /resolves to 169\.254\.169\.254/],
  ])('refuses %s at start-up with a ConfigError naming the variable', async (url, reason) => {
    const error = await assertAlertWebhookUrl(url, false, resolve).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('ALERT_WEBHOOK_URL');
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toContain('\n');
  });

  it('accepts a public URL, and a private one with WEBHOOK_ALLOW_PRIVATE=1 (the scheme rule still holds)', async () => {
    await expect(assertAlertWebhookUrl('https://public.example/hook', false, resolve)).resolves.toBeUndefined();
    await expect(assertAlertWebhookUrl('http://127.0.0.1:9/hook', true)).resolves.toBeUndefined();
    await expect(assertAlertWebhookUrl('ftp://127.0.0.1/hook', true)).rejects.toThrow(/only http and https/);
  });

  it('loadConfig refuses a bad ALERT_WEBHOOK_URL, or a secret without a URL, in one line', () => {
    expect(() => loadConfig({ ALERT_WEBHOOK_URL: 'not a url' })).toThrow(/^Invalid setting ALERT_WEBHOOK_URL: not a URL$/);
    expect(() => loadConfig({ ALERT_WEBHOOK_URL: 'ftp://example.com/x' })).toThrow(/^Invalid setting ALERT_WEBHOOK_URL: expected a https\|http URL$/);
    expect(() => loadConfig({ ALERT_WEBHOOK_SECRET: 'x' })).toThrow(/ALERT_WEBHOOK_SECRET/);
    expect(loadConfig({ ALERT_WEBHOOK_URL: 'https://example.com/hook', ALERT_WEBHOOK_SECRET: 'k' }).alertWebhook).toEqual({ url: 'https://example.com/hook', secret: 'k' });
    expect(loadConfig({}).alertWebhook).toBeUndefined();
  });
});
