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
import { Argon2PasswordHasher } from '../../src/adapters/password/argon2-hasher.js';
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
  check(signer.name === signerName, `raw signer ${signer.name} must be the dev node's ${signerName}`);
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

// Sign-in is not what is measured here: a cheap argon2 keeps its CPU out of the run.
const app = await startBenchApp({ passwordHasher: new Argon2PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }) });
try {
  const { satchel } = app;
  const node = satchel.lightning;
  check(node instanceof DevLightningNode, 'the bench runs on the dev node');
  const devNode = node as DevLightningNode;
  const signerName = devNode.signer.name;
  const token = await adminToken(app);
  const userId = (await satchel.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })).json().user.id as string;

  // Warm up (JIT, statement caches) and check the answers before timing anything.
  const warm = await satchel.invoices.createBulk(userId, items('warm').slice(0, 200));
  check(warm.created === 200, `warm-up created ${warm.created}`);
  const sample = warm.results[7]!.invoice!;
  check(recoverPayeeIndependently(sample.bolt11) === devNode.pubkey, 'service invoices are signed by the node key');
  check((await devNode.preimageOf(sample.paymentHash)).length === 64, 'the preimage is stored');

  const rawBefore = rawRate(signerName);

  let started = performance.now();
  for (let r = 0; r < TOTAL / PER_REQUEST; r++) {
    const report = await satchel.invoices.createBulk(userId, items(`svc ${r}`));
    check(report.created === PER_REQUEST && report.failed === 0, `service round ${r}: ${report.created} created`);
  }
  const serviceRate = TOTAL / ((performance.now() - started) / 1000);

  started = performance.now();
  for (let r = 0; r < TOTAL / PER_REQUEST; r++) {
    const response = await satchel.app.inject({
      method: 'POST',
      url: '/api/lightning/invoices/bulk',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ invoices: items(`http ${r}`) }),
    });
    check(response.statusCode === 200, `http round ${r}: ${response.statusCode}`);
    const body = response.json() as { created: number };
    check(body.created === PER_REQUEST, `http round ${r}: ${body.created} created`);
  }
  const httpRate = TOTAL / ((performance.now() - started) / 1000);

  const rawAfter = rawRate(signerName);
  const raw = (rawBefore + rawAfter) / 2;

  const stored = await satchel.database.db
    .selectFrom('lightning_invoices')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  check(Number(stored.n) === 200 + 2 * TOTAL, `stored ${stored.n} invoices`);
  const preimages = await satchel.database.db.selectFrom('lightning_preimages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  check(Number(preimages.n) === 200 + 2 * TOTAL, `stored ${preimages.n} preimages`);

  rows.push({ step: `raw sign + encode (${signerName}), before`, 'invoices/s': fmt(rawBefore) });
  rows.push({ step: `raw sign + encode (${signerName}), after`, 'invoices/s': fmt(rawAfter) });
  rows.push({ step: `InvoiceService.createBulk, ${TOTAL} as ${TOTAL / PER_REQUEST} × ${PER_REQUEST}`, 'invoices/s': fmt(serviceRate), 'of raw': `${fmt(serviceRate / raw)}` });
  rows.push({ step: `POST /api/lightning/invoices/bulk (inject), ${TOTAL} as ${TOTAL / PER_REQUEST} × ${PER_REQUEST}`, 'invoices/s': fmt(httpRate), 'of raw': `${fmt(httpRate / raw)}` });
  targets.push(target('bulk invoices via the domain service vs raw sign + encode', serviceRate / raw, { atLeast: 0.7 }));
  targets.push(target('bulk invoices via HTTP (inject) vs raw sign + encode', httpRate / raw, { atLeast: 0.7 }));
} finally {
  await app.close();
}

writeReport({
  name: 'bulk-invoices',
  description:
    'Bulk Lightning invoices on the dev node with SQLite (embedded default): 10 requests of 1,000 through the ' +
    'domain service and through HTTP (app.inject), against the raw BOLT 11 sign-and-encode rate of the same ' +
    'signer library measured before and after in the same run.',
  rows,
  targets,
  notes: [
    'Each invoice: amount judged (one validateBatch per request), preimage + secret drawn, signed, its dev-node ' +
      'record and its invoice row stored (multi-row INSERTs), the watcher told.',
    'Raw = encodeBolt11 of one fixed invoice with the same signer kind: signing dominates, so the ratio shows ' +
      'what everything else costs.',
  ],
});
for (const row of rows) console.log(`  ${row.step}: ${row['invoices/s']} invoices/s${row['of raw'] ? ` (${row['of raw']} of raw)` : ''}`);
