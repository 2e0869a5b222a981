/**
 * One contract for every ChainBackend: Esplora against the local Esplora server and Electrum against
 * the local Electrum server, both over the same FakeChain, must give the chain's own answers — and so
 * the same answers as each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElectrumBackend } from '../../../src/adapters/chain/electrum.js';
import { EsploraBackend } from '../../../src/adapters/chain/esplora.js';
import { ChainProtocolError, type ChainBackend, type ScriptRef } from '../../../src/domain/wallets/chain.js';
import { startElectrumServer, type ElectrumServer } from '../../helpers/chain/electrum-server.js';
import { startEsploraServer, type EsploraServer } from '../../helpers/chain/esplora-server.js';
import { buildScenario, type Scenario } from '../../helpers/chain/scenarios.js';
import type { TestAccount } from '../../helpers/chain/test-accounts.js';

let scenario: Scenario;
let esploraServer: EsploraServer;
let electrumServer: ElectrumServer;
const backends: Record<'esplora' | 'electrum', ChainBackend> = {} as never;

beforeAll(async () => {
  scenario = buildScenario();
  esploraServer = await startEsploraServer(scenario.chain);
  electrumServer = await startElectrumServer(scenario.chain);
  backends.esplora = new EsploraBackend({ baseUrl: esploraServer.url, attemptTimeoutMs: 5_000 });
  backends.electrum = new ElectrumBackend({ url: electrumServer.url, attemptTimeoutMs: 5_000 });
});

afterAll(async () => {
  await Promise.all([backends.esplora?.close(), backends.electrum?.close()]);
  await Promise.all([esploraServer?.close(), electrumServer?.close()]);
});

function refs(account: TestAccount, chain: 0 | 1, count: number): ScriptRef[] {
  return Array.from({ length: count }, (_, i) => {
    const a = account.address(chain, i);
    return { scriptPubKey: a.script, address: a.address };
  });
}

/** What the chain itself says a transaction is, in the port's shape. */
function expectedTx(txid: string) {
  const chain = scenario.chain;
  const tx = chain.tx(txid)!;
  const coinbase = tx.vin.some((i) => i.coinbase);
  const vin = tx.vin.map((i) =>
    i.coinbase
      ? { prevTxid: i.prevTxid, vout: i.vout, coinbase: true }
      : { prevTxid: i.prevTxid, vout: i.vout, value: chain.prevout(i.prevTxid, i.vout)!.value, scriptPubKey: chain.prevout(i.prevTxid, i.vout)!.script },
  );
  const vout = tx.vout.map((o) => ({ value: o.value, scriptPubKey: o.script }));
  const fee = coinbase ? undefined : vin.reduce((s, i) => s + (i.value ?? 0), 0) - vout.reduce((s, o) => s + o.value, 0);
  return {
    txid,
    height: tx.block?.height ?? null,
    ...(tx.block ? { time: tx.block.time } : {}),
    ...(fee !== undefined ? { fee } : {}),
    vin,
    vout,
  };
}

describe.each(['esplora', 'electrum'] as const)('%s backend contract', (kind) => {
  it('reports the tip height', async () => {
    expect(await backends[kind].tipHeight()).toBe(scenario.chain.tipHeight);
  });

  it('returns each script history, confirmed by height then mempool, keyed by scriptPubKey', async () => {
    const scripts = [...refs(scenario.alice.account, 0, 6), ...refs(scenario.alice.account, 1, 2)];
    const histories = await backends[kind].scriptHistories(scripts);
    expect(histories.size).toBe(scripts.length);
    for (const script of scripts) {
      const expected = scenario.chain.history(script.scriptPubKey);
      const sorted = [...expected].sort((a, b) => (a.height ?? 1e12) - (b.height ?? 1e12) || (a.txid < b.txid ? -1 : 1));
      expect(histories.get(script.scriptPubKey)).toEqual(sorted);
    }
    const r3 = histories.get(scenario.alice.account.address(0, 3).script)!;
    expect(r3).toEqual([{ txid: scenario.txids.pending, height: null }]);
    expect(histories.get(scenario.alice.account.address(0, 5).script)).toEqual([]);
  });

  it('pages a history longer than one Esplora page (30 confirmed transactions)', async () => {
    const [script] = refs(scenario.carol.account, 0, 2).slice(1);
    const history = (await backends[kind].scriptHistories([script!])).get(script!.scriptPubKey)!;
    expect(history).toHaveLength(30);
    expect(new Set(history.map((h) => h.txid))).toEqual(new Set(scenario.carol.amounts.keys()));
    if (kind === 'esplora') expect(esploraServer.requests.filter((p) => p.includes('/txs/chain/'))).toHaveLength(1);
  });

  it('decodes transactions with prevout values, fee, height and block time', async () => {
    const ids = Object.values(scenario.txids);
    const txs = await backends[kind].transactions(ids.map((txid) => ({ txid, height: scenario.chain.tx(txid)!.block?.height ?? null })));
    expect(txs.size).toBe(ids.length);
    for (const txid of ids) expect(txs.get(txid)).toEqual(expectedTx(txid));
    expect(txs.get(scenario.txids.aliceSpend)!.fee).toBe(10_000);
    expect(txs.get(scenario.txids.pending)!.height).toBeNull();
  });

  it('includes the raw transaction when asked', async () => {
    const txid = scenario.txids.shared;
    const txs = await backends[kind].transactions([{ txid, height: scenario.chain.tx(txid)!.block!.height }], { hex: true });
    expect(txs.get(txid)!.hex).toBe(scenario.chain.tx(txid)!.hex);
  });

  it('answers an unknown txid with a ChainProtocolError', async () => {
    await expect(backends[kind].transactions([{ txid: 'ab'.repeat(32), height: null }])).rejects.toBeInstanceOf(ChainProtocolError);
  });
});

describe('esplora and electrum agree', () => {
  it('give the same histories and decoded transactions for every scenario wallet', async () => {
    const { alice, bob, gap19, gap20, carol } = scenario;
    const scripts = [alice, bob, gap19, gap20, carol].flatMap((w) => [...refs(w.account, 0, 22), ...refs(w.account, 1, 3)]);
    const [h1, h2] = await Promise.all([backends.esplora.scriptHistories(scripts), backends.electrum.scriptHistories(scripts)]);
    expect(h1).toEqual(h2);
    const entries = [...new Map([...h1.values()].flat().map((e) => [e.txid, e])).values()];
    expect(entries.length).toBeGreaterThan(35);
    const [t1, t2] = await Promise.all([backends.esplora.transactions(entries), backends.electrum.transactions(entries)]);
    expect(t1).toEqual(t2);
  });
});

describe('electrum batching', () => {
  it('sends N script histories as one JSON-RPC batch: one round trip', async () => {
    const before = electrumServer.roundTrips;
    const scripts = refs(scenario.alice.account, 0, 40);
    await backends.electrum.scriptHistories(scripts);
    expect(electrumServer.roundTrips - before).toBe(1);
    expect(electrumServer.batchSizes.at(-1)).toBe(40);
  });

  it('fetches transactions, their block headers and then their parents in two round trips', async () => {
    const before = electrumServer.roundTrips;
    const ids = Object.values(scenario.txids);
    await backends.electrum.transactions(ids.map((txid) => ({ txid, height: scenario.chain.tx(txid)!.block?.height ?? null })));
    expect(electrumServer.roundTrips - before).toBe(2);
  });

  it('splits batches larger than batchSize into several lines written at once', async () => {
    const small = new ElectrumBackend({ url: electrumServer.url, batchSize: 10 });
    try {
      await small.tipHeight();
      const before = electrumServer.roundTrips;
      await small.scriptHistories(refs(scenario.alice.account, 0, 35));
      expect(electrumServer.roundTrips - before).toBe(4);
      expect(electrumServer.batchSizes.slice(-4)).toEqual([10, 10, 10, 5]);
    } finally {
      await small.close();
    }
  });
});
