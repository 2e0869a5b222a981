/**
 * A large user for the large-wallet benchmark (issue 10): one wallet with 30,000 transactions,
 * 1,000,000 notes and 100,000 invoices at scale 1. Rows go straight into the tables in big batches
 * (multi-row INSERTs on SQLite inside one transaction per table, `unnest` arrays on PostgreSQL) —
 * through HTTP this would take hours, and the import path is benchmarked elsewhere. The FTS5 triggers
 * and the pg_trgm index are maintained as they are in production: the search index is the real one.
 *
 * Labels are drawn so a search has terms of every frequency (see LARGE_TERMS), and timestamps repeat in
 * runs (an import stamps a whole batch with one instant), so paging leans on the id tie-breaker.
 */
import { randomBytes } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import type { Database } from '../../src/adapters/db/database.js';
import { UNCONFIRMED_SORT_BASE } from '../../src/adapters/db/repositories/wallet-transactions.js';

export interface LargeCounts {
  transactions: number;
  notes: number;
  invoices: number;
}

/** Scale 1 is the user; LARGE_SCALE=0.1 gives a quick run. */
export function largeCounts(scale: number): LargeCounts {
  return {
    transactions: Math.max(1_000, Math.round(30_000 * scale)),
    notes: Math.max(10_000, Math.round(1_000_000 * scale)),
    invoices: Math.max(2_000, Math.round(100_000 * scale)),
  };
}

const CATEGORIES = [
  'coffee', 'salary', 'rent', 'exchange', 'savings', 'gift', 'refund', 'hardware', 'travel', 'groceries',
  'donation', 'consulting', 'mining', 'loan', 'taxes', 'fees', 'insurance', 'utilities', 'books', 'dinner',
];
const VENDORS = Array.from({ length: 1_000 }, (_, i) => `vendor${String(i).padStart(4, '0')}x`);

/**
 * Search terms and the share of notes whose label holds each (at any scale): `payment` half of them,
 * a category 1 in 20, a vendor 1 in 1,000, a reference number exactly one note, `qqzzy` none.
 */
export const LARGE_TERMS = {
  common: 'payment',
  category: 'coffee',
  vendor: 'vendor0042x',
  unique: 'ref-0004711-',
  absent: 'qqzzy',
} as const;

/** The label of the i-th note (deterministic: the benchmark checks search answers against it). */
export function noteLabel(i: number): string {
  const head = i % 2 === 0 ? 'payment to' : 'received from';
  return `${head} ${VENDORS[(i * 7919) % VENDORS.length]} ${CATEGORIES[(i * 31) % CATEGORIES.length]} ref-${String(i).padStart(7, '0')}-`;
}

export interface LargeSeed {
  counts: LargeCounts;
  /** Transactions are newest at `now`; the mempool holds the first 20. */
  txids: string[];
  /** How many labels hold each term (checked answers). */
  termCounts: Record<keyof typeof LARGE_TERMS, number>;
  /** Invoices by stored status. */
  invoiceStatuses: Record<string, number>;
  seconds: { transactions: number; notes: number; invoices: number; analyze: number };
}

function hexIds(n: number, bytes = 32): string[] {
  const buffer = randomBytes(n * bytes).toString('hex');
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = buffer.slice(i * bytes * 2, (i + 1) * bytes * 2);
  return out;
}

type Row = readonly unknown[];

/** Inserts `rows` (each `columns.length` values) in statements of `perStatement` rows. */
async function insertRows(
  database: Database,
  table: string,
  columns: readonly string[],
  pgTypes: readonly string[],
  rows: AsyncIterable<Row[]> | Iterable<Row[]>,
  onRows?: (n: number) => void,
): Promise<void> {
  const { db, dialect } = database;
  const write = async (trx: typeof db) => {
    for await (const batch of rows) {
      if (batch.length === 0) continue;
      let query: CompiledQuery;
      if (dialect === 'postgres') {
        const arrays = columns.map((_, c) => batch.map((row) => row[c]));
        const list = pgTypes.map((type, c) => `$${c + 1}::${type}[]`).join(', ');
        query = CompiledQuery.raw(
          `insert into ${table} (${columns.join(', ')}) select * from unnest(${list})`,
          arrays,
        );
      } else {
        const marks = `(${columns.map(() => '?').join(', ')})`;
        query = CompiledQuery.raw(
          `insert into ${table} (${columns.join(', ')}) values ${new Array<string>(batch.length).fill(marks).join(', ')}`,
          batch.flat(),
        );
      }
      await trx.executeQuery(query);
      onRows?.(batch.length);
    }
  };
  await db.transaction().execute(write);
}

function* batches<T>(n: number, size: number, make: (i: number) => T): Generator<T[]> {
  for (let start = 0; start < n; start += size) {
    const batch: T[] = [];
    for (let i = start; i < Math.min(n, start + size); i++) batch.push(make(i));
    yield batch;
  }
}

/**
 * Seeds `counts` rows for an existing user and wallet. `progress` is called now and then with a line
 * to print. Returns what the benchmark checks answers against.
 */
export async function seedLargeUser(
  database: Database,
  owner: { userId: string; walletId: string },
  counts: LargeCounts,
  options: { now?: number; progress?: (line: string) => void } = {},
): Promise<LargeSeed> {
  const now = options.now ?? Date.now();
  const say = options.progress ?? (() => undefined);
  const perStatement = database.dialect === 'sqlite' ? 500 : 10_000;
  const seconds = { transactions: 0, notes: 0, invoices: 0, analyze: 0 };
  let t0 = performance.now();
  const tick = (what: string, total: number) => {
    let done = 0;
    let shown = 0;
    return (n: number) => {
      done += n;
      if (done - shown >= total / 10 || done === total) {
        shown = done;
        say(`${what}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }
    };
  };

  // Wallet history: 20 unconfirmed, then one block per 3 transactions downwards from 900,000.
  const txids = hexIds(counts.transactions);
  await insertRows(
    database,
    'wallet_transactions',
    ['wallet_id', 'txid', 'height', 'time', 'amount_sat', 'fee_sat', 'first_seen_at', 'sort_key'],
    ['text', 'text', 'int', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint'],
    batches(counts.transactions, perStatement, (i) => {
      const height = i < 20 ? null : 900_000 - Math.floor(i / 3);
      const firstSeen = now - i * 60_000;
      return [
        owner.walletId,
        txids[i],
        height,
        height === null ? null : Math.floor(firstSeen / 1000),
        i % 3 === 0 ? -(10_000 + i) : 50_000 + i,
        i % 3 === 0 ? 250 : null,
        firstSeen,
        height === null ? UNCONFIRMED_SORT_BASE + firstSeen : height,
      ];
    }),
    tick('transactions', counts.transactions),
  );
  seconds.transactions = (performance.now() - t0) / 1000;

  // Notes: the wallet's transactions carry the first ones (the list joins them in); 100 notes share
  // each created_at, oldest first so ids grow with time as they do in use.
  t0 = performance.now();
  const termCounts = { common: 0, category: 0, vendor: 0, unique: 0, absent: 0 };
  const noteRef = (i: number, random: string[]) => (i < txids.length ? txids[i]! : random[i % random.length]!);
  const notesStart = now - Math.ceil(counts.notes / 100) * 1_000;
  async function* noteBatches(): AsyncGenerator<Row[]> {
    for (let start = 0; start < counts.notes; start += perStatement) {
      const n = Math.min(perStatement, counts.notes - start);
      const random = hexIds(n);
      const batch: Row[] = [];
      for (let k = 0; k < n; k++) {
        // Index i counts from the newest note, so note i and transaction i meet.
        const i = counts.notes - 1 - (start + k);
        const label = noteLabel(i);
        for (const [name, term] of Object.entries(LARGE_TERMS)) if (label.includes(term)) termCounts[name as keyof typeof termCounts]++;
        const type = i < txids.length || i % 10 !== 0 ? 'tx' : 'addr';
        const ref = type === 'addr' ? `bc1q${random[k]!.slice(0, 38)}` : noteRef(i, [random[k]!]);
        const createdAt = notesStart + Math.floor((start + k) / 100) * 1_000;
        batch.push([owner.userId, type, ref, label, null, null, createdAt, createdAt]);
      }
      yield batch;
    }
  }
  await insertRows(
    database,
    'notes',
    ['user_id', 'type', 'ref', 'label', 'origin', 'spendable', 'created_at', 'updated_at'],
    ['text', 'text', 'text', 'text', 'text', 'int', 'bigint', 'bigint'],
    noteBatches(),
    tick('notes', counts.notes),
  );
  seconds.notes = (performance.now() - t0) / 1000;

  // Invoices: one a minute, newest 2% pending and not yet expired; older ones paid, expired or canceled.
  t0 = performance.now();
  const invoiceStatuses: Record<string, number> = {};
  const pendingCount = Math.ceil(counts.invoices * 0.02);
  await insertRows(
    database,
    'lightning_invoices',
    ['id', 'user_id', 'payment_hash', 'bolt11', 'amount_msat', 'memo', 'status', 'created_at', 'expires_at', 'settled_at', 'amount_paid_msat', 'backend'],
    ['text', 'text', 'text', 'text', 'bigint', 'text', 'text', 'bigint', 'bigint', 'bigint', 'bigint', 'text'],
    (function* () {
      for (let start = 0; start < counts.invoices; start += perStatement) {
        const n = Math.min(perStatement, counts.invoices - start);
        const hashes = hexIds(n);
        const ids = hexIds(n, 16);
        const batch: Row[] = [];
        for (let k = 0; k < n; k++) {
          const i = start + k; // 0 = newest
          // Pairs share a created_at: the bulk route stamps many invoices with one instant.
          const createdAt = now - Math.floor(i / 2) * 60_000;
          const status = i < pendingCount ? 'pending' : i % 10 < 6 ? 'paid' : i % 10 < 9 ? 'expired' : 'canceled';
          invoiceStatuses[status] = (invoiceStatuses[status] ?? 0) + 1;
          const amount = 1_000 * (1 + (i % 5_000));
          batch.push([
            ids[k],
            owner.userId,
            hashes[k],
            `lnbc${amount}n1bench${hashes[k]!.slice(0, 48)}`,
            amount,
            `invoice ${i}`,
            status,
            createdAt,
            status === 'pending' ? now + 3_600_000 : createdAt + 3_600_000,
            status === 'paid' ? createdAt + 30_000 : null,
            status === 'paid' ? amount : null,
            'dev',
          ]);
        }
        yield batch;
      }
    })(),
    tick('invoices', counts.invoices),
  );
  seconds.invoices = (performance.now() - t0) / 1000;

  // PostgreSQL: what autovacuum would do minutes after a bulk load (statistics, visibility map).
  t0 = performance.now();
  if (database.dialect === 'postgres') {
    await database.db.executeQuery(CompiledQuery.raw('vacuum analyze notes, lightning_invoices, wallet_transactions'));
  }
  seconds.analyze = (performance.now() - t0) / 1000;
  return { counts, txids, termCounts, invoiceStatuses, seconds };
}
