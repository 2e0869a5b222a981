/**
 * Gap-limit sync through both backends against their local servers over the same scenario chain:
 * gap boundary (used at 19 → found, at 20 → not), change, a transaction touching two wallets, paging,
 * and an unconfirmed payment that confirms before a second, incremental sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultKeyCrypto } from '../../../src/adapters/crypto/native-key-crypto.js';
import { ElectrumBackend } from '../../../src/adapters/chain/electrum.js';
import { EsploraBackend } from '../../../src/adapters/chain/esplora.js';
import type { ChainBackend } from '../../../src/domain/wallets/chain.js';
import { syncWallet } from '../../../src/domain/wallets/sync.js';
import { createWalletDeriver, type WalletDeriver } from '../../../src/domain/wallets/wallet-deriver.js';
import { parseWalletSource } from '../../../src/domain/wallets/wallet-source.js';
import { startElectrumServer, type ElectrumServer } from '../../helpers/chain/electrum-server.js';
import { startEsploraServer, type EsploraServer } from '../../helpers/chain/esplora-server.js';
import { buildScenario, type Scenario, type WalletExpectation } from '../../helpers/chain/scenarios.js';

function deriverFor(wallet: WalletExpectation): WalletDeriver {
  return createWalletDeriver(parseWalletSource(wallet.account.descriptor, { network: 'regtest' }), defaultKeyCrypto());
}

interface Harness {
  scenario: Scenario;
  esploraServer: EsploraServer;
  electrumServer: ElectrumServer;
  backends: { esplora: ChainBackend; electrum: ElectrumBackend };
  close(): Promise<void>;
}

async function harness(): Promise<Harness> {
  const scenario = buildScenario();
  const esploraServer = await startEsploraServer(scenario.chain);
  const electrumServer = await startElectrumServer(scenario.chain);
  const backends = {
    esplora: new EsploraBackend({ baseUrl: esploraServer.url, attemptTimeoutMs: 5_000 }),
    electrum: new ElectrumBackend({ url: electrumServer.url, attemptTimeoutMs: 5_000 }),
  };
  return {
    scenario,
    esploraServer,
    electrumServer,
    backends,
    async close() {
      await Promise.all([backends.esplora.close(), backends.electrum.close()]);
      await Promise.all([esploraServer.close(), electrumServer.close()]);
    },
  };
}

function expectWallet(result: Awaited<ReturnType<typeof syncWallet>>, wallet: WalletExpectation): void {
  expect(result.balanceSat).toEqual({ confirmed: wallet.confirmed, unconfirmed: wallet.unconfirmed });
  expect(result.state.used).toEqual({ receive: wallet.usedReceive, change: wallet.usedChange });
  expect(new Map(result.transactions.map((t) => [t.txid, t.amountSat]))).toEqual(wallet.amounts);
}

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h?.close();
});

describe.each(['esplora', 'electrum'] as const)('sync through %s', (kind) => {
  it('alice: balance, change, fee and net amounts (receive 0–3, change 0)', async () => {
    const { alice, txids } = h.scenario;
    const result = await syncWallet(deriverFor(alice), h.backends[kind]);
    expectWallet(result, alice);
    const spend = result.transactions.find((t) => t.txid === txids.aliceSpend)!;
    expect(spend).toMatchObject({ amountSat: -310_000, feeSat: 10_000, height: h.scenario.chain.tx(txids.aliceSpend)!.block!.height });
    expect(spend.time).toBe(h.scenario.chain.tx(txids.aliceSpend)!.block!.time);
    expect(result.transactions[0]).toMatchObject({ txid: txids.pending, height: null });
    expect(result.usedAddresses).toBe(5);
    expect(result.state.tipHeight).toBe(h.scenario.chain.tipHeight);
  });

  it('a transaction paying two wallets counts for each with its own output', async () => {
    const { bob, txids } = h.scenario;
    const result = await syncWallet(deriverFor(bob), h.backends[kind]);
    expectWallet(result, bob);
    expect(result.transactions).toEqual([expect.objectContaining({ txid: txids.shared, amountSat: 250_000 })]);
  });

  it('gap 20: a wallet used only at receive index 19 is found, and the scan goes on to 39', async () => {
    const result = await syncWallet(deriverFor(h.scenario.gap19), h.backends[kind], { gapLimit: { receive: 20, change: 20 } });
    expectWallet(result, h.scenario.gap19);
    expect(result.stats.rounds).toBe(2);
    expect(result.stats.scriptsQueried).toBe(20 + 20 + 20);
  });

  it('gap 20: a wallet used only at receive index 20, nothing between, is not found', async () => {
    const result = await syncWallet(deriverFor(h.scenario.gap20), h.backends[kind], { gapLimit: { receive: 20, change: 20 } });
    expect(result.balanceSat).toEqual({ confirmed: 0, unconfirmed: 0 });
    expect(result.transactions).toEqual([]);
    expect(result.stats).toMatchObject({ rounds: 1, scriptsQueried: 40, transactionsFetched: 0 });
  });

  it('the same wallet is found with a receive gap limit of 21', async () => {
    const result = await syncWallet(deriverFor(h.scenario.gap20), h.backends[kind], { gapLimit: { receive: 21, change: 5 } });
    expect(result.balanceSat.confirmed).toBe(60_000);
    expect(result.state.used.receive).toEqual([20]);
  });

  it('carol: 30 payments to one address, beyond one Esplora page', async () => {
    const result = await syncWallet(deriverFor(h.scenario.carol), h.backends[kind]);
    expectWallet(result, h.scenario.carol);
    expect(result.transactions).toHaveLength(30);
  });

  it('an address wallet and a receive-only descriptor wallet', async () => {
    const { alice } = h.scenario;
    const address = createWalletDeriver(parseWalletSource(alice.account.address(0, 0).address), defaultKeyCrypto());
    const one = await syncWallet(address, h.backends[kind]);
    expect(one.balanceSat).toEqual({ confirmed: 0, unconfirmed: 0 });
    expect(one.transactions.map((t) => t.amountSat).sort()).toEqual([-1_000_000, 1_000_000]);
    const receiveOnly = createWalletDeriver(
      parseWalletSource(alice.account.descriptor.replace('<0;1>', '0'), { network: 'regtest' }),
      defaultKeyCrypto(),
    );
    const r = await syncWallet(receiveOnly, h.backends[kind]);
    // The change output is not the wallet's here: the spend costs the whole input.
    expect(r.transactions.find((t) => t.txid === h.scenario.txids.aliceSpend)!.amountSat).toBe(-1_000_000);
  });
});

describe('both backends', () => {
  it('give the same sync result for every scenario wallet', async () => {
    const { alice, bob, gap19, gap20, carol } = h.scenario;
    for (const wallet of [alice, bob, gap19, gap20, carol]) {
      const [a, b] = await Promise.all([syncWallet(deriverFor(wallet), h.backends.esplora), syncWallet(deriverFor(wallet), h.backends.electrum)]);
      expect(a).toEqual(b);
    }
  });

  it('electrum: each round of address histories is one JSON-RPC batch', async () => {
    const before = h.electrumServer.batchSizes.length;
    const result = await syncWallet(deriverFor(h.scenario.gap19), h.backends.electrum);
    const batches = h.electrumServer.batchSizes.slice(before);
    expect(result.stats.rounds).toBe(2);
    // tip, round 1 (20 receive + 20 change), round 2 (20 receive), transactions + headers, parents
    expect(batches.filter((n) => n === 40 || n === 20)).toEqual([40, 20]);
  });
});

describe.each(['esplora', 'electrum'] as const)('incremental sync through %s', (kind) => {
  let own: Harness;
  beforeAll(async () => {
    own = await harness();
  });
  afterAll(async () => {
    await own?.close();
  });

  it('an unconfirmed payment that confirms: the second sync fetches only it; a third fetches nothing', async () => {
    const { alice, txids } = own.scenario;
    const deriver = deriverFor(alice);
    const first = await syncWallet(deriver, own.backends[kind]);
    expect(first.balanceSat).toEqual({ confirmed: 1_040_000, unconfirmed: 75_000 });
    expect(first.stats.transactionsFetched).toBe(5);

    own.scenario.confirmPending();
    const second = await syncWallet(deriver, own.backends[kind], { previous: first.state });
    expect(second.balanceSat).toEqual({ confirmed: 1_115_000, unconfirmed: 0 });
    expect(second.stats.transactionsFetched).toBe(1);
    expect(second.changes).toEqual({ added: [], updated: [txids.pending], removed: [] });
    const confirmed = second.transactions.find((t) => t.txid === txids.pending)!;
    expect(confirmed.height).toBe(own.scenario.chain.tipHeight);
    expect(confirmed.time).toBe(own.scenario.chain.blocks.at(-1)!.time);
    expectWallet(second, alice);

    const third = await syncWallet(deriver, own.backends[kind], { previous: second.state });
    expect(third.stats.transactionsFetched).toBe(0);
    expect(third.changes).toEqual({ added: [], updated: [], removed: [] });
    expect(third.balanceSat).toEqual(second.balanceSat);
    // The first round already covers every known used index plus the gap.
    expect(third.stats.rounds).toBe(1);
  });

  it('a new payment to a fresh address past the known ones is found incrementally', async () => {
    const { alice } = own.scenario;
    const deriver = deriverFor(alice);
    const before = await syncWallet(deriver, own.backends[kind]);
    const payment = own.scenario.chain.fund([{ address: alice.account.address(0, 10).address, value: 5_000 }]);
    const after = await syncWallet(deriver, own.backends[kind], { previous: before.state });
    expect(after.changes.added).toEqual([payment]);
    expect(after.stats.transactionsFetched).toBe(1);
    expect(after.balanceSat.unconfirmed).toBe(before.balanceSat.unconfirmed + 5_000);
  });
});
