/**
 * Moves stored invoices out of `pending`: to `paid` when the backend pushes a settlement (or a lookup
 * finds one), to `expired` when their time is up, to `canceled` when the node canceled them.
 * Survives restarts: start() re-reads every pending invoice and looks each up once, which also catches
 * payments made while Satchel was down. Every store write is conditional on `pending`, so several app
 * instances may watch the same database. Timers come from the injected clock (unref'd by the system clock).
 */
import type { InvoiceLookup, LightningBackend, SettlementEvent } from './backend.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { LightningInvoiceNotFoundError } from './errors.js';

export interface PendingInvoice {
  paymentHash: string;
  expiresAt: Date;
}

/** The storage side of the watcher; each mark is a no-op (false) unless the invoice is still pending. */
export interface InvoiceWatchStore {
  listPending(): Promise<PendingInvoice[]>;
  markPaid(paymentHash: string, paid: { settledAt: Date; amountPaidMsat: bigint }): Promise<boolean>;
  markExpired(paymentHash: string): Promise<boolean>;
  markCanceled(paymentHash: string): Promise<boolean>;
}

export interface InvoiceWatcherOptions {
  backend: LightningBackend;
  store: InvoiceWatchStore;
  clock?: Clock;
  /** Sweep (re-read pending + look each up) this often when the backend cannot push settlements. */
  pollIntervalMs?: number;
  /** With a push feed, a safety sweep this often for anything the feed missed. */
  resyncIntervalMs?: number;
  /** Lookups in flight at once during a sweep. */
  lookupConcurrency?: number;
  onError?: (error: unknown, context: string) => void;
}

export class InvoiceWatcher {
  private readonly pending = new Map<string, number>();
  /** Tracked since the current sweep began: kept even if the store's list (read earlier) lacks them. */
  private readonly trackedDuringSweep = new Set<string>();
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly resyncIntervalMs: number;
  private readonly concurrency: number;
  private timer: TimerHandle | null = null;
  /** When the armed timer fires (Infinity when none is armed). */
  private armedAt = Number.POSITIVE_INFINITY;
  private nextSweepAt = 0;
  private unsubscribe: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private started = false;
  private stopped = false;

  constructor(private readonly options: InvoiceWatcherOptions) {
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.resyncIntervalMs = options.resyncIntervalMs ?? 60_000;
    this.concurrency = Math.max(1, options.lookupConcurrency ?? 4);
  }

  /** Subscribes first (so nothing falls between), then sweeps every stored pending invoice once. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { backend } = this.options;
    if (backend.subscribeSettlements) {
      this.unsubscribe = backend.subscribeSettlements(
        (event) => void this.onSettlement(event),
        (error) => {
          this.report(error, 'settlement feed');
          // Catch up soon on whatever the broken feed did not deliver.
          this.nextSweepAt = Math.min(this.nextSweepAt, this.clock.now() + this.pollIntervalMs);
          this.schedule();
        },
      );
    }
    await this.runTick();
  }

  /** An invoice created after start (by this instance). */
  track(invoice: PendingInvoice): void {
    if (this.stopped) return;
    this.pending.set(invoice.paymentHash, invoice.expiresAt.getTime());
    this.trackedDuringSweep.add(invoice.paymentHash);
    // Re-arm only when this one is due before the armed timer: a bulk of 1,000 must not rescan the map
    // (schedule() is O(pending)) once per invoice. A running tick re-arms when it ends.
    if (this.timer === null || invoice.expiresAt.getTime() < this.armedAt) this.schedule();
  }

  get watching(): number {
    return this.pending.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.running;
    this.pending.clear();
    this.trackedDuringSweep.clear();
  }

  private report(error: unknown, context: string): void {
    this.options.onError?.(error, context);
  }

  private get sweepInterval(): number {
    return this.unsubscribe ? this.resyncIntervalMs : this.pollIntervalMs;
  }

  private schedule(): void {
    if (this.stopped || this.running) return; // a running tick schedules when it ends
    this.timer?.cancel();
    let wake = this.nextSweepAt;
    for (const expiresAt of this.pending.values()) wake = Math.min(wake, expiresAt);
    this.armedAt = wake;
    this.timer = this.clock.setTimeout(() => void this.runTick(), Math.max(0, wake - this.clock.now()));
  }

  private runTick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.running) {
      this.timer?.cancel();
      this.timer = null;
      this.armedAt = Number.POSITIVE_INFINITY;
      this.running = this.tick()
        .catch((error: unknown) => this.report(error, 'tick'))
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }
    return this.running;
  }

  private async tick(): Promise<void> {
    const now = this.clock.now();
    let toCheck: string[];
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + this.sweepInterval;
      this.trackedDuringSweep.clear();
      const stored = await this.options.store.listPending();
      const fresh = new Map(stored.map((invoice) => [invoice.paymentHash, invoice.expiresAt.getTime()] as const));
      // Invoices no longer pending in the store were finished elsewhere (another instance, an API call).
      for (const hash of [...this.pending.keys()]) {
        if (!fresh.has(hash) && !this.trackedDuringSweep.has(hash)) this.pending.delete(hash);
      }
      for (const [hash, expiresAt] of fresh) this.pending.set(hash, expiresAt);
      toCheck = [...fresh.keys()];
    } else {
      toCheck = [...this.pending].filter(([, expiresAt]) => expiresAt <= now).map(([hash]) => hash);
    }
    await this.eachLimited(toCheck, (hash) => this.check(hash));
  }

  private async eachLimited(items: string[], fn: (item: string) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length && !this.stopped) await fn(items[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker));
  }

  /** One lookup decides; an expiring invoice is looked up too, as it may have been paid at the last moment. */
  private async check(paymentHash: string): Promise<void> {
    const expiresAt = this.pending.get(paymentHash);
    if (expiresAt === undefined) return;
    let lookup: InvoiceLookup;
    try {
      lookup = await this.options.backend.lookupInvoice(paymentHash);
    } catch (error) {
      if (error instanceof LightningInvoiceNotFoundError && this.clock.now() >= expiresAt) {
        // The node forgot it (e.g. a reset dev store); past its expiry nothing can pay it any more.
        return this.finish(paymentHash, () => this.options.store.markExpired(paymentHash));
      }
      this.report(error, `lookup ${paymentHash}`);
      return; // stays pending; the next sweep retries
    }
    await this.apply(paymentHash, lookup, expiresAt);
  }

  private async apply(paymentHash: string, lookup: InvoiceLookup, expiresAt: number): Promise<void> {
    const { store } = this.options;
    switch (lookup.status) {
      case 'paid':
        return this.finish(paymentHash, () =>
          store.markPaid(paymentHash, { settledAt: lookup.settledAt ?? new Date(this.clock.now()), amountPaidMsat: lookup.amountPaidMsat ?? 0n }),
        );
      case 'canceled':
        return this.finish(paymentHash, () => store.markCanceled(paymentHash));
      case 'expired':
        return this.finish(paymentHash, () => store.markExpired(paymentHash));
      case 'pending':
        // The backend's view wins while it says pending; our own clock ends it at expiresAt.
        if (this.clock.now() >= expiresAt) return this.finish(paymentHash, () => store.markExpired(paymentHash));
        return;
    }
  }

  private async finish(paymentHash: string, write: () => Promise<boolean>): Promise<void> {
    try {
      await write();
      this.pending.delete(paymentHash);
    } catch (error) {
      this.report(error, `store ${paymentHash}`);
    }
  }

  private async onSettlement(event: SettlementEvent): Promise<void> {
    if (this.stopped) return;
    const expiresAt = this.pending.get(event.paymentHash) ?? Number.POSITIVE_INFINITY;
    // An invoice not tracked here (another instance's) is still written: the store ignores non-pending ones.
    if (event.status === 'paid') {
      await this.apply(event.paymentHash, { status: 'paid', settledAt: event.settledAt, amountPaidMsat: event.amountPaidMsat }, expiresAt);
    } else {
      // LND cancels expired invoices itself: a cancel after expiry is an expiry.
      await this.apply(event.paymentHash, { status: this.clock.now() >= expiresAt ? 'expired' : 'canceled' }, expiresAt);
    }
    this.schedule();
  }
}
