/**
 * One check of a CreateInvoiceRequest for every backend, so the dev node and LND refuse the same
 * inputs with the same codes (the HTTP schema catches types earlier; this guards the port itself).
 */
import { LightningInvalidRequestError } from './errors.js';
import type { CreateInvoiceRequest } from './backend.js';

/** 21e14 sat (SPEC amount range) in millisatoshis. */
export const MAX_INVOICE_MSAT = 2_100_000_000_000_000_000n;
/** LND refuses longer memos ("memo too large"); the dev node keeps the same limit. */
export const MAX_MEMO_BYTES = 1024;
export const DEFAULT_EXPIRY_SECONDS = 3600;
export const MAX_EXPIRY_SECONDS = 365 * 24 * 3600;

export interface NormalizedInvoiceRequest {
  amountMsat: bigint | null;
  memo: string;
  expirySeconds: number;
  descriptionHash: Uint8Array | null;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const HEX_32 = /^[0-9a-fA-F]{64}$/;

function amount(value: CreateInvoiceRequest['amountMsat']): bigint | null {
  if (value === undefined || value === null) return null;
  let msat: bigint;
  if (typeof value === 'bigint') msat = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) msat = BigInt(value);
  else throw new LightningInvalidRequestError('amountMsat', 'not_integer', `amountMsat must be an integer, got ${String(value)}`);
  if (msat <= 0n) {
    // SPEC: zero-amount invoices only when no amount is given.
    throw new LightningInvalidRequestError('amountMsat', 'out_of_range', `amountMsat must be at least 1, got ${msat}`);
  }
  if (msat > MAX_INVOICE_MSAT) {
    throw new LightningInvalidRequestError('amountMsat', 'out_of_range', `amountMsat must be at most ${MAX_INVOICE_MSAT}, got ${msat}`);
  }
  return msat;
}

function descriptionHash(value: CreateInvoiceRequest['descriptionHash']): Uint8Array | null {
  if (value === undefined) return null;
  if (value instanceof Uint8Array && value.length === 32) return Uint8Array.from(value);
  if (typeof value === 'string' && HEX_32.test(value)) return Uint8Array.from(Buffer.from(value, 'hex'));
  throw new LightningInvalidRequestError('descriptionHash', 'invalid_hash', 'descriptionHash must be 32 bytes (64 hex characters)');
}

export function normalizeInvoiceRequest(request: CreateInvoiceRequest): NormalizedInvoiceRequest {
  const memo = request.memo ?? '';
  if (typeof memo !== 'string') throw new LightningInvalidRequestError('memo', 'not_string', 'memo must be a string');
  if (LONE_SURROGATE.test(memo)) throw new LightningInvalidRequestError('memo', 'invalid_utf8', 'memo is not valid UTF-8');
  const memoBytes = Buffer.byteLength(memo, 'utf8');
  if (memoBytes > MAX_MEMO_BYTES) {
    throw new LightningInvalidRequestError('memo', 'too_long', `memo is ${memoBytes} bytes, more than ${MAX_MEMO_BYTES}`);
  }
  const expirySeconds = request.expirySeconds ?? DEFAULT_EXPIRY_SECONDS;
  if (!Number.isSafeInteger(expirySeconds) || expirySeconds < 1 || expirySeconds > MAX_EXPIRY_SECONDS) {
    throw new LightningInvalidRequestError(
      'expirySeconds',
      'out_of_range',
      `expirySeconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS}, got ${String(expirySeconds)}`,
    );
  }
  return { amountMsat: amount(request.amountMsat), memo, expirySeconds, descriptionHash: descriptionHash(request.descriptionHash) };
}

const PAYMENT_HASH = /^[0-9a-f]{64}$/;

/** Payment hashes cross the port as lower-case hex; anything else is a caller's bug or bad input. */
export function assertPaymentHash(paymentHash: string): string {
  if (typeof paymentHash !== 'string' || !PAYMENT_HASH.test(paymentHash)) {
    throw new LightningInvalidRequestError('paymentHash', 'invalid_hash', 'paymentHash must be 64 lower-case hex characters');
  }
  return paymentHash;
}
