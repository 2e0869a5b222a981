/**
 * Bulk Lightning invoices (SPEC `POST /api/lightning/invoices/bulk`, the original plan's
 * `LightningNode.createBulkInvoices`): 10,000 invoices through the dev node, SQLite in a temp DATA_DIR
 * (the embedded default), as 10 requests of 1,000 (the API's maximum):
 * - through the domain service (InvoiceService.createBulk: judging, signing, preimages and invoice rows
 *   stored, watcher told), and
 * - through HTTP (app.inject: auth, schema, JSON both ways),
 * against the raw sign-and-encode rate of the signing library the dev node uses (encodeBolt11 with the
 * same signer kind), measured just before and just after in the same run. Target: ≥ 0.7 of raw.
 * Results are checked first: every invoice created, stored, and signed by the node's key.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { encodeBolt11, type UnsignedBolt11 } from '../../src/adapters/lightning/bolt11-encoder.js';
import { compressedPublicKey, createBolt11Signer } from '../../src/adapters/lightning/bolt11-signers.js';
import { DevLightningNode } from '../../src/adapters/lightning/dev-node.js';
import { MemoryDevInvoiceStore } from '../../src/adapters/lightning/dev-invoice-store.js';
import { Argon2PasswordHasher } from '../../src/adapters/password/argon2-hasher.js';
import { InvoiceService } from '../../src/domain/lightning/invoice-service.js';
import type { InvoiceStore } from '../../src/domain/lightning/invoices.js';
import { validate } from '../../src/validation/index.js';
import { adminToken, startBenchApp } from '../lib/app.js';
import { check, measureSync } from '../lib/measure.js';
import { fmt, target, writeReport, type Target } from '../lib/report.js';
import { recoverPayeeIndependently } from '../../test/helpers/bolt11-independent.js';

const quick = process.env.BENCH_QUICK === '1';
const TOTAL = quick ? 2_000 : 10_000;
const PER_REQUEST = 1_000;
const minMs = quick ? 300 : 1_500;

const rows: Array<Record<string, string | number>> = [];
const targets: Target[] = [];

const items = (tag: string) => Array.from({ length: PER_REQUEST }, (_, i) => ({ amountSat: 1 + i, memo: `${tag} ${i}` }));

function rawRate(signerName: string): number {
  const key = randomBytes(32);
  const signer = createBolt11Signer(key, 'auto');
  check(signer.name === signerName, `raw signer ${signer.name} is not ${signerName}`);
  const invoice: UnsignedBolt11 = {
    network: 'mainnet',
    amountMsat: 1_000_000n,
    timestamp: Math.floor(Date.now() / 1000),
    fields: [
      { tag: 'p', paymentHash: randomBytes(32) },
      { tag: 's', paymentSecret: randomBytes(32) },
      { tag: 'd', description: 'bench 123' },
      { tag: 'x', expirySeconds: 3600 },
      { tag: 'c', minFinalCltvExpiry: 18 },
      { tag: '9', featureBits: [8, 14] },
    ],
  };
  check(recoverPayeeIndependently(encodeBolt11(invoice, signer)) === Buffer.from(compressedPublicKey(key)).toString('hex'), 'raw invoice recovers to its key');
  return measureSync(() => encodeBolt11(invoice, signer), { minMs, batch: 100 }).opsPerSec;
}

interface EngineRates {
  service: number;
  http: number;
}

/** 10,000 invoices through the service, then 10,000 through HTTP inject, on a fresh app over `env`'s storage. */
async function runEngine(env: Record<string, string>): Promise<EngineRates & { signer: string }> {
  // Sign-in is not what is measured here: a cheap argon2 keeps its CPU out of the run.
  const app = await startBenchApp({ passwordHasher: new Argon2PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }) }, env);
  try {
    const { satchel } = app;
    check(satchel.lightning instanceof DevLightningNode, 'the bench runs on the dev node');
    const devNode = satchel.lightning as DevLightningNode;
    const token = await adminToken(app);
    const userId = (await satchel.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })).json().user.id as string;

    // Warm up (JIT, statements) and check the answers before timing anything.
    const warm = await satchel.invoices.createBulk(userId, items('warm').slice(0, 200));
    check(warm.created === 200, `warm-up created ${warm.created}`);
    const sample = warm.results[7]!.invoice!;
    check(recoverPayeeIndependently(sample.bolt11) === devNode.pubkey, 'service invoices are signed by the node key');
    check((await devNode.preimageOf(sample.paymentHash)).length === 64, 'the preimage is stored');

    let started = performance.now();
    for (let r = 0; r < TOTAL / PER_REQUEST; r++) {
      const report = await satchel.invoices.createBulk(userId, items(`svc ${r}`));
      check(report.created === PER_REQUEST && report.failed === 0, `service round ${r}: ${report.created} created`);
    }
    const service = TOTAL / ((performance.now() - started) / 1000);

    started = performance.now();
    for (let r = 0; r < TOTAL / PER_REQUEST; r++) {
      const response = await satchel.app.inject({
        method: 'POST',
        url: '/api/lightning/invoices/bulk',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ invoices: items(`http ${r}`) }),
      });
      check(response.statusCode === 200, `http round ${r}: ${response.statusCode}`);
      const body = response.json() as { created: number; results: Array<{ invoice: { bolt11: string } }> };
      check(body.created === PER_REQUEST, `http round ${r}: ${body.created} created`);
      if (r === 0) check(recoverPayeeIndependently(body.results[999]!.invoice.bolt11) === devNode.pubkey, 'HTTP invoices are signed by the node key');
    }
    const http = TOTAL / ((performance.now() - started) / 1000);

    const count = async (table: 'lightning_invoices' | 'lightning_preimages') =>
      Number((await satchel.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    check((await count('lightning_invoices')) === 200 + 2 * TOTAL, 'every invoice stored');
    check((await count('lightning_preimages')) === 200 + 2 * TOTAL, 'every preimage stored');
    return { service, http, signer: devNode.signer.name };
  } finally {
    await app.close();
  }
}

/** The same service and dev node over in-memory stores: what everything but the database costs. */
async function runWithoutStorage(): Promise<number> {
  const key = randomBytes(32);
  const node = new DevLightningNode({ network: 'mainnet', privateKey: key, publicKey: compressedPublicKey(key), store: new MemoryDevInvoiceStore() });
  let stored = 0;
  const store: InvoiceStore = {
    insertMany: async (invoices) => void (stored += invoices.length),
    get: async () => null,
    list: async () => ({ items: [] }),
    listPending: async () => [],
    markPaid: async () => false,
    markExpired: async () => false,
    markCanceled: async () => false,
  };
  const service = new InvoiceService({ backend: node, store, validator: { validateBatch: async (type, values) => ({ results: values.map((v) => validate(type, v)) }) } });
  await service.createBulk('bench', items('warm'));
  const started = performance.now();
  for (let r = 0; r < TOTAL / PER_REQUEST; r++) await service.createBulk('bench', items(`mem ${r}`));
  const rate = TOTAL / ((performance.now() - started) / 1000);
  check(stored === PER_REQUEST + TOTAL, `in-memory run stored ${stored}`);
  return rate;
}

// The embedded default first, then PostgreSQL when a server can be started (the test helper's throw-away
// cluster: durability off, so its figure flatters the disk; shown for comparison, no target).
const signerProbe = createBolt11Signer(randomBytes(32), 'auto').name;
const rawBefore = rawRate(signerProbe);
const withoutStorage = await runWithoutStorage();
const sqlite = await runEngine({});
const rawMiddle = rawRate(signerProbe);
let postgres: EngineRates | undefined;
if (process.env.BENCH_SKIP_PG !== '1') {
  try {
    const { startPostgres } = await import('../../test/helpers/postgres-server.js');
    const server = await startPostgres();
    try {
      postgres = await runEngine({ DATABASE_URL: server.url });
    } finally {
      await server.stop();
    }
  } catch (error) {
    console.log(`  (PostgreSQL run skipped: ${(error as Error).message.split('\n')[0]})`);
  }
}
const rawAfter = postgres ? rawRate(signerProbe) : rawMiddle;
const raw = postgres ? (rawBefore + rawMiddle + rawAfter) / 3 : (rawBefore + rawMiddle) / 2;
check(sqlite.signer === signerProbe, `raw signer ${signerProbe} must be the dev node's ${sqlite.signer}`);

rows.push({ step: `raw sign + encode (${signerProbe}), before / between / after`, 'invoices/s': [rawBefore, rawMiddle, ...(postgres ? [rawAfter] : [])].map(fmt).join(' / ') });
const rounds = `${TOTAL} as ${TOTAL / PER_REQUEST} × ${PER_REQUEST}`;
rows.push({ step: `no database (in-memory stores): InvoiceService.createBulk, ${rounds}`, 'invoices/s': fmt(withoutStorage), 'of raw': fmt(withoutStorage / raw) });
rows.push({ step: `SQLite: InvoiceService.createBulk, ${rounds}`, 'invoices/s': fmt(sqlite.service), 'of raw': fmt(sqlite.service / raw) });
rows.push({ step: `SQLite: POST /api/lightning/invoices/bulk (inject), ${rounds}`, 'invoices/s': fmt(sqlite.http), 'of raw': fmt(sqlite.http / raw) });
if (postgres) {
  rows.push({ step: `PostgreSQL: InvoiceService.createBulk, ${rounds}`, 'invoices/s': fmt(postgres.service), 'of raw': fmt(postgres.service / raw) });
  rows.push({ step: `PostgreSQL: POST /api/lightning/invoices/bulk (inject), ${rounds}`, 'invoices/s': fmt(postgres.http), 'of raw': fmt(postgres.http / raw) });
}
targets.push(target('bulk invoices via the domain service (SQLite) vs raw sign + encode', sqlite.service / raw, { atLeast: 0.7 }));
targets.push(target('bulk invoices via HTTP inject (SQLite) vs raw sign + encode', sqlite.http / raw, { atLeast: 0.7 }));

writeReport({
  name: 'bulk-invoices',
  description:
    'Bulk Lightning invoices on the dev node: 10 requests of 1,000 through the domain service and through HTTP ' +
    '(app.inject), on SQLite (embedded default; targets) and PostgreSQL (comparison), against the raw BOLT 11 ' +
    'sign-and-encode rate of the same signer library measured before, between and after in the same run.',
  rows,
  targets,
  notes: [
    'Each invoice: amount judged (one validateBatch per request), preimage + secret drawn, signed, its dev-node ' +
      'record and its invoice row stored, the watcher told.',
    'Raw = encodeBolt11 of one fixed invoice with the same signer kind: signing dominates, so the ratio shows ' +
      'what everything else costs.',
    'The dev node signs on worker threads (one per core, here 2, at nice +10 so the main thread has priority; 256 ' +
      'invoices in flight, 32 a message), so the no-database row can pass 1.0: signing is spread over both cores ' +
      'while raw is one thread. With storage the main thread is the limit: per invoice it spends ~75–80 µs of CPU ' +
      '(about half of it SQLite: 8 b-tree inserts and the commit) against ~110 µs of signing spread over the ' +
      'threads, and the process uses ~210 µs of CPU an invoice on 2 cores. A partial bulk stores its rows as they ' +
      'are made, 256 at a time (64 near the end), each flush writing the dev-node records and the invoice rows ' +
      'in ONE transaction through SQL compiled once per row count. WAL checkpoints run on a worker thread ' +
      '(src/adapters/db/sqlite-checkpointer.ts): before, a ~50–100 ms checkpoint fsync stalled a commit every few ' +
      'requests on the main thread.',
    'The machine is shared: the ratios are measured in the same run, but a neighbour loading the 2 cores moves ' +
      'them (the worker and the main thread then compete for a core).',
  ],
});
for (const row of rows) console.log(`  ${row.step}: ${row['invoices/s']} invoices/s${row['of raw'] ? ` (${row['of raw']} of raw)` : ''}`);
