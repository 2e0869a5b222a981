import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DevLightningNode } from '../../../src/adapters/lightning/dev-node.js';
import { MemoryDevInvoiceStore } from '../../../src/adapters/lightning/dev-invoice-store.js';
import { DEV_NODE_KEY_FILE, NodeKeyError, loadOrCreateNodeKey } from '../../../src/adapters/lightning/node-key.js';
import {
  LightningInvalidRequestError,
  LightningInvoiceNotFoundError,
  LightningInvoiceStateError,
} from '../../../src/domain/lightning/errors.js';
import type { SettlementEvent } from '../../../src/domain/lightning/backend.js';
import type { Network } from '../../../src/validation/types.js';
import { decodeIndependently } from '../../helpers/bolt11-independent.js';
import { FakeClock } from '../../helpers/fake-clock.js';

import { decodeBolt11, type DecodedBolt11 } from '../../../src/validation/bolt11.js';

/** Our validation library's decoder (verifies the signature itself). */
function decodeWithOurs(bolt11: string): DecodedBolt11 {
  const parsed = decodeBolt11(bolt11);
  if (!parsed.ok) throw new Error(`decodeBolt11 refused a dev node invoice: ${parsed.issue.message}`);
  return parsed.value;
}

const sha256Hex = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

let dataDir: string;
let clock: FakeClock;
let store: MemoryDevInvoiceStore;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'satchel-dev-node-'));
  clock = new FakeClock(Date.UTC(2025, 5, 1, 12, 0, 0));
  store = new MemoryDevInvoiceStore();
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const openNode = (network: Network = 'mainnet', signer: 'auto' | 'noble' | 'native' = 'noble') =>
  DevLightningNode.open({ dataDir, network, store, clock, signer });

describe('dev node key', () => {
  it('is created once with mode 0600 and reused on restart', async () => {
    const first = await loadOrCreateNodeKey(dataDir);
    expect(first.created).toBe(true);
    expect((await stat(join(dataDir, DEV_NODE_KEY_FILE))).mode & 0o777).toBe(0o600);
    const second = await loadOrCreateNodeKey(dataDir);
    expect(second.created).toBe(false);
    expect(Buffer.from(second.publicKey).toString('hex')).toBe(Buffer.from(first.publicKey).toString('hex'));

    const nodeA = await openNode();
    await nodeA.close();
    const nodeB = await openNode();
    expect(nodeB.pubkey).toBe(nodeA.pubkey);
    expect(nodeB.pubkey).toBe(Buffer.from(first.publicKey).toString('hex'));
  });

  it('is the same key when several instances start at once (no overwrite race)', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateNodeKey(dataDir)));
    expect(keys.filter((k) => k.created)).toHaveLength(1);
    expect(new Set(keys.map((k) => Buffer.from(k.privateKey).toString('hex'))).size).toBe(1);
    const leftovers = (await import('node:fs')).readdirSync(dataDir);
    expect(leftovers).toEqual([DEV_NODE_KEY_FILE]);
  });

  it('tightens a key file readable by others to 0600', async () => {
    await loadOrCreateNodeKey(dataDir);
    await chmod(join(dataDir, DEV_NODE_KEY_FILE), 0o644);
    await loadOrCreateNodeKey(dataDir);
    expect((await stat(join(dataDir, DEV_NODE_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged key file, naming the path and not its content', async () => {
    const secretish = 'zz'.repeat(32);
    await writeFile(join(dataDir, DEV_NODE_KEY_FILE), secretish, { mode: 0o600 });
    const error = await loadOrCreateNodeKey(dataDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeKeyError);
    expect(String((error as Error).message)).toContain(DEV_NODE_KEY_FILE);
    expect(String((error as Error).message)).not.toContain(secretish);
  });

  it('stores the key as hex text with a newline', async () => {
    await loadOrCreateNodeKey(dataDir);
    expect(await readFile(join(dataDir, DEV_NODE_KEY_FILE), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
  });
});

describe('dev node invoices decode independently', () => {
  const cases: Array<[Network, string, string]> = [
    ['mainnet', 'lnbc', 'bc'],
    ['testnet', 'lntb', 'tb'],
    ['signet', 'lntbs', 'tbs'],
    ['regtest', 'lnbcrt', 'bcrt'],
  ];
  it.each(cases)('%s invoices use %s, are signed by the node key and carry every field', async (network, prefix, coin) => {
    const node = await openNode(network);
    const invoice = await node.createInvoice({ amountMsat: 2_500_000n, memo: 'coffee ☕', expirySeconds: 600 });
    const decoded = decodeIndependently(invoice.bolt11);
    expect(decoded.prefix).toBe(`${prefix}25u`);
    expect(decoded.network).toBe(coin);
    expect(decoded.payeePubkey).toBe(node.pubkey);
    expect(decoded.amountMsat).toBe(2_500_000n);
    expect(decoded.paymentHash).toBe(invoice.paymentHash);
    expect(decoded.paymentHash).toBe(sha256Hex(await node.preimageOf(invoice.paymentHash)));
    expect(decoded.paymentSecret).toBe(invoice.paymentSecret);
    expect(decoded.description).toBe('coffee ☕');
    expect(decoded.timestamp * 1000).toBe(invoice.createdAt.getTime());
    expect(decoded.timestamp * 1000).toBe(Math.floor(clock.now() / 1000) * 1000);
    expect(decoded.expirySeconds).toBe(600);
    expect(invoice.expiresAt.getTime() - invoice.createdAt.getTime()).toBe(600_000);
    expect(decoded.minFinalCltvExpiry).toBe(18);
    expect(decoded.featureBits).toMatchObject({ var_onion_optin: 'required', payment_secret: 'required' });

    const ours = decodeWithOurs(invoice.bolt11);
    expect(ours).toMatchObject({
      prefix,
      network,
      amountMsat: 2_500_000n,
      timestamp: decoded.timestamp,
      expiry: 600,
      minFinalCltvExpiry: 18,
      paymentHash: invoice.paymentHash,
      paymentSecret: invoice.paymentSecret,
      description: 'coffee ☕',
      payee: node.pubkey,
      features: [8, 14],
    });
  });

  it.each([
    ['whole sats', 21_000n, '210n'],
    ['one msat', 1n, '10p'],
    ['sub-sat', 1_500n, '15n'],
    ['msat precision', 123_456_789n, '1234567890p'],
    ['one bitcoin', 100_000_000_000n, '1'],
    ['the 21e14 sat maximum', 2_100_000_000_000_000_000n, '21000000'],
  ])('encodes %s (%s msat → %s)', async (_name, msat, amountText) => {
    const node = await openNode();
    const invoice = await node.createInvoice({ amountMsat: msat });
    const decoded = decodeIndependently(invoice.bolt11);
    expect(decoded.prefix).toBe(`lnbc${amountText}`);
    expect(decoded.amountMsat).toBe(msat);
    expect(invoice.amountMsat).toBe(msat);
    expect(decodeWithOurs(invoice.bolt11)).toMatchObject({ amountMsat: msat, payee: node.pubkey });
  });

  it('accepts a plain number of msat', async () => {
    const node = await openNode();
    expect((await node.createInvoice({ amountMsat: 5000 })).amountMsat).toBe(5000n);
  });

  it('makes a zero-amount invoice only when no amount is given', async () => {
    const node = await openNode();
    const invoice = await node.createInvoice({ memo: 'tip jar' });
    const decoded = decodeIndependently(invoice.bolt11);
    expect(decoded.prefix).toBe('lnbc');
    expect(decoded.amountMsat).toBeNull();
    expect(invoice.amountMsat).toBeNull();
    expect(decoded.expirySeconds).toBe(3600);
    expect(decodeWithOurs(invoice.bolt11).amountMsat).toBeUndefined();
    await expect(node.createInvoice({ amountMsat: 0 })).rejects.toBeInstanceOf(LightningInvalidRequestError);
  });

  it('puts a memo of up to 639 bytes in d and commits to a longer one with h', async () => {
    const node = await openNode();
    const fits = 'é'.repeat(319) + 'a'; // 639 bytes
    const short = decodeIndependently((await node.createInvoice({ memo: fits })).bolt11);
    expect(short.description).toBe(fits);
    expect(short.descriptionHash).toBeUndefined();

    const long = 'b'.repeat(640);
    const created = await node.createInvoice({ memo: long });
    const decoded = decodeIndependently(created.bolt11);
    expect(decoded.description).toBeUndefined();
    expect(decoded.descriptionHash).toBe(createHash('sha256').update(long).digest('hex'));
    expect(created.descriptionHash).toBe(decoded.descriptionHash);
    expect(created.memo).toBe(long);
    expect(decodeWithOurs(created.bolt11)).toMatchObject({ descriptionHash: decoded.descriptionHash, payee: node.pubkey });
    expect(decodeWithOurs(created.bolt11).description).toBeUndefined();
  });

  it('uses a given description hash instead of the memo', async () => {
    const node = await openNode();
    const hash = createHash('sha256').update('[["text/plain","lnurl metadata"]]').digest('hex');
    const decoded = decodeIndependently((await node.createInvoice({ memo: 'shown in the app', descriptionHash: hash })).bolt11);
    expect(decoded.descriptionHash).toBe(hash);
    expect(decoded.description).toBeUndefined();
  });

  it('signs the same with noble and libsecp256k1 (RFC 6979)', async () => {
    const noble = await openNode('mainnet', 'noble');
    const native = await openNode('mainnet', 'native');
    expect(noble.signer.name).toBe('noble');
    expect(native.signer.name).toBe('native');
    const digest = createHash('sha256').update('same digest').digest();
    expect(noble.signer.sign(digest)).toEqual(native.signer.sign(digest));
  });
});

describe('dev node requests it refuses', () => {
  it.each([
    ['a negative amount', { amountMsat: -1n }, 'amountMsat'],
    ['more than 21e14 sat', { amountMsat: 2_100_000_000_000_000_001n }, 'amountMsat'],
    ['a fractional msat', { amountMsat: 1.5 }, 'amountMsat'],
    ['a memo over 1024 bytes', { memo: 'x'.repeat(1025) }, 'memo'],
    ['a memo with a lone surrogate', { memo: '\uDC00' }, 'memo'],
    ['expiry 0', { expirySeconds: 0 }, 'expirySeconds'],
    ['expiry over a year', { expirySeconds: 366 * 24 * 3600 }, 'expirySeconds'],
    ['a description hash of 2 bytes', { descriptionHash: 'abcd' }, 'descriptionHash'],
  ] as const)('%s', async (_name, request, field) => {
    const node = await openNode();
    const error = await node.createInvoice(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LightningInvalidRequestError);
    expect((error as LightningInvalidRequestError).extra.errors?.[0]?.field).toBe(field);
    expect((error as LightningInvalidRequestError).status).toBe(400);
  });
});

describe('dev node payments and expiry', () => {
  it('is pending until a simulated payment marks it paid, and tells subscribers', async () => {
    const node = await openNode();
    const events: SettlementEvent[] = [];
    const unsubscribe = node.subscribeSettlements((e) => events.push(e));
    const invoice = await node.createInvoice({ amountMsat: 10_000n });
    expect(await node.lookupInvoice(invoice.paymentHash)).toEqual({ status: 'pending' });
    await clock.advance(5_000);
    const paid = await node.simulatePayment(invoice.paymentHash);
    expect(paid).toEqual({ status: 'paid', settledAt: new Date(clock.now()), amountPaidMsat: 10_000n });
    expect(await node.lookupInvoice(invoice.paymentHash)).toEqual(paid);
    expect(events).toEqual([{ paymentHash: invoice.paymentHash, status: 'paid', settledAt: paid.settledAt, amountPaidMsat: 10_000n }]);
    // Paying again changes nothing and tells no one again.
    expect(await node.simulatePayment(invoice.paymentHash)).toEqual(paid);
    expect(events).toHaveLength(1);
    unsubscribe();
  });

  it('answers expired once expiresAt has passed, and an expired invoice cannot be paid', async () => {
    const node = await openNode();
    const invoice = await node.createInvoice({ amountMsat: 1_000n, expirySeconds: 60 });
    await clock.advance(59_000);
    expect((await node.lookupInvoice(invoice.paymentHash)).status).toBe('pending');
    await clock.advance(1_000);
    expect((await node.lookupInvoice(invoice.paymentHash)).status).toBe('expired');
    await expect(node.simulatePayment(invoice.paymentHash)).rejects.toBeInstanceOf(LightningInvoiceStateError);
  });

  it('pays a zero-amount invoice what the payer sends, 1 sat by default', async () => {
    const node = await openNode();
    const a = await node.createInvoice({});
    const b = await node.createInvoice({});
    expect((await node.simulatePayment(a.paymentHash, 42_000n)).amountPaidMsat).toBe(42_000n);
    expect((await node.simulatePayment(b.paymentHash)).amountPaidMsat).toBe(1_000n);
  });

  it('refuses to pay less than the invoice asks', async () => {
    const node = await openNode();
    const invoice = await node.createInvoice({ amountMsat: 5_000n });
    await expect(node.simulatePayment(invoice.paymentHash, 4_999n)).rejects.toBeInstanceOf(LightningInvoiceStateError);
  });

  it('cancels an open invoice, which then cannot be paid; a paid one cannot be canceled', async () => {
    const node = await openNode();
    const open = await node.createInvoice({ amountMsat: 1_000n });
    await node.cancelInvoice(open.paymentHash);
    expect((await node.lookupInvoice(open.paymentHash)).status).toBe('canceled');
    await expect(node.simulatePayment(open.paymentHash)).rejects.toBeInstanceOf(LightningInvoiceStateError);
    const paid = await node.createInvoice({ amountMsat: 1_000n });
    await node.simulatePayment(paid.paymentHash);
    await expect(node.cancelInvoice(paid.paymentHash)).rejects.toBeInstanceOf(LightningInvoiceStateError);
  });

  it('answers not found for an unknown payment hash', async () => {
    const node = await openNode();
    await expect(node.lookupInvoice('00'.repeat(32))).rejects.toBeInstanceOf(LightningInvoiceNotFoundError);
  });

  it('keeps preimages across a restart through its store', async () => {
    const first = await openNode();
    const invoice = await first.createInvoice({ amountMsat: 7_000n });
    const preimage = await first.preimageOf(invoice.paymentHash);
    await first.close();

    const restarted = await openNode();
    expect(restarted.pubkey).toBe(first.pubkey);
    expect(await restarted.preimageOf(invoice.paymentHash)).toBe(preimage);
    expect((await restarted.simulatePayment(invoice.paymentHash)).status).toBe('paid');
  });

  it('reports its node info', async () => {
    const node = await openNode('regtest');
    expect(await node.nodeInfo()).toEqual({ backend: 'dev', pubkey: node.pubkey, alias: 'satchel-dev', network: 'regtest' });
    expect(node.pubkey).toMatch(/^0[23][0-9a-f]{64}$/);
  });
});
