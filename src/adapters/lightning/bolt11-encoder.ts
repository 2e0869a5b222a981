/**
 * BOLT 11 invoice encoder: human-readable part (prefix + amount), timestamp, tagged fields and a
 * recoverable secp256k1 signature, bech32-encoded without BIP-173's 90-character limit.
 * Pure: no key handling here — a `Bolt11Signer` signs the 32-byte digest (see bolt11-signers.ts).
 * Spec: lightning/bolts 11-payment-encoding.md.
 */
import { bech32 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Network } from '../../validation/types.js';

/** BOLT 11 "Human-Readable Part": `ln` + the BIP-173 currency prefix of the network. */
export const BOLT11_PREFIXES: Readonly<Record<Network, string>> = Object.freeze({
  mainnet: 'lnbc',
  testnet: 'lntb',
  signet: 'lntbs',
  regtest: 'lnbcrt',
});

/** BOLT 9 feature bits a receiving node sets in the `9` field (even = required). */
export const FEATURE_VAR_ONION_OPTIN_REQUIRED = 8;
export const FEATURE_PAYMENT_SECRET_REQUIRED = 14;

/** BOLT 11: `data_length` is 10 bits, so a field carries at most 1023 words = 639 whole bytes. */
export const MAX_FIELD_WORDS = 1023;
export const MAX_DESCRIPTION_BYTES = Math.floor((MAX_FIELD_WORDS * 5) / 8);

const MAX_TIMESTAMP = 2 ** 35 - 1; // 35-bit field
const MSAT_PER_BTC = 100_000_000_000n;

export interface RouteHintHop {
  /** 33-byte compressed node id. */
  pubkey: Uint8Array;
  /** 8 bytes. */
  shortChannelId: Uint8Array;
  feeBaseMsat: number;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
}

/** One tagged field, in the order it should appear. `raw` writes any type and words as given. */
export type Bolt11Field =
  | { tag: 'p'; paymentHash: Uint8Array }
  | { tag: 's'; paymentSecret: Uint8Array }
  | { tag: 'd'; description: string }
  | { tag: 'h'; descriptionHash: Uint8Array }
  | { tag: 'x'; expirySeconds: number }
  | { tag: 'c'; minFinalCltvExpiry: number }
  | { tag: '9'; featureBits: readonly number[] }
  | { tag: 'n'; payeePubkey: Uint8Array }
  | { tag: 'f'; version: number; program: Uint8Array }
  | { tag: 'r'; hops: readonly RouteHintHop[] }
  | { tag: 'raw'; type: number; words: readonly number[] };

export interface UnsignedBolt11 {
  network: Network;
  /** Millisatoshis; null/undefined for an invoice of any amount. */
  amountMsat?: bigint | null;
  /** Seconds since the epoch. */
  timestamp: number;
  fields: readonly Bolt11Field[];
}

export interface RecoverableSignature {
  /** 64 bytes: r ‖ s, low-S. */
  signature: Uint8Array;
  /** 0–3. */
  recoveryId: number;
}

/** Signs a 32-byte digest as is (no further hashing). */
export interface Bolt11Signer {
  readonly name: string;
  sign(digest: Uint8Array): RecoverableSignature;
}

export class Bolt11EncodeError extends Error {
  constructor(message: string) {
    super(`bolt11 encoder: ${message}`);
    this.name = 'Bolt11EncodeError';
  }
}

const TAG_TYPES = { p: 1, s: 16, d: 13, h: 23, x: 6, c: 24, '9': 5, n: 19, f: 9, r: 3 } as const;

/**
 * BOLT 11 amount: the shortest exact form, i.e. the largest multiplier that divides the amount;
 * `p` (pico-BTC, 0.1 msat) only when nothing larger does, and then its value ends in 0.
 */
export function encodeAmount(amountMsat: bigint): string {
  if (amountMsat <= 0n) throw new Bolt11EncodeError(`amount must be positive, got ${amountMsat} msat`);
  if (amountMsat % MSAT_PER_BTC === 0n) return `${amountMsat / MSAT_PER_BTC}`;
  if (amountMsat % 100_000_000n === 0n) return `${amountMsat / 100_000_000n}m`;
  if (amountMsat % 100_000n === 0n) return `${amountMsat / 100_000n}u`;
  if (amountMsat % 100n === 0n) return `${amountMsat / 100n}n`;
  return `${amountMsat * 10n}p`;
}

export function bolt11HumanReadablePart(network: Network, amountMsat?: bigint | null): string {
  const prefix = BOLT11_PREFIXES[network];
  if (!prefix) throw new Bolt11EncodeError(`unknown network ${JSON.stringify(network)}`);
  return amountMsat === undefined || amountMsat === null ? prefix : prefix + encodeAmount(amountMsat);
}

/** Big-endian base-32 digits of a non-negative integer, at least `minWords` long (0 → none). */
function intToWords(value: number, minWords = 0): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new Bolt11EncodeError(`expected a non-negative integer, got ${value}`);
  const words: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 32)) words.unshift(v % 32);
  while (words.length < minWords) words.unshift(0);
  return words;
}

function exactBytes(bytes: Uint8Array, length: number, what: string): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new Bolt11EncodeError(`${what} must be ${length} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`);
  }
  return bytes;
}

/** BOLT 11 feature vector: big-endian bits, bit 0 the least significant, minimum number of words. */
export function featureWords(bits: readonly number[]): number[] {
  if (bits.length === 0) return [];
  const top = Math.max(...bits);
  const words = new Array<number>(Math.floor(top / 5) + 1).fill(0);
  for (const bit of bits) {
    if (!Number.isInteger(bit) || bit < 0) throw new Bolt11EncodeError(`invalid feature bit ${bit}`);
    const index = words.length - 1 - Math.floor(bit / 5);
    words[index] = (words[index] ?? 0) | (1 << bit % 5);
  }
  return words;
}

function routeHintBytes(hops: readonly RouteHintHop[]): Uint8Array {
  const out = new Uint8Array(hops.length * 51);
  const view = new DataView(out.buffer);
  hops.forEach((hop, i) => {
    const at = i * 51;
    out.set(exactBytes(hop.pubkey, 33, 'route hint pubkey'), at);
    out.set(exactBytes(hop.shortChannelId, 8, 'short_channel_id'), at + 33);
    view.setUint32(at + 41, hop.feeBaseMsat);
    view.setUint32(at + 45, hop.feeProportionalMillionths);
    view.setUint16(at + 49, hop.cltvExpiryDelta);
  });
  return out;
}

const utf8 = new TextEncoder();
// A lone surrogate cannot be encoded as UTF-8 (TextEncoder would silently write U+FFFD instead).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function descriptionBytes(description: string): Uint8Array {
  if (LONE_SURROGATE.test(description)) throw new Bolt11EncodeError('description is not valid UTF-8 (lone surrogate)');
  return utf8.encode(description);
}

function fieldWords(field: Bolt11Field): { type: number; words: readonly number[] } {
  switch (field.tag) {
    case 'p':
      return { type: TAG_TYPES.p, words: bech32.toWords(exactBytes(field.paymentHash, 32, 'payment hash')) };
    case 's':
      return { type: TAG_TYPES.s, words: bech32.toWords(exactBytes(field.paymentSecret, 32, 'payment secret')) };
    case 'h':
      return { type: TAG_TYPES.h, words: bech32.toWords(exactBytes(field.descriptionHash, 32, 'description hash')) };
    case 'n':
      return { type: TAG_TYPES.n, words: bech32.toWords(exactBytes(field.payeePubkey, 33, 'payee pubkey')) };
    case 'd': {
      const bytes = descriptionBytes(field.description);
      if (bytes.length > MAX_DESCRIPTION_BYTES) {
        throw new Bolt11EncodeError(`description is ${bytes.length} bytes, more than ${MAX_DESCRIPTION_BYTES} (use h)`);
      }
      return { type: TAG_TYPES.d, words: bech32.toWords(bytes) };
    }
    case 'x':
      return { type: TAG_TYPES.x, words: intToWords(field.expirySeconds) };
    case 'c':
      return { type: TAG_TYPES.c, words: intToWords(field.minFinalCltvExpiry) };
    case '9':
      return { type: TAG_TYPES['9'], words: featureWords(field.featureBits) };
    case 'f': {
      if (!Number.isInteger(field.version) || field.version < 0 || field.version > 31) {
        throw new Bolt11EncodeError(`fallback version must be 0–31, got ${field.version}`);
      }
      return { type: TAG_TYPES.f, words: [field.version, ...bech32.toWords(field.program)] };
    }
    case 'r':
      return { type: TAG_TYPES.r, words: bech32.toWords(routeHintBytes(field.hops)) };
    case 'raw':
      if (!Number.isInteger(field.type) || field.type < 0 || field.type > 31) {
        throw new Bolt11EncodeError(`field type must be 0–31, got ${field.type}`);
      }
      return { type: field.type, words: field.words };
  }
}

/** Timestamp and tagged fields as 5-bit words: everything the signature covers after the prefix. */
export function dataWords(invoice: Pick<UnsignedBolt11, 'timestamp' | 'fields'>): number[] {
  const { timestamp } = invoice;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0 || timestamp > MAX_TIMESTAMP) {
    throw new Bolt11EncodeError(`timestamp must be 0–${MAX_TIMESTAMP}, got ${timestamp}`);
  }
  const out = intToWords(timestamp, 7);
  for (const field of invoice.fields) {
    const { type, words } = fieldWords(field);
    if (words.length > MAX_FIELD_WORDS) {
      throw new Bolt11EncodeError(`field ${field.tag} is ${words.length} words, more than ${MAX_FIELD_WORDS}`);
    }
    out.push(type, words.length >> 5, words.length & 31);
    for (const w of words) out.push(w);
  }
  return out;
}

/** 5-bit words packed into bytes, the last byte padded with 0 bits (BOLT 11 signature input). */
function wordsToPaddedBytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(Math.ceil((words.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (const w of words) {
    acc = ((acc << 5) | w) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0) out[at] = (acc << (8 - bits)) & 0xff;
  return out;
}

/** SHA-256 of the human-readable part (UTF-8) followed by the data words packed to bytes. */
export function signingDigest(hrp: string, words: readonly number[]): Uint8Array {
  const prefix = utf8.encode(hrp);
  const data = wordsToPaddedBytes(words);
  const message = new Uint8Array(prefix.length + data.length);
  message.set(prefix);
  message.set(data, prefix.length);
  return sha256(message);
}

/** An invoice checked and laid out for signing: its human-readable part and its data words. */
export interface PreparedBolt11 {
  hrp: string;
  /** Timestamp and tagged fields as 5-bit words (see dataWords). */
  words: number[];
}

/** Everything of encoding but the signature; throws Bolt11EncodeError on an invoice BOLT 11 cannot carry. */
export function prepareBolt11(invoice: UnsignedBolt11): PreparedBolt11 {
  return { hrp: bolt11HumanReadablePart(invoice.network, invoice.amountMsat), words: dataWords(invoice) };
}

/** Signs a prepared invoice and bech32-encodes it (appends the signature's words to `prepared.words`). */
export function signPreparedBolt11(prepared: PreparedBolt11, signer: Bolt11Signer): string {
  const { hrp, words } = prepared;
  const { signature, recoveryId } = signer.sign(signingDigest(hrp, words));
  if (signature.length !== 64 || !Number.isInteger(recoveryId) || recoveryId < 0 || recoveryId > 3) {
    throw new Bolt11EncodeError(`signer ${signer.name} returned a malformed signature`);
  }
  const sig = new Uint8Array(65);
  sig.set(signature);
  sig[64] = recoveryId;
  for (const w of bech32.toWords(sig)) words.push(w);
  return bech32.encode(hrp, words, false);
}

export function encodeBolt11(invoice: UnsignedBolt11, signer: Bolt11Signer): string {
  return signPreparedBolt11(prepareBolt11(invoice), signer);
}
