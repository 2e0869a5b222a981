/**
 * Payment webhooks (issue 6: "optional per-user webhook on payment, signed with HMAC, retried with
 * backoff"). A user sets one URL; when one of their invoices is paid, a delivery is queued in storage —
 * once, by whichever instance moved the invoice to paid — and a dispatcher on every instance claims due
 * deliveries, POSTs them signed, and retries failures with growing delays until it gives up.
 *
 * Signature (as Stripe and BTCPay do it): header `Satchel-Signature: t=<unix seconds>,v1=<hex>` where
 * v1 = HMAC-SHA256(secret, `${t}.${body}`); receivers check it and reject an old `t` (replays).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../../errors.js';
import type { Invoice } from './invoices.js';

export interface WebhookEndpoint {
  url: string;
  /** HMAC key, shown to the user once when the URL is set. */
  secret: string;
  createdAt: Date;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: string;
  userId: string;
  invoiceId: string;
  event: 'invoice.paid';
  /** The JSON body, fixed when queued, so every attempt sends the same bytes. */
  payload: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
}

export interface WebhookStore {
  getEndpoint(userId: string): Promise<WebhookEndpoint | null>;
  putEndpoint(userId: string, endpoint: WebhookEndpoint): Promise<void>;
  deleteEndpoint(userId: string): Promise<boolean>;
  /** Queues a delivery; false (and nothing stored) when this invoice's event is already queued. */
  enqueue(delivery: WebhookDelivery): Promise<boolean>;
  /** Leases up to `limit` pending deliveries due at `now` to `owner` until `leaseUntil`. */
  claimDue(options: { now: Date; limit: number; owner: string; leaseUntil: Date }): Promise<WebhookDelivery[]>;
  /** Records an attempt's outcome, only while `owner` still holds the lease. */
  recordAttempt(id: string, owner: string, outcome: { state: DeliveryState; attempts: number; nextAttemptAt: Date; lastStatus: number | null; lastError: string | null; now: Date }): Promise<void>;
  listDeliveries(userId: string, limit: number): Promise<WebhookDelivery[]>;
}

/** Refuses URLs Satchel must not call (SPEC "Outbound URLs"): at save time and again at connect time. */
export interface OutboundUrlGuard {
  /** Throws an Error whose message says why the URL is refused. */
  check(url: string): Promise<void>;
}

export interface WebhookPoster {
  /** POSTs without following redirects; resolves with the status, rejects on network errors/timeouts. */
  post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }>;
}

/** Delays before the 2nd, 3rd… attempt; after the last, the delivery is failed (about a day in all). */
export const WEBHOOK_RETRY_DELAYS_MS = [10_000, 60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 6 * 3600_000, 16 * 3600_000];

export function signWebhook(secret: string, timestampS: number, body: string): string {
  return `t=${timestampS},v1=${createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex')}`;
}

export interface PaymentWebhooksDeps {
  store: WebhookStore;
  guard: OutboundUrlGuard;
  poster: WebhookPoster;
  findInvoiceByPaymentHash(paymentHash: string): Promise<Invoice | null>;
  newId(): string;
  instanceId: string;
  now?: () => number;
  retryDelaysMs?: readonly number[];
  /** How often the dispatcher looks for due deliveries (default 1 s). */
  pollMs?: number;
  onError?: (error: unknown, context: string) => void;
}

const MAX_URL_LENGTH = 2048;
const msatJson = (msat: bigint | null) => (msat === null ? null : msat <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(msat) : msat.toString());

export class PaymentWebhooks {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly delays: readonly number[];

  constructor(private readonly deps: PaymentWebhooksDeps) {
    this.now = deps.now ?? Date.now;
    this.delays = deps.retryDelaysMs ?? WEBHOOK_RETRY_DELAYS_MS;
  }

  async get(userId: string): Promise<{ url: string; createdAt: Date } | null> {
    const endpoint = await this.deps.store.getEndpoint(userId);
    return endpoint ? { url: endpoint.url, createdAt: endpoint.createdAt } : null;
  }

  /** Sets (or replaces) the user's URL with a new secret, which is returned this once. */
  async set(userId: string, url: string): Promise<WebhookEndpoint> {
    const invalid = (message: string) => new AppError('invalid_input', message, { errors: [{ field: 'url', code: 'url_refused', message }] });
    if (url.length > MAX_URL_LENGTH) throw invalid(`url must be at most ${MAX_URL_LENGTH} characters`);
    try {
      await this.deps.guard.check(url);
    } catch (error) {
      throw invalid(`url is refused: ${(error as Error).message}`);
    }
    const endpoint = { url, secret: `whsec_${randomBytes(24).toString('base64url')}`, createdAt: new Date(this.now()) };
    await this.deps.store.putEndpoint(userId, endpoint);
    return endpoint;
  }

  remove(userId: string): Promise<boolean> {
    return this.deps.store.deleteEndpoint(userId);
  }

  deliveries(userId: string, limit = 50): Promise<WebhookDelivery[]> {
    return this.deps.store.listDeliveries(userId, limit);
  }

  /** Called once per invoice that became paid (by the instance whose conditional update moved it). */
  async invoicePaid(paymentHash: string): Promise<void> {
    const invoice = await this.deps.findInvoiceByPaymentHash(paymentHash);
    if (!invoice || !(await this.deps.store.getEndpoint(invoice.userId))) return;
    const id = this.deps.newId();
    const payload = JSON.stringify({
      id,
      event: 'invoice.paid',
      invoice: {
        id: invoice.id,
        paymentHash: invoice.paymentHash,
        amountMsat: msatJson(invoice.amountMsat),
        amountPaidMsat: msatJson(invoice.amountPaidMsat),
        memo: invoice.memo,
        settledAt: invoice.settledAt?.toISOString() ?? null,
      },
    });
    const now = new Date(this.now());
    await this.deps.store.enqueue({
      id,
      userId: invoice.userId,
      invoiceId: invoice.id,
      event: 'invoice.paid',
      payload,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lastStatus: null,
      lastError: null,
      createdAt: now,
    });
    this.kick();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.deps.pollMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs one dispatch pass unless one is running (tests call it to avoid waiting for the timer). */
  kick(): Promise<void> {
    this.running ??= this.dispatchDue()
      .catch((error: unknown) => this.deps.onError?.(error, 'webhook dispatch'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async dispatchDue(): Promise<void> {
    const { store, instanceId } = this.deps;
    for (;;) {
      const now = this.now();
      const due = await store.claimDue({ now: new Date(now), limit: 20, owner: instanceId, leaseUntil: new Date(now + 60_000) });
      if (due.length === 0) return;
      await Promise.all(due.map((delivery) => this.attempt(delivery)));
    }
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const endpoint = await this.deps.store.getEndpoint(delivery.userId);
    const attempts = delivery.attempts + 1;
    let status: number | null = null;
    let error: string | null = null;
    if (!endpoint) error = 'the webhook was removed';
    else {
      try {
        await this.deps.guard.check(endpoint.url);
        const t = Math.floor(this.now() / 1000);
        status = (
          await this.deps.poster.post(endpoint.url, delivery.payload, {
            'content-type': 'application/json',
            'user-agent': 'Satchel-Webhook/1',
            'satchel-signature': signWebhook(endpoint.secret, t, delivery.payload),
            'satchel-delivery': delivery.id,
          })
        ).status;
        if (status < 200 || status >= 300) error = `answered ${status}`;
      } catch (failure) {
        error = (failure as Error).message.slice(0, 500);
      }
    }
    const delivered = error === null;
    const delay = this.delays[attempts - 1];
    const giveUp = !delivered && (delay === undefined || !endpoint);
    const now = this.now();
    await this.deps.store.recordAttempt(delivery.id, this.deps.instanceId, {
      state: delivered ? 'delivered' : giveUp ? 'failed' : 'pending',
      attempts,
      nextAttemptAt: new Date(delivered || giveUp ? now : now + delay!),
      lastStatus: status,
      lastError: error,
      now: new Date(now),
    });
  }
}
