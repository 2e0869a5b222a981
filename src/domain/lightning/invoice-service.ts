/**
 * Invoice use cases (SPEC: Lightning; the original plan's `LightningNode.createBulkInvoices`): create one,
 * create up to 1,000 at once, list, get, simulate a payment on the dev node. The backend issues and signs;
 * this decides what is stored and reported. Bulk: every amount is judged first (one validateBatch pass),
 * then invoices are created with bounded concurrency; `partial` reports each item, `atomic` withdraws the
 * ones created when any fails (canceled on the node where it can, stored as `void`) and reports none.
 */
import { randomBytes } from 'node:crypto';
import { AppError, type ProblemItem } from '../../errors.js';
import { canSimulatePayments, type CreatedInvoice, type LightningBackend, type NodeInfo } from './backend.js';
import { systemClock, type Clock } from './clock.js';
import { LightningError, LightningInvalidRequestError } from './errors.js';
import { judgeInvoiceItems, type AmountBatchValidator, type InvoiceDraft } from './invoice-drafts.js';
import { effectiveStatus, type Invoice, type InvoicePage, type InvoiceStatusView, type InvoiceStore, type InvoiceTracker } from './invoices.js';

export type BulkInvoiceMode = 'partial' | 'atomic';
export const MAX_BULK_INVOICES = 1_000;
/**
 * Backend calls in flight during a bulk creation. LND: each call is a REST round trip to the node, 8 keep
 * it busy without flooding it. The dev node signs in worker threads while this thread stores rows
 * (synchronously on SQLite, ~10 ms for a flush of PROGRESSIVE_ROWS): 256 in flight keep signing queued
 * while a flush is written (64 left a single signing thread idle ~15–20 % of the time; 512 and 1,000
 * were no faster with two).
 */
export const DEFAULT_BULK_CONCURRENCY: Readonly<Record<LightningBackend['kind'], number>> = { lnd: 8, dev: 256 };

export interface BulkInvoiceItemResult {
  index: number;
  ok: boolean;
  invoice?: Invoice;
  errors?: ProblemItem[];
}

export interface BulkInvoiceReport {
  mode: BulkInvoiceMode;
  created: number;
  failed: number;
  results: BulkInvoiceItemResult[];
}

export interface InvoiceServiceDeps {
  backend: LightningBackend;
  store: InvoiceStore;
  validator: AmountBatchValidator;
  tracker?: InvoiceTracker;
  clock?: Clock;
  /** Backend calls in flight at once during a bulk creation (default: DEFAULT_BULK_CONCURRENCY by backend). */
  concurrency?: number;
}

// Ids sort by creation (ms time, then a per-process sequence) so a page within one second keeps the
// order invoices were made in; 64 random bits make them unguessable.
let sequence = 0;
let entropy = Buffer.alloc(0);
let entropyAt = 0;
export function newInvoiceId(now: number): string {
  if (entropyAt + 8 > entropy.length) {
    entropy = randomBytes(8 * 512);
    entropyAt = 0;
  }
  sequence = (sequence + 1) & 0xffff;
  const random = entropy.toString('hex', entropyAt, entropyAt + 8);
  entropyAt += 8;
  return `${Math.max(0, Math.floor(now)).toString(16).padStart(12, '0')}${sequence.toString(16).padStart(4, '0')}${random}`;
}

/** Runs `task` on every item with at most `limit` in flight; `stop()` true ends the run early. */
async function eachBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/**
 * Rows a progressive bulk stores at a time: small enough that storing overlaps the signing of the next
 * ones, large enough that commits stay few (on SQLite each commit writes every page it dirtied to the WAL,
 * about a page a row for each random-key hash index; 128 and 512 measured no better).
 */
const PROGRESSIVE_ROWS = 256;
/** Rows per write once fewer than PROGRESSIVE_ROWS invoices are left to make: what waits at the end is written after all signing. */
const TAIL_ROWS = 64;

/**
 * Stores invoices as they are made: once at least `rows` are waiting, what a turn of the event loop made
 * goes to one insertMany, one after another; done() writes the rest. After a failure nothing more is
 * written; `stored` holds what was.
 */
class RowWriter {
  readonly stored = new Set<Invoice>();
  private waiting: Invoice[] = [];
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private failure: { error: unknown } | undefined;
  private added = 0;

  constructor(
    private readonly store: InvoiceStore,
    /** Invoices the bulk will make at most. */
    private readonly expected: number,
    private readonly rows = PROGRESSIVE_ROWS,
  ) {}

  get failed(): boolean {
    return this.failure !== undefined;
  }

  add(invoice: Invoice): void {
    this.waiting.push(invoice);
    this.added++;
    // Near the end, flush smaller: rows still waiting when the last invoice is made are written with nothing left to overlap.
    const threshold = this.expected - this.added < this.rows ? TAIL_ROWS : this.rows;
    if (this.waiting.length >= threshold && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    this.writing = this.writing.then(async () => {
      if (this.failure) return;
      try {
        await this.store.insertMany(batch);
        for (const invoice of batch) this.stored.add(invoice);
      } catch (error) {
        this.failure = { error };
      }
    });
  }

  /** Resolves when everything is written, with the first failure if any. */
  async done(): Promise<{ error: unknown } | undefined> {
    this.flush();
    await this.writing;
    return this.failure;
  }
}

const notFound = (id: string) => new AppError('not_found', `No invoice ${id.slice(0, 64)}`);

/** A backend error that concerns only this item (e.g. LND refusing its memo) rather than the backend. */
function itemErrorsOf(error: unknown): ProblemItem[] | null {
  if (error instanceof LightningInvalidRequestError) return error.extra.errors ?? [{ code: 'invalid', message: error.message }];
  return null;
}

export class InvoiceService {
  private readonly clock: Clock;
  private readonly concurrency: number;

  constructor(private readonly deps: InvoiceServiceDeps) {
    this.clock = deps.clock ?? systemClock;
    this.concurrency = Math.max(1, deps.concurrency ?? DEFAULT_BULK_CONCURRENCY[deps.backend.kind]);
  }

  get backendKind(): LightningBackend['kind'] {
    return this.deps.backend.kind;
  }

  get canSimulatePayments(): boolean {
    return canSimulatePayments(this.deps.backend);
  }

  nodeInfo(): Promise<NodeInfo> {
    return this.deps.backend.nodeInfo();
  }

  /** One invoice from a request as sent; a bad field → 400 naming it. */
  async create(userId: string, raw: unknown): Promise<Invoice> {
    const [verdict] = await judgeInvoiceItems([raw], this.deps.validator);
    if (!verdict?.ok) {
      const errors = verdict?.errors ?? [];
      throw new AppError('invalid_input', errors[0]?.message ?? 'The invoice request is not valid', { errors });
    }
    const invoice = this.toInvoice(userId, await this.deps.backend.createInvoice(verdict.draft));
    await this.deps.store.insertMany([invoice]);
    this.track([invoice]);
    return invoice;
  }

  async createBulk(userId: string, items: readonly unknown[], mode: BulkInvoiceMode = 'partial'): Promise<BulkInvoiceReport> {
    if (items.length > MAX_BULK_INVOICES) {
      throw new AppError('invalid_input', `At most ${MAX_BULK_INVOICES} invoices a request`, {
        errors: [{ field: 'invoices', code: 'too_many_items', message: `invoices must have at most ${MAX_BULK_INVOICES} items` }],
      });
    }
    const verdicts = await judgeInvoiceItems(items, this.deps.validator);
    const errors: Array<ProblemItem[] | undefined> = verdicts.map((v) => (v.ok ? undefined : v.errors));
    const created = new Array<Invoice | undefined>(items.length);
    const anyBad = errors.some((e) => e !== undefined);

    if (!(mode === 'atomic' && anyBad)) {
      const todo = verdicts.flatMap((v, index) => (v.ok ? [{ index, draft: v.draft }] : []));
      // A backend that waits for nothing remote (the dev node) makes invoices about as fast as they can be
      // stored: a partial batch's rows are then stored as they are made (each item stands alone), so that
      // storing overlaps the making of the next ones. Otherwise (LND, atomic) all at once at the end.
      const progressive = mode === 'partial' && this.deps.backend.createsLocally === true;
      const run = await this.createAll(userId, todo, created, errors, mode, progressive);
      if (mode === 'atomic' && run.failed) {
        created.fill(undefined);
        // The backend (not an item) failed: say so as a 502/503, which also frees an Idempotency-Key.
        if ('fatal' in run) throw run.fatal;
      } else {
        if (!created.some(Boolean) && 'fatal' in run) throw run.fatal;
        this.track(created.filter((invoice): invoice is Invoice => invoice !== undefined));
      }
    }

    if (mode === 'atomic' && !created.some(Boolean)) {
      for (let i = 0; i < items.length; i++) {
        errors[i] ??= [{ code: 'batch_not_applied', message: 'Not created: another invoice of this atomic batch failed' }];
      }
    }
    const results = items.map((_, index): BulkInvoiceItemResult => {
      const invoice = created[index];
      return invoice ? { index, ok: true, invoice } : { index, ok: false, errors: errors[index] ?? [] };
    });
    const count = results.filter((r) => r.ok).length;
    return { mode, created: count, failed: items.length - count, results };
  }

  /**
   * Creates `todo` on the backend (bounded concurrency) into `created`/`errors` and stores what was made:
   * as it comes when `progressive`, else at the end; an atomic batch with a failure is withdrawn instead.
   * Throws only when storing failed and nothing was stored.
   */
  private async createAll(
    userId: string,
    todo: ReadonlyArray<{ index: number; draft: InvoiceDraft }>,
    created: Array<Invoice | undefined>,
    errors: Array<ProblemItem[] | undefined>,
    mode: BulkInvoiceMode,
    progressive: boolean,
  ): Promise<{ failed: boolean; fatal?: unknown }> {
    // An object, not two lets: the workers set these, and TypeScript's narrowing would not see it.
    const run: { failed: boolean; fatal?: unknown } = { failed: false };
    const writer = progressive ? new RowWriter(this.deps.store, todo.length) : undefined;
    await eachBounded(
      todo,
      this.concurrency,
      async ({ index, draft }) => {
        try {
          const invoice = this.toInvoice(userId, await this.deps.backend.createInvoice(draft));
          created[index] = invoice;
          writer?.add(invoice);
        } catch (error) {
          run.failed = true;
          const own = itemErrorsOf(error);
          if (own) errors[index] = own;
          else {
            if (!('fatal' in run)) run.fatal = error;
            errors[index] = [
              error instanceof LightningError
                ? { code: error.code, message: error.message }
                : { code: 'internal', message: 'The invoice could not be created' },
            ];
          }
        }
      },
      () => (mode === 'atomic' && run.failed) || writer?.failed === true,
    );
    const made = created.filter((invoice): invoice is Invoice => invoice !== undefined);
    if (mode === 'atomic' && run.failed) await this.withdraw(made);
    else if (!writer) {
      if (made.length > 0) await this.deps.store.insertMany(made);
    } else {
      const failure = await writer.done();
      if (failure) {
        // Rows already stored stay and are reported; the others fail as items, or the request when none was stored.
        if (writer.stored.size === 0) throw failure.error;
        for (let i = 0; i < created.length; i++) {
          const invoice = created[i];
          if (invoice && !writer.stored.has(invoice)) {
            created[i] = undefined;
            errors[i] = [{ code: 'internal', message: 'The invoice could not be stored' }];
          }
        }
      }
    }
    return run;
  }

  async list(userId: string, query: { status?: InvoiceStatusView; cursor?: string; limit: number }): Promise<InvoicePage> {
    const now = this.clock.now();
    const page = await this.deps.store.list(userId, { ...query, now: new Date(now) });
    return { ...page, items: page.items.map((invoice) => this.present(invoice, now)) };
  }

  async get(userId: string, id: string): Promise<Invoice> {
    const invoice = await this.deps.store.get(userId, id);
    if (!invoice || invoice.status === 'void') throw notFound(id);
    return this.present(invoice, this.clock.now());
  }

  /** Dev backend only (SPEC): pays the invoice in full and records it at once (the watcher may follow). */
  async simulatePayment(userId: string, id: string): Promise<Invoice> {
    const backend = this.deps.backend;
    if (!canSimulatePayments(backend)) {
      throw new AppError('not_found', `Payments can only be simulated on the dev Lightning backend; this server uses ${backend.kind}`);
    }
    const invoice = await this.get(userId, id);
    if (invoice.status === 'paid') return invoice;
    if (invoice.status !== 'pending') throw new AppError('conflict', `Invoice ${id} is ${invoice.status} and cannot be paid`);
    const paid = await backend.simulatePayment(invoice.paymentHash);
    await this.deps.store.markPaid(invoice.paymentHash, {
      settledAt: paid.settledAt ?? new Date(this.clock.now()),
      amountPaidMsat: paid.amountPaidMsat ?? invoice.amountMsat ?? 0n,
    });
    return this.get(userId, id);
  }

  private present(invoice: Invoice, now: number): Invoice {
    const status = effectiveStatus(invoice, now);
    return status === invoice.status ? invoice : { ...invoice, status };
  }

  private toInvoice(userId: string, created: CreatedInvoice): Invoice {
    return {
      id: newInvoiceId(this.clock.now()),
      userId,
      paymentHash: created.paymentHash,
      bolt11: created.bolt11,
      amountMsat: created.amountMsat,
      memo: created.memo,
      status: 'pending',
      createdAt: created.createdAt,
      expiresAt: created.expiresAt,
      settledAt: null,
      amountPaidMsat: null,
      backend: this.deps.backend.kind,
    };
  }

  private track(invoices: readonly Invoice[]): void {
    for (const invoice of invoices) this.deps.tracker?.track({ paymentHash: invoice.paymentHash, expiresAt: invoice.expiresAt });
  }

  /** Atomic rollback: cancel on the node where it can (best effort), keep a `void` record of each. */
  private async withdraw(invoices: readonly Invoice[]): Promise<void> {
    if (invoices.length === 0) return;
    const backend = this.deps.backend;
    if (backend.cancelInvoice) {
      await eachBounded(invoices, this.concurrency, async (invoice) => {
        try {
          await backend.cancelInvoice!(invoice.paymentHash);
        } catch {
          // Never handed out: an invoice the node keeps open expires unpaid; the void row records it.
        }
      });
    }
    await this.deps.store.insertMany(invoices.map((invoice) => ({ ...invoice, status: 'void' as const })));
  }
}
