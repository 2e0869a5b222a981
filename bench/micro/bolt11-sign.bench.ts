/**
 * BOLT 11 sign-and-encode: the dev node's cost per invoice, with noble (pure JS) and libsecp256k1
 * (native `secp256k1`) as the signer, plus the encoding alone and a whole dev-node createInvoice.
 * Each signer's output is checked first: identical invoices (RFC 6979) that recover to the node key.
 */
import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bech32 } from '@scure/base';
import {
  dataWords,
  encodeBolt11,
  signingDigest,
  bolt11HumanReadablePart,
  type Bolt11Signer,
  type UnsignedBolt11,
} from '../../src/adapters/lightning/bolt11-encoder.js';
import { compressedPublicKey, loadNativeSecp256k1, nativeSigner, nobleSigner } from '../../src/adapters/lightning/bolt11-signers.js';
import { DevLightningNode } from '../../src/adapters/lightning/dev-node.js';
import { MemoryDevInvoiceStore } from '../../src/adapters/lightning/dev-invoice-store.js';
import { check, measureAsync, measureSync } from '../lib/measure.js';
import { fmt, target, writeReport } from '../lib/report.js';

const quick = process.env.BENCH_QUICK === '1';
const minMs = quick ? 300 : 1500;

const privateKey = Uint8Array.from(Buffer.from('e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734', 'hex'));
const publicKey = compressedPublicKey(privateKey);
const invoice: UnsignedBolt11 = {
  network: 'mainnet',
  amountMsat: 2_500_000n,
  timestamp: 1_700_000_000,
  fields: [
    { tag: 'p', paymentHash: randomBytes(32) },
    { tag: 's', paymentSecret: randomBytes(32) },
    { tag: 'd', description: 'Satchel bench invoice' },
    { tag: 'x', expirySeconds: 3600 },
    { tag: 'c', minFinalCltvExpiry: 18 },
    { tag: '9', featureBits: [8, 14] },
  ],
};

function recoversToNode(bolt11: string): boolean {
  const { prefix, words } = bech32.decode(bolt11 as `${string}1${string}`, false);
  const sig = bech32.fromWords(words.slice(-104));
  const digest = signingDigest(prefix, words.slice(0, -104));
  const recovered = new Uint8Array(65);
  recovered[0] = sig[64] ?? 0;
  recovered.set(sig.subarray(0, 64), 1);
  return Buffer.from(secp256k1.recoverPublicKey(recovered, digest, { prehash: false })).equals(Buffer.from(publicKey));
}

const signers: Bolt11Signer[] = [nobleSigner(privateKey)];
if (loadNativeSecp256k1()) signers.push(nativeSigner(privateKey));
const outputs = signers.map((s) => encodeBolt11(invoice, s));
for (const [i, out] of outputs.entries()) check(recoversToNode(out), `${signers[i]?.name} invoice recovers to the node key`);
check(new Set(outputs).size === 1, 'every signer produces the same invoice');

const rows: Array<Record<string, string | number>> = [];
const rates: Record<string, number> = {};

const encodeOnly = measureSync(() => signingDigest(bolt11HumanReadablePart('mainnet', 2_500_000n), dataWords(invoice)), { minMs, batch: 500 });
rows.push({ step: 'encode + digest (no signature)', 'invoices/s': fmt(encodeOnly.opsPerSec), 'µs/invoice': fmt(encodeOnly.nsPerOp / 1000) });

for (const signer of signers) {
  const result = measureSync(() => encodeBolt11(invoice, signer), { minMs, batch: 50 });
  rates[signer.name] = result.opsPerSec;
  rows.push({ step: `sign + encode (${signer.name})`, 'invoices/s': fmt(result.opsPerSec), 'µs/invoice': fmt(result.nsPerOp / 1000) });
}

const node = new DevLightningNode({ network: 'mainnet', privateKey, publicKey, store: new MemoryDevInvoiceStore() });
const created = await node.createInvoice({ amountMsat: 1000n, memo: 'bench' });
check(recoversToNode(created.bolt11), 'dev node invoice recovers to the node key');
const nodeRate = await measureAsync(() => node.createInvoice({ amountMsat: 1000n, memo: 'bench' }), { minMs, batch: 50 });
rows.push({
  step: `dev node createInvoice (${node.signer.name}, memory store)`,
  'invoices/s': fmt(nodeRate.opsPerSec),
  'µs/invoice': fmt(nodeRate.nsPerOp / 1000),
});

const targets = [];
if (rates.native !== undefined && rates.noble !== undefined) {
  // The dev node prefers native when it loads; this shows the preference is worth it.
  targets.push(target('sign + encode: native vs noble', rates.native / rates.noble, { atLeast: 2 }));
}
targets.push(target('1,000-invoice bulk request, signing time (auto signer)', (1000 / (rates.native ?? rates.noble ?? 1)) * 1000, { atMost: 500 }, ' ms'));

writeReport({
  name: 'bolt11-sign',
  description:
    'BOLT 11 sign-and-encode rate per signer library (deterministic RFC 6979, recoverable, low-S), checked to ' +
    'produce identical invoices that recover to the node key before timing.',
  rows,
  targets,
  notes: [
    `signers measured: ${signers.map((s) => s.name).join(', ')}${loadNativeSecp256k1() ? '' : ' (native secp256k1 not installed)'}`,
    'Signing dominates: compare the encode-only row with the sign + encode rows.',
  ],
});
for (const row of rows) console.log(`  ${row.step}: ${row['invoices/s']} invoices/s (${row['µs/invoice']} µs)`);
