/**
 * The dev Lightning backend (SPEC run mode "embedded default"): a node key kept in DATA_DIR, real
 * BOLT 11 invoices signed by it, payments simulated. Expiry is real: a lookup after expiresAt answers
 * `expired`, and an expired invoice can no longer be paid.
 */
import { hash, randomBytes } from 'node:crypto';
import type {
  CreateInvoiceRequest,
  CreatedInvoice,
  InvoiceLookup,
  LightningBackend,
  NodeInfo,
  SettlementEvent,
  SimulatedPayments,
} from '../../domain/lightning/backend.js';
import { systemClock, type Clock } from '../../domain/lightning/clock.js';
import { LightningInvoiceNotFoundError, LightningInvoiceStateError } from '../../domain/lightning/errors.js';
import { assertPaymentHash, normalizeInvoiceRequest } from '../../domain/lightning/invoice-request.js';
import type { Network } from '../../validation/types.js';
import {
  FEATURE_PAYMENT_SECRET_REQUIRED,
  FEATURE_VAR_ONION_OPTIN_REQUIRED,
  MAX_DESCRIPTION_BYTES,
  encodeBolt11,
  type Bolt11Field,
  type Bolt11Signer,
} from './bolt11-encoder.js';
import { defaultBolt11Encoder, type Bolt11Encoder } from './bolt11-encoders.js';
import { createBolt11Signer, type SignerPreference } from './bolt11-signers.js';
import type { DevInvoiceRecord, DevInvoiceStore } from './dev-invoice-store.js';
import { loadOrCreateNodeKey } from './node-key.js';

/** BOLT 11's default when `c` is absent; LND uses more, a simulated node needs no margin. */
export const DEV_MIN_FINAL_CLTV_EXPIRY = 18;
/** A zero-amount invoice paid without an amount is paid 1 sat. */
const DEFAULT_SIMULATED_PAYMENT_MSAT = 1000n;

export interface DevNodeOptions {
  network: Network;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  store: DevInvoiceStore;
  clock?: Clock;
  signer?: SignerPreference;
  /** Worker threads that sign bulk batches (default: defaultSigningThreads(); 0 signs inline). */
  signingThreads?: number;
  alias?: string;
}

// A view, not a copy (Buffer.from(bytes) would copy them first).
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const sha256 = (data: Uint8Array): Buffer => hash('sha256', data, 'buffer');

// Preimage and payment secret come from the CSPRNG in 8 KiB draws, each byte used once: one
// randomBytes call costs ~4 µs whatever its size, which is 4% of signing an invoice, twice per invoice.
const RANDOM_POOL_BYTES = 8192;
let randomPool = Buffer.alloc(0);
let randomAt = 0;
function freshRandom(size: number): Uint8Array {
  if (randomAt + size > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomAt = 0;
  }
  randomAt += size;
  return randomPool.subarray(randomAt - size, randomAt);
}

export class DevLightningNode implements LightningBackend, SimulatedPayments {
  readonly kind = 'dev' as const;
  readonly createsLocally = true;
  readonly pubkey: string;
  readonly signer: Bolt11Signer;
  private readonly encoder: Bolt11Encoder;
  private readonly listeners = new Set<(event: SettlementEvent) => void>();
  private readonly clock: Clock;

  constructor(private readonly options: DevNodeOptions) {
    this.pubkey = toHex(options.publicKey);
    this.signer = createBolt11Signer(options.privateKey, options.signer ?? 'auto');
    this.encoder = defaultBolt11Encoder({
      privateKey: options.privateKey,
      signer: this.signer,
      prefer: options.signer ?? 'auto',
      ...(options.signingThreads === undefined ? {} : { threads: options.signingThreads }),
    });
    this.clock = options.clock ?? systemClock;
  }

  /** Loads (or creates, once) the node key in `dataDir`. */
  static async open(options: Omit<DevNodeOptions, 'privateKey' | 'publicKey'> & { dataDir: string }): Promise<DevLightningNode> {
    const { privateKey, publicKey } = await loadOrCreateNodeKey(options.dataDir);
    return new DevLightningNode({ ...options, privateKey, publicKey });
  }

  async nodeInfo(): Promise<NodeInfo> {
    return { backend: 'dev', pubkey: this.pubkey, alias: this.options.alias ?? 'satchel-dev', network: this.options.network };
  }

  async createInvoice(request: CreateInvoiceRequest): Promise<CreatedInvoice> {
    const { amountMsat, memo, expirySeconds, descriptionHash: givenHash } = normalizeInvoiceRequest(request);
    const preimage = freshRandom(32);
    const paymentHash = sha256(preimage);
    const paymentSecret = freshRandom(32).slice(); // its own 32 bytes, not a view of the pool (it may cross to the signing thread)
    // BOLT 11: `d` holds at most 639 bytes; a longer memo is committed to by its hash in `h`.
    const descriptionHash =
      givenHash ?? (Buffer.byteLength(memo, 'utf8') > MAX_DESCRIPTION_BYTES ? sha256(Buffer.from(memo, 'utf8')) : null);
    const timestamp = Math.floor(this.clock.now() / 1000);
    const fields: Bolt11Field[] = [
      { tag: 'p', paymentHash },
      { tag: 's', paymentSecret },
      descriptionHash ? { tag: 'h', descriptionHash } : { tag: 'd', description: memo },
      { tag: 'x', expirySeconds },
      { tag: 'c', minFinalCltvExpiry: DEV_MIN_FINAL_CLTV_EXPIRY },
      { tag: '9', featureBits: [FEATURE_VAR_ONION_OPTIN_REQUIRED, FEATURE_PAYMENT_SECRET_REQUIRED] },
    ];
    const bolt11 = await this.encoder.encode({ network: this.options.network, amountMsat, timestamp, fields });
    const record: DevInvoiceRecord = {
      paymentHash: toHex(paymentHash),
      preimage: toHex(preimage),
      paymentSecret: toHex(paymentSecret),
      bolt11,
      amountMsat,
      memo,
      descriptionHash: descriptionHash ? toHex(descriptionHash) : null,
      createdAt: new Date(timestamp * 1000),
      expiresAt: new Date((timestamp + expirySeconds) * 1000),
      state: 'open',
      settledAt: null,
      amountPaidMsat: null,
    };
    await this.options.store.insert(record);
    return {
      paymentHash: record.paymentHash,
      bolt11,
      amountMsat,
      memo,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      paymentSecret: record.paymentSecret,
      ...(record.descriptionHash ? { descriptionHash: record.descriptionHash } : {}),
    };
  }

  private async record(paymentHash: string): Promise<DevInvoiceRecord> {
    const record = await this.options.store.get(assertPaymentHash(paymentHash));
    if (!record) throw new LightningInvoiceNotFoundError(paymentHash);
    return record;
  }

  private lookupOf(record: DevInvoiceRecord): InvoiceLookup {
    if (record.state === 'settled') {
      return { status: 'paid', settledAt: record.settledAt ?? record.createdAt, amountPaidMsat: record.amountPaidMsat ?? 0n };
    }
    if (record.state === 'canceled') return { status: 'canceled' };
    return { status: this.clock.now() >= record.expiresAt.getTime() ? 'expired' : 'pending' };
  }

  async lookupInvoice(paymentHash: string): Promise<InvoiceLookup> {
    return this.lookupOf(await this.record(paymentHash));
  }

  /** The preimage the node would reveal on payment (proof of payment); dev backend only. */
  async preimageOf(paymentHash: string): Promise<string> {
    return (await this.record(paymentHash)).preimage;
  }

  async simulatePayment(paymentHash: string, amountMsat?: bigint): Promise<InvoiceLookup> {
    const record = await this.record(paymentHash);
    const current = this.lookupOf(record);
    if (current.status === 'paid') return current;
    if (current.status !== 'pending') throw new LightningInvoiceStateError(`Invoice ${paymentHash} is ${current.status} and cannot be paid`);
    const amount = record.amountMsat ?? amountMsat ?? DEFAULT_SIMULATED_PAYMENT_MSAT;
    if (amountMsat !== undefined && (amountMsat <= 0n || amountMsat < amount)) {
      throw new LightningInvoiceStateError(`Invoice ${paymentHash} asks for ${amount} msat, more than ${amountMsat}`);
    }
    const paid = amountMsat ?? amount;
    const settledAt = new Date(this.clock.now());
    if (!(await this.options.store.settle(paymentHash, settledAt, paid))) {
      // Another caller moved it first: answer with what the store now holds.
      const now = this.lookupOf(await this.record(paymentHash));
      if (now.status === 'paid') return now;
      throw new LightningInvoiceStateError(`Invoice ${paymentHash} is ${now.status} and cannot be paid`);
    }
    this.emit({ paymentHash, status: 'paid', settledAt, amountPaidMsat: paid });
    return { status: 'paid', settledAt, amountPaidMsat: paid };
  }

  async cancelInvoice(paymentHash: string): Promise<void> {
    const record = await this.record(paymentHash);
    if (record.state === 'canceled') return;
    if (record.state === 'settled') throw new LightningInvoiceStateError(`Invoice ${paymentHash} is paid and cannot be canceled`);
    if (await this.options.store.cancel(paymentHash)) this.emit({ paymentHash, status: 'canceled' });
  }

  subscribeSettlements(onEvent: (event: SettlementEvent) => void): () => void {
    this.listeners.add(onEvent);
    return () => this.listeners.delete(onEvent);
  }

  private emit(event: SettlementEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A subscriber's bug must not undo a settlement that is already stored.
      }
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.encoder.close();
  }
}
