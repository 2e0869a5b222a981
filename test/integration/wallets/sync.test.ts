/**
 * Wallet sync over HTTP on both engines through both backends, against the local Esplora and Electrum
 * servers over the scenario chain (test/helpers/chain/scenarios.ts): balances and history, the gap
 * boundary (19 found, 20 not) and the re-scan after raising the limit, next-unused warnings, paging
 * that returns every row once, CSV export with notes made formula-safe, a backend failure (503/502,
 * stored data untouched), and concurrent syncs coalescing within and across instances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElectrumBackend } from '../../../src/adapters/chain/electrum.js';
import { EsploraBackend } from '../../../src/adapters/chain/esplora.js';
import type { ChainBackend } from '../../../src/domain/wallets/chain.js';
import type { Satchel } from '../../../src/main.js';
import { startElectrumServer, type ElectrumServer } from '../../helpers/chain/electrum-server.js';
import { startEsploraServer, type EsploraServer } from '../../helpers/chain/esplora-server.js';
import { buildScenario, type Scenario, type WalletExpectation } from '../../helpers/chain/scenarios.js';
import { testAccount } from '../../helpers/chain/test-accounts.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { ApiUser, FAST_CHAIN, expectProblem, startWalletInstance, type WalletView } from './harness.js';

const BACKENDS = ['esplora', 'electrum'] as const;

interface SyncView {
  balanceSat: { confirmed: number; unconfirmed: number };
  txCount: number;
  usedAddresses: number;
  lastSyncedAt: string;
  changes: { added: number; updated: number; removed: number };
}

interface TxView {
  txid: string;
  time?: number;
  height?: number;
  amountSat: number;
  feeSat?: number;
  note?: string;
}

/** Parses the export (RFC 4180: quoted cells may hold commas, doubled quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endCell();
    else if (ch === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    endCell();
    rows.push(row);
  }
  return rows;
}

describe.each(DIALECTS)('wallet sync (%s)', (dialect) => {
  describe.each(BACKENDS)('through %s', (kind) => {
    let scenario: Scenario;
    let esploraServer: EsploraServer;
    let electrumServer: ElectrumServer;
    let database: TestDatabase;
    let satchel: Satchel;
    let second: Satchel;
    let user: ApiUser;
    const backends: ChainBackend[] = [];

    const makeBackend = (): ChainBackend => {
      const backend = kind === 'esplora' ? new EsploraBackend({ baseUrl: esploraServer.url, ...FAST_CHAIN }) : new ElectrumBackend({ url: electrumServer.url, ...FAST_CHAIN });
      backends.push(backend);
      return backend;
    };
    const faults = () => (kind === 'esplora' ? esploraServer.faults : electrumServer.faults);

    beforeAll(async () => {
      scenario = buildScenario();
      esploraServer = await startEsploraServer(scenario.chain);
      electrumServer = await startElectrumServer(scenario.chain);
      database = await openTestDatabase(dialect);
      const env: Record<string, string> =
        kind === 'esplora' ? { CHAIN_BACKEND: 'esplora', ESPLORA_URL: esploraServer.url } : { CHAIN_BACKEND: 'electrum', ELECTRUM_URL: electrumServer.url };
      satchel = await startWalletInstance({ database, env, chainBackend: makeBackend() });
      second = await startWalletInstance({ database, env, chainBackend: makeBackend() });
      user = await ApiUser.create(satchel, `sync_${kind}`);
    });
    afterAll(async () => {
      await second?.close();
      await satchel?.close();
      await database?.close();
      await esploraServer?.close();
      await electrumServer?.close();
    });

    const create = (name: string, wallet: WalletExpectation | string, gap?: { receive: number; change: number }) =>
      user
        .createWallet({ name, source: typeof wallet === 'string' ? wallet : wallet.account.descriptor, network: 'regtest' })
        .then(async (w) => (gap ? user.json<WalletView>('PATCH', `/api/wallets/${w.id}`, { gapLimit: gap }) : w));
    const sync = (id: string) => user.json<SyncView>('POST', `/api/wallets/${id}/sync`);
    const allTransactions = async (id: string, limit: number): Promise<{ rows: TxView[]; pages: number }> => {
      const rows: TxView[] = [];
      let pages = 0;
      let url = `/api/wallets/${id}/transactions?limit=${limit}`;
      for (;;) {
        const page = await user.json<{ transactions: TxView[]; next?: string }>('GET', url);
        pages++;
        expect(page.transactions.length).toBeLessThanOrEqual(limit);
        rows.push(...page.transactions);
        if (!page.next) return { rows, pages };
        url = `/api/wallets/${id}/transactions?limit=${limit}&cursor=${encodeURIComponent(page.next)}`;
      }
    };

    it('syncs alice: balance, counts, history newest first with heights, times, fees', async () => {
      const { alice, txids, chain } = scenario;
      const wallet = await create('alice', alice);
      const result = await sync(wallet.id);
      expect(result).toMatchObject({
        balanceSat: { confirmed: alice.confirmed, unconfirmed: alice.unconfirmed },
        txCount: alice.amounts.size,
        usedAddresses: 5,
        changes: { added: alice.amounts.size, updated: 0, removed: 0 },
      });
      const stored = await user.json<WalletView>('GET', `/api/wallets/${wallet.id}`);
      expect(stored).toMatchObject({ balanceSat: result.balanceSat, txCount: 5, usedAddresses: 5, lastSyncedAt: result.lastSyncedAt });

      const { rows } = await allTransactions(wallet.id, 50);
      expect(new Map(rows.map((t) => [t.txid, t.amountSat]))).toEqual(alice.amounts);
      expect(rows[0]).toEqual({ txid: txids.pending, amountSat: 75_000, feeSat: 1_000 });
      const spend = rows.find((t) => t.txid === txids.aliceSpend)!;
      const block = chain.tx(txids.aliceSpend)!.block!;
      expect(spend).toEqual({ txid: txids.aliceSpend, height: block.height, time: block.time, amountSat: -310_000, feeSat: 10_000 });
      const heights = rows.slice(1).map((t) => t.height!);
      expect(heights).toEqual([...heights].sort((a, b) => b - a));

      // Incremental: nothing new on a second sync.
      expect((await sync(wallet.id)).changes).toEqual({ added: 0, updated: 0, removed: 0 });
    });

    it('gap 20: used only at receive 19 is found; used only at 20 is not, until the limit is raised (re-scan)', async () => {
      const gap19 = await create('gap19', scenario.gap19);
      expect(await sync(gap19.id)).toMatchObject({ balanceSat: { confirmed: 50_000, unconfirmed: 0 }, usedAddresses: 1 });

      const gap20 = await create('gap20', scenario.gap20);
      expect(await sync(gap20.id)).toMatchObject({ balanceSat: { confirmed: 0, unconfirmed: 0 }, txCount: 0, usedAddresses: 0 });
      const raised = await user.json<WalletView>('PATCH', `/api/wallets/${gap20.id}`, { gapLimit: { receive: 21, change: 20 } });
      expect(raised.rescanPending).toBe(true);
      const rescanned = await sync(gap20.id);
      expect(rescanned).toMatchObject({ balanceSat: { confirmed: 60_000, unconfirmed: 0 }, txCount: 1, usedAddresses: 1 });
      expect((await user.json<WalletView>('GET', `/api/wallets/${gap20.id}`)).rescanPending).toBe(false);
      const next = await user.json('GET', `/api/wallets/${gap20.id}/addresses/next-unused?chain=receive`);
      expect(next).toMatchObject({ chain: 'receive', index: 21, lastUsedIndex: 20, gapLimit: 21, address: scenario.gap20.account.address(0, 21).address });
      expect(next.warning).toBeUndefined();
    });

    it('hands out next unused addresses in order and warns at and past the gap', async () => {
      const fresh = await create('fresh', testAccount('p2wpkh', 7).descriptor, { receive: 3, change: 20 });
      await sync(fresh.id);
      const url = `/api/wallets/${fresh.id}/addresses/next-unused?chain=receive`;
      const peek = await user.json('GET', url);
      expect(peek).toMatchObject({ index: 0, lastUsedIndex: null, gapLimit: 3, path: '0/0' });
      expect(await user.json('GET', url)).toEqual(peek); // a GET hands nothing out
      const handed = [];
      for (let i = 0; i < 5; i++) handed.push(await user.json('POST', url));
      expect(handed.map((a) => a.index)).toEqual([0, 1, 2, 3, 4]);
      expect(handed.map((a) => a.warning?.code)).toEqual([undefined, undefined, 'gap_limit_reached', 'beyond_gap_limit', 'beyond_gap_limit']);
      expect(handed[3].warning.message).toMatch(/raised to at least 4/);
      expect((await user.json('GET', `/api/wallets/${fresh.id}/addresses/next-unused?chain=change`)).index).toBe(0);
      expectProblem(await user.call('GET', `${url.replace('receive', 'savings')}`), 400, 'invalid_input');
    });

    it('pages carol’s 30 transactions 7 at a time: every row once, newest first', async () => {
      const carol = await create('carol', scenario.carol);
      expect((await sync(carol.id)).txCount).toBe(30);
      const { rows, pages } = await allTransactions(carol.id, 7);
      expect(pages).toBe(5);
      expect(rows.map((t) => t.txid).sort()).toEqual([...scenario.carol.amounts.keys()].sort());
      const keys = rows.map((t) => [t.height!, t.txid] as const);
      for (let i = 1; i < keys.length; i++) {
        const [h0, t0] = keys[i - 1]!;
        const [h1, t1] = keys[i]!;
        expect(h0 > h1 || (h0 === h1 && t0 > t1)).toBe(true);
      }
      expectProblem(await user.call('GET', `/api/wallets/${carol.id}/transactions?cursor=%21%21`), 400, 'invalid_cursor');
    });

    it('exports the history as CSV with a running balance and formula-safe notes', async () => {
      const { alice, txids } = scenario;
      const wallet = await create('alice csv', alice);
      await sync(wallet.id);
      const now = Date.now();
      const notes = { [txids.aliceSpend]: '=HYPERLINK("http://evil.example","x")', [txids.aliceFund0]: '+1,2', [txids.shared]: '@SUM(A1)', [txids.pending]: 'rent, "May"' };
      for (const [ref, label] of Object.entries(notes)) {
        await database.db.insertInto('notes').values({ user_id: user.id, type: 'tx', ref, label, origin: null, spendable: null, created_at: now, updated_at: now }).execute();
      }
      const response = await user.call('GET', `/api/wallets/${wallet.id}/transactions.csv`);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/csv/);
      expect(response.headers['content-disposition']).toMatch(/^attachment; filename="wallet-.+\.csv"$/);
      const [header, ...rows] = parseCsv(response.body);
      expect(header).toEqual(['date', 'txid', 'amount', 'fee', 'balance', 'note']);
      expect(rows).toHaveLength(5);
      expect(rows.at(-1)![1]).toBe(txids.pending); // oldest first: the mempool last
      expect(rows.at(-1)![0]).toBe('');
      expect(Number(rows.at(-1)![4])).toBe(alice.confirmed + alice.unconfirmed);
      let balance = 0;
      for (const row of rows) {
        balance += Number(row[2]);
        expect(Number(row[4])).toBe(balance);
      }
      const byTxid = new Map(rows.map((r) => [r[1], r]));
      expect(byTxid.get(txids.aliceSpend)![5]).toBe(`'${notes[txids.aliceSpend]}`);
      expect(byTxid.get(txids.aliceFund0)![5]).toBe(`'+1,2`);
      expect(byTxid.get(txids.shared)![5]).toBe(`'@SUM(A1)`);
      expect(byTxid.get(txids.pending)![5]).toBe('rent, "May"');
      expect(byTxid.get(txids.aliceSpend)![2]).toBe('-310000'); // our own integers stay numbers
      expect(byTxid.get(txids.aliceSpend)![0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // Every cell that starts like a formula is a neutralised text cell.
      for (const row of rows) for (const cell of [row[0], row[1], row[5]]) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

      // The API list carries the same notes.
      const { rows: listed } = await allTransactions(wallet.id, 50);
      expect(listed.find((t) => t.txid === txids.aliceSpend)!.note).toBe(notes[txids.aliceSpend]);
      expect(listed.find((t) => t.txid === txids.aliceFund1)!.note).toBeUndefined();
    });

    it('answers 503 (down) or 502 (garbage) while the backend fails, leaving stored data untouched', async () => {
      const wallet = await create('alice failing', scenario.alice);
      await sync(wallet.id);
      const before = await user.json<WalletView>('GET', `/api/wallets/${wallet.id}`);
      const rowsBefore = (await allTransactions(wallet.id, 50)).rows;
      try {
        faults().set({ mode: 'error' });
        expectProblem(await user.call('POST', `/api/wallets/${wallet.id}/sync`), kind === 'esplora' ? 503 : 502, kind === 'esplora' ? 'dependency_down' : 'bad_gateway');
        faults().set({ mode: 'malformed' });
        expectProblem(await user.call('POST', `/api/wallets/${wallet.id}/sync`), 502, 'bad_gateway');
      } finally {
        faults().set(undefined);
      }
      expect(await user.json<WalletView>('GET', `/api/wallets/${wallet.id}`)).toEqual(before);
      expect((await allTransactions(wallet.id, 50)).rows).toEqual(rowsBefore);
      // The lease was released: the next sync runs.
      expect((await sync(wallet.id)).txCount).toBe(scenario.alice.amounts.size);
    });

    it('coalesces concurrent syncs of one wallet, within an instance and across instances', async () => {
      const wallet = await create('bob', scenario.bob);
      const other = new ApiUser(user.client, user.token, user.id);
      const viaSecond = (id: string) =>
        second.app.inject({ method: 'POST', url: `/api/wallets/${id}/sync`, headers: { authorization: `Bearer ${other.token}` } });
      const [a, b, c, d] = await Promise.all([sync(wallet.id), sync(wallet.id), sync(wallet.id), viaSecond(wallet.id)]);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      expect(d.statusCode, d.body).toBe(200);
      expect(d.json()).toMatchObject({ balanceSat: { confirmed: 250_000, unconfirmed: 0 }, txCount: 1, lastSyncedAt: a.lastSyncedAt });
    });

    it('picks up a confirmation on the next sync (the mempool row is updated, not duplicated)', async () => {
      const { alice, txids } = scenario;
      const wallet = await create('alice confirm', alice);
      await sync(wallet.id);
      scenario.confirmPending();
      if (kind === 'electrum') electrumServer.announceTip();
      const after = await sync(wallet.id);
      expect(after).toMatchObject({ balanceSat: { confirmed: alice.confirmed, unconfirmed: 0 }, txCount: 5, changes: { added: 0, updated: 1, removed: 0 } });
      const { rows } = await allTransactions(wallet.id, 50);
      expect(rows).toHaveLength(5);
      expect(rows[0]).toMatchObject({ txid: txids.pending, height: scenario.chain.tipHeight });
    });
  });
});
