/**
 * The chain backend slow, down or answering garbage, seen through the sync route (POST
 * /api/wallets/:id/sync) on both engines and both backends, against the local Esplora and Electrum
 * servers: a 503 (slow: attempts time out; down: connection refused) or 502 (garbage) problem within the
 * configured budget, the circuit then failing at once, and the wallet's stored balance and transactions
 * exactly as before. (test/integration/wallets/sync.test.ts covers HTTP 500s and JSON-RPC errors;
 * test/integration/chain/backend-faults.test.ts the adapters' retry, Retry-After and breaker rules.)
 */
import { createServer, type AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElectrumBackend } from '../../../src/adapters/chain/electrum.js';
import { EsploraBackend } from '../../../src/adapters/chain/esplora.js';
import type { ChainBackend } from '../../../src/domain/wallets/chain.js';
import type { Satchel } from '../../../src/main.js';
import { startElectrumServer, type ElectrumServer } from '../../helpers/chain/electrum-server.js';
import { startEsploraServer, type EsploraServer } from '../../helpers/chain/esplora-server.js';
import { buildScenario, type Scenario } from '../../helpers/chain/scenarios.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { ApiUser, expectProblem, startWalletInstance, type WalletView } from '../wallets/harness.js';

/** Short attempts so a hung backend shows quickly; production defaults are 3 × 10 s (docs/deploy.md). */
const BUDGET = { attemptTimeoutMs: 400, maxAttempts: 2, backoffMs: 10, breakerThreshold: 1_000, breakerHalfOpenMs: 60_000 };
const WORST_MS = BUDGET.maxAttempts * BUDGET.attemptTimeoutMs + 2 * BUDGET.backoffMs + 700;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function timed(request: Promise<LightMyRequestResponse>): Promise<{ response: LightMyRequestResponse; ms: number }> {
  const started = performance.now();
  const response = await request;
  return { response, ms: performance.now() - started };
}

describe.each(DIALECTS)('chain backend faults over HTTP (%s)', (dialect) => {
  describe.each(['esplora', 'electrum'] as const)('through %s', (kind) => {
    let scenario: Scenario;
    let esplora: EsploraServer;
    let electrum: ElectrumServer;
    let database: TestDatabase;
    let healthy: Satchel;
    let unreachable: Satchel;
    let user: ApiUser;
    const backends: ChainBackend[] = [];

    const backendAt = (where: { esplora: string; electrum: string }, options: Partial<typeof BUDGET> = {}): ChainBackend => {
      const backend =
        kind === 'esplora'
          ? new EsploraBackend({ baseUrl: where.esplora, ...BUDGET, ...options })
          : new ElectrumBackend({ url: where.electrum, ...BUDGET, ...options });
      backends.push(backend);
      return backend;
    };
    const faults = () => (kind === 'esplora' ? esplora.faults : electrum.faults);

    beforeAll(async () => {
      scenario = buildScenario();
      esplora = await startEsploraServer(scenario.chain);
      electrum = await startElectrumServer(scenario.chain);
      database = await openTestDatabase(dialect);
      const env: Record<string, string> =
        kind === 'esplora' ? { CHAIN_BACKEND: 'esplora', ESPLORA_URL: esplora.url } : { CHAIN_BACKEND: 'electrum', ELECTRUM_URL: electrum.url };
      healthy = await startWalletInstance({ database, env, chainBackend: backendAt({ esplora: esplora.url, electrum: electrum.url }) });
      // A second instance on the same database whose backend is down (nothing listens): the circuit opens
      // after two consecutive failures.
      const port = await closedPort();
      unreachable = await startWalletInstance({
        database,
        env,
        chainBackend: backendAt({ esplora: `http://127.0.0.1:${port}`, electrum: `tcp://127.0.0.1:${port}` }, { breakerThreshold: 2 }),
      });
      user = await ApiUser.create(healthy, `faults_${kind}`);
    });
    afterAll(async () => {
      faults().set(undefined);
      await unreachable?.close();
      await healthy?.close();
      await Promise.all(backends.map((b) => b.close()));
      await database?.close();
      await esplora?.close();
      await electrum?.close();
    });

    it('answers slow with 503, down with 503 (then at once), garbage with 502 — and keeps the stored wallet as it was', async () => {
      const { alice } = scenario;
      const wallet = await user.createWallet({ name: 'alice', source: alice.account.descriptor, network: 'regtest' });
      const synced = await user.json('POST', `/api/wallets/${wallet.id}/sync`);
      expect(synced.balanceSat).toEqual({ confirmed: alice.confirmed, unconfirmed: alice.unconfirmed });
      const stored = async () => ({
        wallet: await user.json<WalletView>('GET', `/api/wallets/${wallet.id}`),
        transactions: (await user.json<{ transactions: unknown[] }>('GET', `/api/wallets/${wallet.id}/transactions?limit=500`)).transactions,
      });
      const before = await stored();
      expect(before.transactions).toHaveLength(alice.amounts.size);
      const sync = (via: Satchel = healthy) =>
        timed(via.app.inject({ method: 'POST', url: `/api/wallets/${wallet.id}/sync`, headers: { authorization: `Bearer ${user.token}` } }));

      // Slow: every attempt times out.
      faults().set({ mode: 'hang' });
      const slow = await sync();
      expect(expectProblem(slow.response, 503, 'dependency_down').detail).toMatch(/timed out|timeout/);
      expect(slow.ms).toBeLessThan(WORST_MS);

      // Garbage: a protocol error, not retried.
      faults().set({ mode: 'malformed' });
      const garbage = await sync();
      expectProblem(garbage.response, 502, 'bad_gateway');
      expect(garbage.ms).toBeLessThan(WORST_MS);
      faults().set(undefined);

      // Down: refused; after the breaker's threshold the next sync is not even attempted.
      const down = await sync(unreachable);
      expect(expectProblem(down.response, 503, 'dependency_down').detail).toMatch(/unavailable/i);
      expect(down.ms).toBeLessThan(WORST_MS);
      const open = await sync(unreachable);
      expect(expectProblem(open.response, 503, 'dependency_down').detail).toMatch(/circuit open/);
      expect(open.ms).toBeLessThan(200);

      // Nothing the failed syncs touched was written: balance, counts, last sync time, every transaction.
      expect(await stored()).toEqual(before);
      // And the wallet syncs again once the backend is well (no lease left behind by the failures).
      const again = await sync();
      expect(again.response.statusCode, again.response.body).toBe(200);
      expect(again.response.json()).toMatchObject({ balanceSat: synced.balanceSat, txCount: synced.txCount });
    });
  });
});
