/**
 * Wallet addresses and sync through the wallet service (src/domain/wallets/wallet-service.ts), one run:
 *  1. address ranges of 1,000 (`GET /api/wallets/:id/addresses?count=1000` minus HTTP): cold (never
 *     derived: derive 10 blocks and write them to L1 + Redis), warm from this process's L1, and warm
 *     from Redis alone (another instance: L1 too small to help). Target: warm (L1) ≥ 20× cold.
 *  2. sync of a wallet with 2,000 used receive addresses (200 transactions paying 10 each) against the
 *     local Electrum server, SQLite storage: wall time and round trips, first sync and an incremental
 *     one. Target: round trips far fewer than one per address (≤ 0.1 per used address).
 * Results are checked first: the BIP-84 vector addresses, and the synced balance and counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ElectrumBackend } from '../../src/adapters/chain/electrum.js';
import { NoChainBackend } from '../../src/adapters/chain/factory.js';
import { defaultKeyCrypto } from '../../src/adapters/crypto/native-key-crypto.js';
import { newId } from '../../src/adapters/db/accounts-store.js';
import { createDatabase, type Database } from '../../src/adapters/db/database.js';
import { migrateToLatest } from '../../src/adapters/db/migrator.js';
import { insertUser } from '../../src/adapters/db/repositories/users.js';
import { createWalletStore } from '../../src/adapters/db/wallet-store.js';
import { TieredCache } from '../../src/cache/index.js';
import type { AddressBlock } from '../../src/domain/wallets/address-book.js';
import type { ChainBackend } from '../../src/domain/wallets/chain.js';
import { WalletService } from '../../src/domain/wallets/wallet-service.js';
import { startElectrumServer } from '../../test/helpers/chain/electrum-server.js';
import { FakeChain } from '../../test/helpers/chain/fake-chain.js';
import { testAccount } from '../../test/helpers/chain/test-accounts.js';
import { startRedis } from '../../test/helpers/redis-server.js';
import { check, measureAsync } from '../lib/measure.js';
import { fmt, target, writeReport } from '../lib/report.js';

const quick = process.env.BENCH_QUICK === '1';
const minMs = quick ? 300 : 1500;
// BIP-84 test vector account ("abandon … about"), m/84'/0'/0'.
const ZPUB = 'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';
const FIRST = 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu';
const USED = 2000;
const PER_TX = 10;

const dir = mkdtempSync(join(tmpdir(), 'satchel-bench-wallets-'));
const redis = await startRedis();
const caches: TieredCache[] = [];
const databases: Database[] = [];

async function service(backend: ChainBackend, l1Max: number, instanceId: string): Promise<{ wallets: WalletService; userId: string; cache: TieredCache }> {
  const database = await createDatabase({ kind: 'sqlite', file: join(dir, 'satchel.db') });
  databases.push(database);
  await migrateToLatest(database);
  const cache = new TieredCache({ redisUrl: redis.url, instanceId, keyPrefix: 'bench' });
  await cache.ready();
  caches.push(cache);
  const wallets = new WalletService({
    store: createWalletStore(database),
    backend,
    crypto: defaultKeyCrypto(),
    addressCache: cache.namespace<AddressBlock>('wallet-addresses', { policy: 'l1+l2', l1Max, ttlMs: 3600_000 }),
    defaultNetwork: 'mainnet',
    instanceId,
    newId,
  });
  const userId = 'bench-user';
  await insertUser(database.db, { id: userId, username: 'bench', passwordHash: 'x', role: 'user', createdAt: Date.now() }).catch(() => false);
  return { wallets, userId, cache };
}

const rows: Array<Record<string, string | number>> = [];
const notes: string[] = [];
try {
  // 1. Address ranges.
  const a = await service(new NoChainBackend(), 500, 'bench-a');
  const wallet = await a.wallets.create(a.userId, { name: 'bench', source: ZPUB });
  const first = await a.wallets.addresses(a.userId, wallet.id, 'receive', 0, 1000);
  check(first.length === 1000 && first[0]!.address === FIRST && first[999]!.index === 999, 'the service derives the BIP-84 vector range');

  let fresh = 1; // each cold op reads a range nobody has derived: 1,000 … 1,999, 2,000 … 2,999, …
  const cold = await measureAsync(() => a.wallets.addresses(a.userId, wallet.id, 'receive', 1000 * fresh++, 1000), { minMs, batch: 1 });
  const warm = await measureAsync(() => a.wallets.addresses(a.userId, wallet.id, 'receive', 0, 1000), { minMs, batch: 20 });

  const b = await service(new NoChainBackend(), 1, 'bench-b');
  const fromRedis = await b.wallets.addresses(b.userId, wallet.id, 'receive', 0, 1000);
  check(JSON.stringify(fromRedis) === JSON.stringify(first) && b.wallets.counters.derivedBlocks === 0, 'a second instance reads the range from Redis without deriving');
  const l2 = await measureAsync(() => b.wallets.addresses(b.userId, wallet.id, 'receive', 0, 1000), { minMs, batch: 5 });
  check(b.wallets.counters.derivedBlocks === 0, 'the Redis path never derived');

  for (const [name, r] of [
    ['cold (derive 10 blocks, write L1 + Redis)', cold],
    ['warm, L1 (this process)', warm],
    ['warm, Redis only (another instance)', l2],
  ] as const) {
    rows.push({ case: `1,000 addresses: ${name}`, 'ms/op': fmt(r.nsPerOp / 1e6), 'addresses/s': fmt(r.opsPerSec * 1000) });
    console.log(`  ${name}: ${fmt(r.nsPerOp / 1e6)} ms per 1,000 → ${fmt(r.opsPerSec * 1000)} addresses/s`);
  }

  // 2. Sync of 2,000 used addresses against the local Electrum server.
  const account = testAccount('p2wpkh', 5);
  const chain = new FakeChain();
  chain.mine(2);
  for (let tx = 0; tx < USED / PER_TX; tx++) {
    chain.fund(Array.from({ length: PER_TX }, (_, k) => ({ address: account.address(0, tx * PER_TX + k).address, value: 1_000 + tx })));
    if (tx % 25 === 24) chain.mine();
  }
  chain.mine();
  const electrum = await startElectrumServer(chain);
  const backend = new ElectrumBackend({ url: electrum.url });
  try {
    const s = await service(backend, 500, 'bench-sync');
    const synced = await s.wallets.create(s.userId, { name: 'busy', source: account.descriptor, network: 'regtest' });
    const expectedBalance = Array.from({ length: USED / PER_TX }, (_, tx) => (1_000 + tx) * PER_TX).reduce((x, y) => x + y, 0);
    await backend.tipHeight(); // connect first: the handshake is not the sync's
    const runs: Array<{ name: string; ms: number; roundTrips: number; calls: number }> = [];
    for (const name of ['first sync (cold)', 'incremental re-sync']) {
      const trips = electrum.roundTrips;
      const calls = [...electrum.calls.values()].reduce((x, y) => x + y, 0);
      const t0 = performance.now();
      const result = await s.wallets.sync(s.userId, synced.id);
      const ms = performance.now() - t0;
      check(result.usedAddresses === USED && result.txCount === USED / PER_TX && result.balanceSat.confirmed === expectedBalance, `${name}: balance and counts`);
      runs.push({ name, ms, roundTrips: electrum.roundTrips - trips, calls: [...electrum.calls.values()].reduce((x, y) => x + y, 0) - calls });
    }
    for (const run of runs) {
      rows.push({ case: `sync, ${USED.toLocaleString('en-US')} used addresses: ${run.name}`, 'wall ms': fmt(run.ms), 'round trips': run.roundTrips, 'RPC calls': run.calls, 'round trips per used address': fmt(run.roundTrips / USED) });
      console.log(`  ${run.name}: ${fmt(run.ms)} ms, ${run.roundTrips} round trips (${run.calls} calls) for ${USED} used addresses`);
    }
    notes.push(
      `Sync: ${USED} used receive addresses in ${USED / PER_TX} confirmed transactions, gap limit 20; a scan round derives up to the gap past the last used index and asks all histories in one batched round trip (chunks of 100 calls), so a contiguous run of used addresses costs one round trip per 20 addresses on the first sync; the re-sync starts from the stored used indexes.`,
    );
    const firstRun = runs[0]!;
    const reSync = runs[1]!;
    writeReport({
      name: 'wallet-addresses',
      description: 'Address ranges through the wallet service (cold vs cached) and a 2,000-address sync against the local Electrum server.',
      rows,
      targets: [
        target('warm (L1) vs cold, 1,000-address range', warm.opsPerSec / cold.opsPerSec, { atLeast: 20 }),
        target('warm (Redis only) vs cold, 1,000-address range', l2.opsPerSec / cold.opsPerSec, { atLeast: 2 }),
        target('first sync: round trips per used address', firstRun.roundTrips / USED, { atMost: 0.1 }, ''),
        target('re-sync: round trips per used address', reSync.roundTrips / USED, { atMost: 0.02 }, ''),
      ],
      notes,
    });
  } finally {
    await backend.close();
    await electrum.close();
  }
} finally {
  for (const cache of caches) await cache.close();
  for (const database of databases) await database.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
