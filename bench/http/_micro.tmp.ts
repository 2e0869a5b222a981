import { randomBytes } from 'node:crypto';
import { encodeBolt11, type UnsignedBolt11 } from '../../src/adapters/lightning/bolt11-encoder.js';
import { compressedPublicKey, createBolt11Signer } from '../../src/adapters/lightning/bolt11-signers.js';
import { DevLightningNode } from '../../src/adapters/lightning/dev-node.js';
import { MemoryDevInvoiceStore } from '../../src/adapters/lightning/dev-invoice-store.js';
import { measureSync, measureAsync } from '../lib/measure.js';
const key = randomBytes(32);
const signer = createBolt11Signer(key, 'auto');
const invoice: UnsignedBolt11 = { network: 'mainnet', amountMsat: 1_000_000n, timestamp: 1_700_000_000, fields: [
  { tag: 'p', paymentHash: randomBytes(32) }, { tag: 's', paymentSecret: randomBytes(32) }, { tag: 'd', description: 'bench 123' },
  { tag: 'x', expirySeconds: 3600 }, { tag: 'c', minFinalCltvExpiry: 18 }, { tag: '9', featureBits: [8, 14] } ] };
const node = new DevLightningNode({ network: 'mainnet', privateKey: key, publicKey: compressedPublicKey(key), store: new MemoryDevInvoiceStore() });
for (let k = 0; k < 3; k++) {
  const raw = measureSync(() => encodeBolt11(invoice, signer), { minMs: 1000, batch: 100 }).opsPerSec;
  const dev = (await measureAsync(() => node.createInvoice({ amountMsat: 1_000_000n, memo: 'bench 123' }), { minMs: 1000, batch: 100 })).opsPerSec;
  const rb = measureSync(() => randomBytes(32), { minMs: 200, batch: 1000 }).nsPerOp;
  console.log({ raw: Math.round(raw), dev: Math.round(dev), ratio: (dev / raw).toFixed(3), randomBytesNs: Math.round(rb) });
}
