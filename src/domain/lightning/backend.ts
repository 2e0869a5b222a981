/**
 * The Lightning backend port: what Satchel needs from a node to issue and watch invoices.
 * Implemented by the dev node (signs real BOLT 11, payments simulated) and by LND over REST
 * (src/adapters/lightning/). Hashes and secrets are lower-case hex; millisatoshis are bigint because
 * 21e14 sat = 2.1e18 msat does not fit a double.
 */
import type { Network } from '../../validation/types.js';

export type LightningBackendKind = 'dev' | 'lnd';

export interface NodeInfo {
  backend: LightningBackendKind;
  /** 33-byte compressed node id, hex. */
  pubkey: string;
  alias: string;
  network: Network;
}

export interface CreateInvoiceRequest {
  /** Omitted (or null) for an invoice of any amount; otherwise a positive integer. */
  amountMsat?: bigint | number | null;
  memo?: string;
  /** Default 3600 (BOLT 11's default). */
  expirySeconds?: number;
  /** 32 bytes (hex or raw): the invoice commits to this hash (`h`) instead of carrying the memo (`d`). */
  descriptionHash?: string | Uint8Array;
}

export interface CreatedInvoice {
  paymentHash: string;
  bolt11: string;
  /** null: any amount. */
  amountMsat: bigint | null;
  memo: string;
  /** The invoice's own timestamp (whole seconds). */
  createdAt: Date;
  expiresAt: Date;
  paymentSecret?: string;
  /** Set when the invoice carries `h` rather than `d`. */
  descriptionHash?: string;
}

export type InvoiceStatus = 'pending' | 'paid' | 'expired' | 'canceled';

export interface InvoiceLookup {
  status: InvoiceStatus;
  settledAt?: Date;
  amountPaidMsat?: bigint;
}

/** A terminal change of one invoice, pushed by backends that can (LND's SubscribeInvoices, the dev node). */
export interface SettlementEvent {
  paymentHash: string;
  status: 'paid' | 'canceled';
  settledAt?: Date;
  amountPaidMsat?: bigint;
}

export interface LightningBackend {
  readonly kind: LightningBackendKind;
  /**
   * True when creating an invoice waits for nothing remote (the dev node: it signs here and keeps its
   * records in the app's own storage), so storing, not the backend, is what a bulk creation waits for.
   */
  readonly createsLocally?: boolean;
  nodeInfo(): Promise<NodeInfo>;
  createInvoice(request: CreateInvoiceRequest): Promise<CreatedInvoice>;
  lookupInvoice(paymentHash: string): Promise<InvoiceLookup>;
  cancelInvoice?(paymentHash: string): Promise<void>;
  /**
   * Calls `onEvent` for settlements as they happen and `onError` when the feed breaks (it re-opens
   * itself until unsubscribed; events missed meanwhile are not replayed). Returns an unsubscribe function.
   */
  subscribeSettlements?(onEvent: (event: SettlementEvent) => void, onError?: (error: Error) => void): () => void;
  close(): Promise<void>;
}

/** The dev backend's extra: SPEC `POST /api/lightning/invoices/:id/simulate-payment`. */
export interface SimulatedPayments {
  simulatePayment(paymentHash: string, amountMsat?: bigint): Promise<InvoiceLookup>;
}

export function canSimulatePayments(backend: LightningBackend): backend is LightningBackend & SimulatedPayments {
  return typeof (backend as Partial<SimulatedPayments>).simulatePayment === 'function';
}
