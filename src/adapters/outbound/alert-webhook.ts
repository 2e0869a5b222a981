/**
 * Alert webhook (issue 7, ALERT_WEBHOOK_URL): every alert that fires or clears is POSTed as JSON to one
 * URL, in the background — `notify` never blocks or throws. Retried with exponential backoff
 * (cockatiel); a non-2xx answer or a refused/unreachable address is a failed attempt. Signed when
 * ALERT_WEBHOOK_SECRET is set, the way payment webhooks are (Stripe/BTCPay style):
 *   Satchel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
 * The URL obeys SPEC "Outbound URLs": checked at start-up (assertAlertWebhookUrl) and, through the
 * poster's lookup, at every connect; redirects are never followed.
 */
import { createHmac } from 'node:crypto';
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import type { WebhookPoster } from '../../domain/lightning/payment-webhooks.js';
import { ConfigError } from '../../config.js';
import { outboundUrlGuard } from './url-guard.js';

export const ALERT_SIGNATURE_HEADER = 'satchel-signature';

/** What is sent: the alert as the API shows it, plus which transition this is and who saw it. */
export interface AlertWebhookEvent {
  event: 'alert.fired' | 'alert.cleared';
  instance: string;
  alert: object;
}

export interface AlertWebhookOptions {
  url: string;
  secret?: string;
  instanceId: string;
  poster: WebhookPoster;
  /** Attempts in all (default 6: about a minute of backoff from 1 s, doubling, capped at 30 s). */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Undelivered events kept while earlier ones are retried; the oldest is dropped past it. */
  maxQueued?: number;
  onError?: (error: unknown, context: string) => void;
  now?: () => number;
}

export function signAlert(secret: string, timestampS: number, body: string): string {
  return `t=${timestampS},v1=${createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex')}`;
}

/** Start-up ("save time") check of ALERT_WEBHOOK_URL: a ConfigError naming the variable when refused. */
export async function assertAlertWebhookUrl(url: string, allowPrivate: boolean, resolve?: (host: string) => Promise<string[]>): Promise<void> {
  try {
    await outboundUrlGuard({ allowPrivate, ...(resolve ? { resolve } : {}) }).check(url);
  } catch (error) {
    throw new ConfigError('ALERT_WEBHOOK_URL', `${(error as Error).message} (SPEC "Outbound URLs"; WEBHOOK_ALLOW_PRIVATE=1 lifts the address rule)`);
  }
}

export class AlertWebhook {
  private readonly queue: AlertWebhookEvent[] = [];
  private sending: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly policy;
  private closed = false;

  constructor(private readonly options: AlertWebhookOptions) {
    this.policy = retry(handleAll, {
      maxAttempts: (options.maxAttempts ?? 6) - 1,
      backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 1000, maxDelay: options.maxDelayMs ?? 30_000 }),
    }).dangerouslyUnref();
  }

  /** Queues one fire/clear; returns at once. */
  notify(alert: object, state: 'opened' | 'closed'): void {
    if (this.closed) return;
    this.queue.push({ event: state === 'opened' ? 'alert.fired' : 'alert.cleared', instance: this.options.instanceId, alert: { ...alert } });
    const max = this.options.maxQueued ?? 100;
    if (this.queue.length > max) {
      this.queue.splice(0, this.queue.length - max);
      this.options.onError?.(new Error(`more than ${max} alert webhooks waiting: oldest dropped`), 'alert webhook');
    }
    this.sending ??= this.pump().finally(() => {
      this.sending = undefined;
    });
  }

  /** Resolves when everything queued was delivered or given up. */
  async idle(): Promise<void> {
    while (this.sending) await this.sending;
  }

  /** Stops retrying; what is still queued is dropped. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.abort.abort();
    await this.sending?.catch(() => undefined);
  }

  /** In order, one at a time: a "cleared" never overtakes its "fired". */
  private async pump(): Promise<void> {
    for (let event = this.queue.shift(); event !== undefined && !this.closed; event = this.queue.shift()) {
      const body = JSON.stringify({ ...event, sentAt: new Date((this.options.now ?? Date.now)()).toISOString() });
      try {
        await this.policy.execute(() => this.post(body), this.abort.signal);
      } catch (error) {
        if (!this.closed) this.options.onError?.(error, `alert webhook ${event.event} not delivered`);
      }
    }
  }

  private async post(body: string): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'satchel-alerts' };
    if (this.options.secret) headers[ALERT_SIGNATURE_HEADER] = signAlert(this.options.secret, Math.floor((this.options.now ?? Date.now)() / 1000), body);
    const { status } = await this.options.poster.post(this.options.url, body, headers);
    if (status < 200 || status >= 300) throw new Error(`alert webhook answered ${status}`);
  }
}
