/**
 * Keyset paging (SPEC: collections answer `{items, next?}` with opaque cursors; issue 10): walking every
 * page answers each row that existed when the walk began exactly once — also when many rows share one
 * sort key (an import or a bulk request stamps them with one instant; a block holds many transactions)
 * and while rows are written between two pages. Rows written during the walk may or may not appear,
 * but never twice. Runs on each engine, against the repositories the routes call.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Page } from '../../../src/adapters/db/cursor.js';
import { insertApiToken, listApiTokens } from '../../../src/adapters/db/repositories/api-tokens.js';
import { insertInvoices, listInvoices } from '../../../src/adapters/db/repositories/lightning-invoices.js';
import { listNotes, upsertNotes } from '../../../src/adapters/db/repositories/notes.js';
import { listWalletTransactions, upsertWalletTransactions } from '../../../src/adapters/db/repositories/wallet-transactions.js';
import { insertWallet, listWallets } from '../../../src/adapters/db/repositories/wallets.js';
import type { Invoice } from '../../../src/domain/lightning/invoices.js';
import type { NoteDraft } from '../../../src/domain/notes/types.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { createUser, newId } from '../../helpers/storage-fixtures.js';

const hex = (bytes = 32): string => randomBytes(bytes).toString('hex');
/** The newest notes PostgreSQL's first search plan read (notes-dialect.ts); the test below keeps its size. */
const PG_SEARCH_WINDOW = 2_000;

/**
 * Walks all pages of `fetch`, calling `between` after each page but the last, and checks: no key twice,
 * every key of `before` (the rows that existed at the start) seen, and each page in the list's order.
 */
async function walkAll<T, K>(
  fetch: (cursor: string | undefined) => Promise<Page<T>>,
  keyOf: (item: T) => K,
  before: ReadonlySet<K>,
  between: (page: number) => Promise<void> = async () => undefined,
): Promise<{ seen: K[]; pages: number }> {
  const seen: K[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await fetch(cursor);
    pages += 1;
    seen.push(...page.items.map(keyOf));
    if (!page.next) break;
    cursor = page.next;
    await between(pages);
    if (pages > 10_000) throw new Error('paging does not end');
  }
  expect(new Set(seen).size, 'no row answered twice').toBe(seen.length);
  const missing = [...before].filter((key) => !seen.includes(key));
  expect(missing, 'every row present at the start answered').toEqual([]);
  return { seen, pages };
}

function invoice(userId: string, createdAt: number, status: Invoice['status'], expiresAt = createdAt + 3_600_000): Invoice {
  return {
    id: newId(),
    userId,
    paymentHash: hex(),
    bolt11: `lnbcrt1${hex(8)}`,
    amountMsat: 1_000n,
    memo: 'keyset',
    status,
    createdAt: new Date(createdAt),
    expiresAt: new Date(expiresAt),
    settledAt: status === 'paid' ? new Date(createdAt + 1) : null,
    amountPaidMsat: status === 'paid' ? 1_000n : null,
    backend: 'dev',
  };
}

describe.each(DIALECTS)('keyset paging (%s)', (dialect) => {
  const t = useTestDatabase(dialect);

  describe('notes', () => {
    const note = (label: string, type: NoteDraft['type'] = 'tx'): NoteDraft => ({ type, ref: type === 'addr' ? `bc1q${hex(19)}` : hex(), label });

    async function seedNotes(userId: string, batches: Array<{ at: number; labels: string[] }>): Promise<Set<number>> {
      for (const { at, labels } of batches) await upsertNotes(t.db, dialect, userId, labels.map((l) => note(l)), at);
      const all = await listNotes(t.db, dialect, userId, { limit: 500 });
      return new Set(all.items.map((n) => n.id));
    }

    it('answers every note once while notes are written between pages, with many sharing one created_at', async () => {
      const user = await createUser(t.db);
      const other = await createUser(t.db);
      // 3 imports of 40 notes, each stamped with one instant, plus a lone one at the same instant as the second.
      const before = await seedNotes(user.id, [
        { at: 1_000, labels: Array.from({ length: 40 }, (_, i) => `first ${i}`) },
        { at: 2_000, labels: Array.from({ length: 40 }, (_, i) => `second ${i}`) },
        { at: 2_000, labels: ['lone'] },
        { at: 3_000, labels: Array.from({ length: 40 }, (_, i) => `third ${i}`) },
      ]);
      await upsertNotes(t.db, dialect, other.id, [note('someone else')], 2_000);
      expect(before.size).toBe(121);
      let written = 0;
      const { seen } = await walkAll(
        (cursor) => listNotes(t.db, dialect, user.id, { limit: 7, ...(cursor ? { cursor } : {}) }),
        (n) => n.id,
        before,
        async (page) => {
          // Newer notes, notes at an instant already paged (2,000 and 1,000), and edits of paged ones.
          const at = [4_000, 2_000, 1_000][page % 3]!;
          await upsertNotes(t.db, dialect, user.id, [note(`late ${page}`), note(`late ${page} b`)], at);
          written += 2;
        },
      );
      expect(written).toBeGreaterThan(20);
      expect(seen.every((id) => typeof id === 'number')).toBe(true);
    });

    it('answers every match of a search once while matching notes are written between pages', async () => {
      const user = await createUser(t.db);
      const labels = (tag: string, n: number) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `Coffee ${tag} ${i}` : `tea ${tag} ${i}`));
      await seedNotes(user.id, [
        { at: 10, labels: labels('a', 60) },
        { at: 20, labels: labels('b', 60) },
      ]);
      const matches = await listNotes(t.db, dialect, user.id, { limit: 500, q: 'coffee' });
      expect(matches.items).toHaveLength(40);
      for (const q of ['coffee', 'CoF', 'co']) {
        const before = new Set(matches.items.map((n) => n.id));
        await walkAll(
          (cursor) => listNotes(t.db, dialect, user.id, { limit: 6, q, ...(cursor ? { cursor } : {}) }),
          (n) => n.id,
          before,
          async (page) => void (await upsertNotes(t.db, dialect, user.id, [note(`coffee late ${q} ${page}`)], page % 2 ? 30 : 10)),
        );
      }
    });

    it('pages a search with more matches than the index probe (SEARCH_PROBE_CAP) the same way', async () => {
      // Past the probe's cap the search scans the owner's notes newest first (notes.ts): same order, same cursors.
      const user = await createUser(t.db);
      const many = Array.from({ length: 12_000 }, (_, i) => (i % 2 ? `payment ${i}` : `refund ${i}`));
      const before = await (async () => {
        await upsertNotes(t.db, dialect, user.id, many.slice(0, 6_000).map((l) => note(l)), 100);
        await upsertNotes(t.db, dialect, user.id, many.slice(6_000).map((l) => note(l)), 200);
        const ids = new Set<number>();
        let cursor: string | undefined;
        do {
          const page = await listNotes(t.db, dialect, user.id, { limit: 500, q: 'payment', ...(cursor ? { cursor } : {}) });
          for (const n of page.items) {
            expect(n.label).toContain('payment');
            ids.add(n.id);
          }
          cursor = page.next;
        } while (cursor);
        return ids;
      })();
      expect(before.size).toBe(6_000);
      const { seen } = await walkAll(
        (cursor) => listNotes(t.db, dialect, user.id, { limit: 250, q: 'PAYMENT', ...(cursor ? { cursor } : {}) }),
        (n) => n.id,
        before,
        async (page) => void (await upsertNotes(t.db, dialect, user.id, [note(`payment late ${page}`)], 150)),
      );
      expect(seen.length).toBeGreaterThanOrEqual(6_000);
    });

    it('answers every match once for terms of every frequency past the newest notes (PostgreSQL: window, scan and trigram-index paths)', async () => {
      // More notes than PG_SEARCH_WINDOW, so a term rarer than a page in the newest notes is looked for
      // among older ones: by reading them newest first (≥ PG_SCAN_MIN_HITS in the window) or through the
      // GIN index with only the trigrams rarest in the window (vendor, unique); terms without such a
      // trigram (2 characters, punctuation) keep ILIKE. SQLite runs its own planner on the same data.
      const user = await createUser(t.db);
      const other = await createUser(t.db);
      const label = (i: number) =>
        `${i % 2 ? 'payment to' : 'received from'} vendor${String((i * 7) % 1_000).padStart(4, '0')}x cat${String(i % 100).padStart(2, '0')} ref-${String(i).padStart(6, '0')}-${i % 1_500 === 7 ? ' QZ' : ''}`;
      const count = 2 * PG_SEARCH_WINDOW + 500;
      const labels = Array.from({ length: count }, (_, i) => label(i));
      // Oldest first, several notes per instant, as imports stamp them.
      for (let start = 0; start < count; start += 1_500) {
        await upsertNotes(t.db, dialect, user.id, labels.slice(start, start + 1_500).map((l) => note(l)), 1_000 + start);
      }
      await upsertNotes(t.db, dialect, other.id, [note('payment to vendor0042x cat42 ref-000006- QZ')], 5_000);
      // The list's order (newest first; within one instant by id, which the upsert assigns in key order).
      const order: string[] = [];
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = await listNotes(t.db, dialect, user.id, { limit: 500, ...(cursor ? { cursor } : {}) });
        order.push(...page.items.map((n) => n.label));
        cursor = page.next;
      }
      expect(order).toHaveLength(count);
      const terms = { scan: 'CAT07', rare: 'vendor0042x', unique: 'ref-000006-', absent: 'vendor0042xq', short: 'qz', punct: '6- qz', none: 'zzqq' };
      for (const [kind, q] of Object.entries(terms)) {
        const expected = order.filter((l) => l.toLowerCase().includes(q.toLowerCase()));
        const pages: string[] = [];
        let cursor: string | undefined;
        do {
          // 25 a page for the 1-in-100 term: its ~20 matches among the newest 2,000 are not a page, but enough to scan on.
          const limit = kind === 'scan' ? 25 : 4;
          const page = await listNotes(t.db, dialect, user.id, { limit, q, ...(cursor ? { cursor } : {}) });
          expect(page.items.length === limit || page.next === undefined, `${kind}: a page is full unless it is the last`).toBe(true);
          pages.push(...page.items.map((n) => n.label));
          cursor = page.next;
          // Matching notes written between pages, newest and at an instant already paged.
          if (cursor) await upsertNotes(t.db, dialect, user.id, [note(`late ${q} ${pages.length}`)], pages.length % 2 ? 1_000 : 99_000);
        } while (cursor);
        const late = pages.filter((l) => l.startsWith('late '));
        expect(new Set(pages).size, `${kind}: no note twice`).toBe(pages.length);
        expect(pages.filter((l) => !l.startsWith('late ')), `${kind}: every match once, newest first`).toEqual(expected);
        expect(late.every((l) => l.toLowerCase().includes(q.toLowerCase()))).toBe(true);
      }
    });

    it('finds labels whatever their case, also for non-ASCII queries', async () => {
      const user = await createUser(t.db);
      await upsertNotes(t.db, dialect, user.id, [note('Café Olé on the corner'), note('CAFÉ receipt'), note('cafe without accent')], 7);
      // PostgreSQL's ILIKE folds non-ASCII letters per the database's LC_CTYPE (the test cluster's is C).
      for (const q of dialect === 'sqlite' ? ['café', 'CAFÉ', 'Café'] : []) {
        const page = await listNotes(t.db, dialect, user.id, { limit: 1, q });
        const next = await listNotes(t.db, dialect, user.id, { limit: 1, q, cursor: page.next! });
        expect([...page.items, ...next.items].map((n) => n.label).sort(), q).toEqual(['CAFÉ receipt', 'Café Olé on the corner']);
        expect(next.next).toBeUndefined();
      }
      expect((await listNotes(t.db, dialect, user.id, { limit: 10, q: 'CORNER' })).items.map((n) => n.label)).toEqual(['Café Olé on the corner']);
      expect((await listNotes(t.db, dialect, user.id, { limit: 10, q: 'zzqq' })).items).toEqual([]);
    });

    it('pages notes of one type', async () => {
      const user = await createUser(t.db);
      await upsertNotes(t.db, dialect, user.id, Array.from({ length: 30 }, (_, i) => note(`addr ${i}`, i % 2 ? 'addr' : 'tx')), 5);
      const all = await listNotes(t.db, dialect, user.id, { limit: 500, type: 'addr' });
      expect(all.items).toHaveLength(15);
      await walkAll(
        (cursor) => listNotes(t.db, dialect, user.id, { limit: 4, type: 'addr', ...(cursor ? { cursor } : {}) }),
        (n) => n.id,
        new Set(all.items.map((n) => n.id)),
        async (page) => void (await upsertNotes(t.db, dialect, user.id, [note(`addr late ${page}`, 'addr')], 5)),
      );
    });
  });

  describe('invoices', () => {
    it('answers every invoice once, with and without a status, while invoices are created between pages', async () => {
      const now = 10_000_000;
      const statuses: Invoice['status'][] = ['paid', 'expired', 'pending', 'canceled', 'void'];
      const query = { limit: 500, now: new Date(now) };
      for (const status of [undefined, 'pending', 'paid', 'expired'] as const) {
        const user = await createUser(t.db);
        // Bulk requests: 25 invoices per instant; pending ones past their expiry count as expired.
        const invoices = Array.from({ length: 100 }, (_, i) => {
          const stored = statuses[i % statuses.length]!;
          const createdAt = now - 1_000 * Math.floor(i / 25);
          return invoice(user.id, createdAt, stored, stored === 'pending' && i % 2 ? now - 1 : now + 1_000);
        });
        await insertInvoices(t.db, invoices);
        const all = await listInvoices(t.db, user.id, { ...query, ...(status ? { status } : {}) });
        expect(all.items.length).toBe(status === undefined ? 80 : status === 'pending' ? 10 : status === 'expired' ? 30 : 20);
        let page = 0;
        await walkAll(
          (cursor) => listInvoices(t.db, user.id, { limit: 3, now: query.now, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) }),
          (i) => i.id,
          new Set(all.items.map((i) => i.id)),
          async () => {
            page += 1;
            const createdAt = [now + 1, now, now - 1_000][page % 3]!;
            await insertInvoices(t.db, [invoice(user.id, createdAt, status === 'pending' ? 'pending' : 'paid', now + 5_000)]);
          },
        );
      }
    });
  });

  describe('wallet transactions', () => {
    it('answers every transaction once, many per block, while new ones arrive between pages', async () => {
      const user = await createUser(t.db);
      const walletId = newId();
      await insertWallet(t.db, { id: walletId, userId: user.id, name: 'w', kind: 'address', network: 'regtest', scriptType: 'p2wpkh', descriptor: 'addr(x)', createdAt: 1 });
      const tx = (height: number | null, firstSeenAt: number) => ({ txid: hex(), height, amountSat: 1_000, firstSeenAt });
      // Mempool transactions seen at one instant, then blocks of 12 transactions each.
      const txs = [
        ...Array.from({ length: 5 }, () => tx(null, 50_000)),
        ...Array.from({ length: 60 }, (_, i) => tx(200 - Math.floor(i / 12), 40_000)),
      ];
      await upsertWalletTransactions(t.db, walletId, txs);
      await upsertNotesForSome(user.id, txs.slice(0, 10).map((x) => x.txid));
      const { seen } = await walkAll(
        (cursor) => listWalletTransactions(t.db, user.id, walletId, { limit: 7, ...(cursor ? { cursor } : {}) }),
        (x) => x.txid,
        new Set(txs.map((x) => x.txid)),
        async (page) => {
          // A new mempool transaction (sorts first), one in the newest block, one deep in an old block.
          await upsertWalletTransactions(t.db, walletId, [tx(null, 60_000 + page), tx(201, 55_000), tx(196, 55_000)]);
        },
      );
      expect(seen.length).toBeGreaterThanOrEqual(65);
    });

    async function upsertNotesForSome(userId: string, txids: string[]): Promise<void> {
      await upsertNotes(t.db, dialect, userId, txids.map((txid) => ({ type: 'tx', ref: txid, label: `note ${txid.slice(0, 6)}` })), 1);
      const page = await listWalletTransactions(t.db, userId, (await listWallets(t.db, userId, { limit: 1 })).items[0]!.id, { limit: 5 });
      expect(page.items.every((x) => x.note?.startsWith('note '))).toBe(true);
    }
  });

  describe('wallets and tokens', () => {
    it('answers every wallet and every token once with equal created_at while more are added', async () => {
      const user = await createUser(t.db);
      const wallets = Array.from({ length: 20 }, () => newId());
      for (const [i, id] of wallets.entries()) {
        await insertWallet(t.db, { id, userId: user.id, name: `w${i}`, kind: 'address', network: 'regtest', scriptType: 'p2wpkh', descriptor: `addr(${i})`, createdAt: 1_000 + (i % 2) });
      }
      await walkAll(
        (cursor) => listWallets(t.db, user.id, { limit: 3, ...(cursor ? { cursor } : {}) }),
        (w) => w.id,
        new Set(wallets),
        async (page) => {
          await insertWallet(t.db, { id: newId(), userId: user.id, name: `late ${page}`, kind: 'address', network: 'regtest', scriptType: 'p2wpkh', descriptor: `addr(late ${page})`, createdAt: 1_000 });
        },
      );
      const tokens = Array.from({ length: 20 }, () => newId());
      for (const [i, id] of tokens.entries()) {
        await insertApiToken(t.db, { id, userId: user.id, name: `t${i}`, tokenHash: hex(), scopes: ['read'], createdAt: 5 });
      }
      await walkAll(
        (cursor) => listApiTokens(t.db, user.id, { limit: 3, ...(cursor ? { cursor } : {}) }),
        (x) => x.id,
        new Set(tokens),
        async (page) => void (await insertApiToken(t.db, { id: newId(), userId: user.id, name: `late ${page}`, tokenHash: hex(), scopes: ['read'], createdAt: 5 })),
      );
    });
  });
});
