/**
 * LND as the Lightning backend, over its REST gateway (lightning.engineering API reference):
 * GetInfo `GET /v1/getinfo`, AddInvoice `POST /v1/invoices`, LookupInvoice `GET /v1/invoice/{r_hash_str}`,
 * CancelInvoice `POST /v2/invoices/cancel`, SubscribeInvoices `GET /v1/invoices/subscribe`.
 * REST encodes int64 as strings and bytes as base64; the port speaks bigint and hex.
 */
import { readFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { bech32 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import type {
  CreateInvoiceRequest,
  CreatedInvoice,
  InvoiceLookup,
  LightningBackend,
  NodeInfo,
  SettlementEvent,
} from '../../domain/lightning/backend.js';
import { ConfigError } from '../../config.js';
import { systemClock, type Clock } from '../../domain/lightning/clock.js';
import {
  LightningBackendError,
  LightningError,
  LightningInvoiceNotFoundError,
  LightningInvoiceStateError,
} from '../../domain/lightning/errors.js';
import { assertPaymentHash, normalizeInvoiceRequest } from '../../domain/lightning/invoice-request.js';
import { NETWORKS, type Network } from '../../validation/types.js';
import { MAX_DESCRIPTION_BYTES } from './bolt11-encoder.js';
import { LndRestClient, type LndRestClientOptions, type LndStream } from './lnd-rest-client.js';

/** The fields of lnrpc.Invoice that Satchel reads (REST/JSON names). */
export interface LndInvoice {
  memo?: string;
  r_hash?: string;
  value_msat?: string;
  creation_date?: string;
  settle_date?: string;
  expiry?: string;
  payment_request?: string;
  state?: 'OPEN' | 'SETTLED' | 'CANCELED' | 'ACCEPTED';
  amt_paid_msat?: string;
  payment_addr?: string;
  add_index?: string;
  settle_index?: string;
}

interface LndGetInfo {
  identity_pubkey?: string;
  alias?: string;
  chains?: Array<{ chain?: string; network?: string }>;
}

interface LndAddInvoiceResponse {
  r_hash?: string;
  payment_request?: string;
  add_index?: string;
  payment_addr?: string;
}

export interface LndBackendOptions extends Omit<LndRestClientOptions, 'tlsCertPem'> {
  tlsCertPath?: string;
  clock?: Clock;
  /** First wait before re-opening a broken invoice stream; doubles up to 30 s. */
  resubscribeDelayMs?: number;
}

const b64ToHex = (value: string | undefined): string => Buffer.from(value ?? '', 'base64').toString('hex');
const hexToB64 = (value: string | Uint8Array): string =>
  (typeof value === 'string' ? Buffer.from(value, 'hex') : Buffer.from(value)).toString('base64');
const NOT_FOUND_MESSAGE = /unable to locate invoice|there are no existing invoices|invoice not found|no invoice/i;
const GRPC_NOT_FOUND = 5;

function isNotFound(error: unknown): boolean {
  if (!(error instanceof LightningBackendError)) return false;
  return error.upstream.status === 404 || error.upstream.grpcCode === GRPC_NOT_FOUND || NOT_FOUND_MESSAGE.test(error.message);
}

function seconds(value: string | undefined): number {
  const n = Number(value ?? '0');
  return Number.isFinite(n) ? n : 0;
}

/** The invoice's own timestamp (BOLT 11: the first 7 data words), so createdAt is exact without a lookup. */
function bolt11Timestamp(bolt11: string): number {
  const { words } = bech32.decode(bolt11 as `${string}1${string}`, false);
  return words.slice(0, 7).reduce((acc, w) => acc * 32 + w, 0);
}

/** A bad LND_TLS_CERT_PATH stops start-up with one line naming the variable. */
async function readCertificate(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('LND_TLS_CERT_PATH', `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new ConfigError('LND_TLS_CERT_PATH', `${path} is not a PEM certificate (expected LND's tls.cert)`);
  }
  return pem;
}

function lndNetwork(info: LndGetInfo): Network {
  const raw = info.chains?.find((c) => !c.chain || c.chain === 'bitcoin')?.network ?? '';
  const network = raw === 'testnet4' || raw === 'testnet3' ? 'testnet' : raw;
  if ((NETWORKS as readonly string[]).includes(network)) return network as Network;
  throw new LightningBackendError(`unsupported network ${JSON.stringify(raw)} in getinfo`);
}

export class LndBackend implements LightningBackend {
  readonly kind = 'lnd' as const;
  private readonly clock: Clock;
  private readonly streams = new Set<{ stream?: LndStream; timer?: { cancel(): void }; closed: boolean }>();

  constructor(
    private readonly client: LndRestClient,
    private readonly options: { clock?: Clock; resubscribeDelayMs?: number } = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  static async open(options: LndBackendOptions): Promise<LndBackend> {
    const { tlsCertPath, clock, resubscribeDelayMs, ...rest } = options;
    const tlsCertPem = tlsCertPath ? await readCertificate(tlsCertPath) : undefined;
    const client = new LndRestClient({ ...rest, ...(tlsCertPem ? { tlsCertPem } : {}) });
    return new LndBackend(client, { ...(clock ? { clock } : {}), ...(resubscribeDelayMs ? { resubscribeDelayMs } : {}) });
  }

  async nodeInfo(): Promise<NodeInfo> {
    const info = await this.client.get<LndGetInfo>('/v1/getinfo');
    if (!info.identity_pubkey) throw new LightningBackendError('getinfo has no identity_pubkey');
    return { backend: 'lnd', pubkey: info.identity_pubkey, alias: info.alias ?? '', network: lndNetwork(info) };
  }

  async createInvoice(request: CreateInvoiceRequest): Promise<CreatedInvoice> {
    const { amountMsat, memo, expirySeconds, descriptionHash: givenHash } = normalizeInvoiceRequest(request);
    // Same rule as the dev node: BOLT 11's d holds 639 bytes, so a longer memo is committed to by hash.
    const descriptionHash =
      givenHash ?? (Buffer.byteLength(memo, 'utf8') > MAX_DESCRIPTION_BYTES ? sha256(Buffer.from(memo, 'utf8')) : null);
    const body: Record<string, string> = { memo, expiry: String(expirySeconds) };
    if (amountMsat !== null) body.value_msat = amountMsat.toString();
    if (descriptionHash) body.description_hash = hexToB64(descriptionHash);
    const added = await this.client.post<LndAddInvoiceResponse>('/v1/invoices', body);
    if (!added.r_hash || !added.payment_request) throw new LightningBackendError('AddInvoice answer lacks r_hash or payment_request');
    let timestamp: number;
    try {
      timestamp = bolt11Timestamp(added.payment_request);
    } catch (error) {
      throw new LightningBackendError('AddInvoice returned a payment_request that is not bech32', {}, { cause: error });
    }
    return {
      paymentHash: b64ToHex(added.r_hash),
      bolt11: added.payment_request,
      amountMsat,
      memo,
      createdAt: new Date(timestamp * 1000),
      expiresAt: new Date((timestamp + expirySeconds) * 1000),
      ...(added.payment_addr ? { paymentSecret: b64ToHex(added.payment_addr) } : {}),
      ...(descriptionHash ? { descriptionHash: Buffer.from(descriptionHash).toString('hex') } : {}),
    };
  }

  /** LND → port status. LND cancels expired invoices itself, so CANCELED past expiry reads as expired. */
  lookupOf(invoice: LndInvoice): InvoiceLookup {
    const expiresAtMs = (seconds(invoice.creation_date) + seconds(invoice.expiry)) * 1000;
    const expired = expiresAtMs > 0 && this.clock.now() >= expiresAtMs;
    switch (invoice.state) {
      case 'SETTLED':
        return {
          status: 'paid',
          settledAt: new Date(seconds(invoice.settle_date) * 1000),
          amountPaidMsat: BigInt(invoice.amt_paid_msat ?? '0'),
        };
      case 'CANCELED':
        return { status: expired ? 'expired' : 'canceled' };
      case 'ACCEPTED': // HTLCs held (hodl invoice): not paid yet, and no longer expiring
        return { status: 'pending' };
      case 'OPEN':
        return { status: expired ? 'expired' : 'pending' };
      default:
        throw new LightningBackendError(`unknown invoice state ${JSON.stringify(invoice.state)}`);
    }
  }

  async lookupInvoice(paymentHash: string): Promise<InvoiceLookup> {
    assertPaymentHash(paymentHash);
    try {
      return this.lookupOf(await this.client.get<LndInvoice>(`/v1/invoice/${paymentHash}`));
    } catch (error) {
      if (isNotFound(error)) throw new LightningInvoiceNotFoundError(paymentHash);
      throw error;
    }
  }

  async cancelInvoice(paymentHash: string): Promise<void> {
    assertPaymentHash(paymentHash);
    try {
      await this.client.post('/v2/invoices/cancel', { payment_hash: hexToB64(paymentHash) });
    } catch (error) {
      if (isNotFound(error)) throw new LightningInvoiceNotFoundError(paymentHash);
      if (error instanceof LightningBackendError && /already settled|settled invoice/i.test(error.message)) {
        throw new LightningInvoiceStateError(`Invoice ${paymentHash} is paid and cannot be canceled`);
      }
      if (error instanceof LightningBackendError && /already canceled/i.test(error.message)) return;
      throw error;
    }
  }

  /**
   * SubscribeInvoices, re-opened with backoff while subscribed. Events missed while the stream was
   * down are not replayed here: the invoice watcher's periodic lookups catch them.
   */
  subscribeSettlements(onEvent: (event: SettlementEvent) => void, onError?: (error: Error) => void): () => void {
    const entry: { stream?: LndStream; timer?: { cancel(): void }; closed: boolean } = { closed: false };
    const firstDelay = this.options.resubscribeDelayMs ?? 1_000;
    let delay = firstDelay;
    const open = () => {
      if (entry.closed) return;
      entry.stream = this.client.stream('/v1/invoices/subscribe', {
        onMessage: (message) => {
          delay = firstDelay;
          const invoice = (message as { result?: LndInvoice }).result;
          if (!invoice?.r_hash) return;
          if (invoice.state === 'SETTLED') {
            onEvent({
              paymentHash: b64ToHex(invoice.r_hash),
              status: 'paid',
              settledAt: new Date(seconds(invoice.settle_date) * 1000),
              amountPaidMsat: BigInt(invoice.amt_paid_msat ?? '0'),
            });
          } else if (invoice.state === 'CANCELED') {
            onEvent({ paymentHash: b64ToHex(invoice.r_hash), status: 'canceled' });
          }
        },
        onEnd: (error) => {
          if (entry.closed) return;
          if (error) onError?.(error);
          entry.timer = this.clock.setTimeout(open, delay);
          delay = Math.min(delay * 2, 30_000);
        },
      });
    };
    this.streams.add(entry);
    open();
    return () => {
      entry.closed = true;
      entry.timer?.cancel();
      entry.stream?.close();
      this.streams.delete(entry);
    };
  }

  async close(): Promise<void> {
    for (const entry of [...this.streams]) {
      entry.closed = true;
      entry.timer?.cancel();
      entry.stream?.close();
    }
    this.streams.clear();
    this.client.close();
  }
}
