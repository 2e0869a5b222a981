/**
 * BOLT 11 Lightning invoices: bech32 without the 90-character limit, the `ln` + currency + amount
 * prefix, tagged fields, and the signature (verified against `n` when given, low-S required; otherwise
 * the payee is recovered, accepting high-S). Reader rules follow the current BOLT 11 text, including
 * #1243 (2025): a p, h, s or n field of the wrong length fails the invoice instead of being skipped.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeBech32, wordsToBytes } from './bech32.js';
import { toHex } from './bytes.js';
import { checkString, failed, invalid, neverThrows, quote, valid, type Parsed } from './result.js';
import type { Network, Validator } from './types.js';

const C = 'bolt11';
/** The longest invoice that fits a QR code, the cap LND also applies. */
export const BOLT11_MAX_LENGTH = 7089;

/** Longest first, so `lnbcrt` is not read as `lnbc` + amount and `lntbs` not as `lntb`. */
const PREFIXES: ReadonlyArray<readonly [string, Network]> = [
  ['lnbcrt', 'regtest'],
  ['lnbc', 'mainnet'],
  ['lntbs', 'signet'],
  ['lntb', 'testnet'],
];
const MSAT_PER_BTC = 100_000_000_000n;
const DIVISORS: Record<string, bigint> = { '': 1n, m: 1_000n, u: 1_000_000n, n: 1_000_000_000n, p: 1_000_000_000_000n };
const MAX_MSAT = 21_000_000n * MSAT_PER_BTC;
const SIGNATURE_WORDS = 104;
/** Even feature bits an invoice may require (BOLT 9, context 9): var_onion_optin, payment_secret,
 * basic_mpp, option_route_blinding, option_attribution_data, option_payment_metadata. */
const KNOWN_EVEN_FEATURES = new Set([8, 14, 16, 24, 36, 48]);
const DEFAULT_EXPIRY = 3600;
const DEFAULT_MIN_FINAL_CLTV_EXPIRY = 18;

export interface RouteHintHop {
  pubkey: string;
  shortChannelId: string;
  feeBaseMsat: number;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
}

export interface DecodedBolt11 {
  /** `lnbc`, `lntb`, `lntbs` or `lnbcrt`. */
  prefix: string;
  network: Network;
  /** Absent for "any amount" invoices. */
  amountMsat?: bigint;
  /** Seconds since 1970. */
  timestamp: number;
  /** Seconds after `timestamp` (default 3600). */
  expiry: number;
  /** Default 18. */
  minFinalCltvExpiry: number;
  paymentHash: string;
  paymentSecret: string;
  description?: string;
  descriptionHash?: string;
  metadata?: string;
  /** 33-byte payee node id, hex: the `n` field or the key recovered from the signature. */
  payee: string;
  /** Feature bits set in the `9` field. */
  features: number[];
  /** `f` fields: version 0–16 witness programs, 17 P2PKH hash, 18 P2SH hash (hex). */
  fallbacks: { version: number; program: string }[];
  routeHints: RouteHintHop[][];
  /** 64-byte compact signature (r ‖ s), hex. */
  signature: string;
  recoveryId: number;
}

type Words = Uint8Array;

function readInt(words: Words, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) value = value * 32 + words[i]!;
  return value;
}

let utf8: TextDecoder | undefined;

/** Decodes a BOLT 11 invoice and verifies its signature. Pure; never throws. */
export function decodeBolt11(str: string): Parsed<DecodedBolt11> {
  if (str.length > BOLT11_MAX_LENGTH) return failed('too_long', C, `is longer than ${BOLT11_MAX_LENGTH} characters`);
  if (!/^ln/i.test(str)) return failed('invalid_prefix', C, 'must start with "ln"');
  const decoded = decodeBech32(str, BOLT11_MAX_LENGTH);
  if (!decoded.ok) return failed(decoded.code, C, decoded.problem);
  if (decoded.encoding !== 'bech32') return failed('invalid_checksum', C, 'uses a bech32m checksum; BOLT 11 uses bech32');
  const { hrp, words } = decoded;

  const currency = PREFIXES.find(([p]) => hrp.startsWith(p) && (hrp.length === p.length || /\d/.test(hrp[p.length]!)));
  if (currency === undefined) return failed('invalid_prefix', C, `prefix ${quote(hrp)} is not lnbc, lntb, lntbs or lnbcrt`);
  const [prefix, network] = currency;
  const amountText = hrp.slice(prefix.length);
  let amountMsat: bigint | undefined;
  if (amountText !== '') {
    const match = /^(\d{1,20})([munp]?)$/.exec(amountText);
    if (match === null) return failed('invalid_amount', C, 'amount must be digits followed by an optional m, u, n or p');
    const scaled = BigInt(match[1]!) * MSAT_PER_BTC;
    const divisor = DIVISORS[match[2]!]!;
    if (scaled % divisor !== 0n) return failed('invalid_amount', C, 'amount is not a whole number of millisatoshis');
    amountMsat = scaled / divisor;
    if (amountMsat === 0n) return failed('invalid_amount', C, 'amount must be positive');
    if (amountMsat > MAX_MSAT) return failed('invalid_amount', C, 'amount is above 21 million BTC');
  }

  const end = words.length - SIGNATURE_WORDS;
  if (end < 7) return failed('invalid_length', C, 'is too short to hold a timestamp and a signature');
  const timestamp = readInt(words, 0, 7);
  const fields = readTaggedFields(words, 7, end);
  if (!fields.ok) return fields;
  const f = fields.value;
  if (f.paymentHash === undefined) return failed('missing_field', C, 'has no payment hash (p)');
  if (f.paymentSecret === undefined) return failed('missing_field', C, 'has no payment secret (s)');
  if (f.description !== undefined && f.descriptionHash !== undefined) return failed('conflicting_fields', C, 'has both a description (d) and a description hash (h)');
  if (f.description === undefined && f.descriptionHash === undefined) return failed('missing_field', C, 'has neither a description (d) nor a description hash (h)');

  const sigBytes = wordsToBytes(words, end, words.length);
  const signature = sigBytes.subarray(0, 64);
  const recoveryId = sigBytes[64]!;
  const preimage = new Uint8Array([...new TextEncoder().encode(hrp), ...wordsToBytes(words, 0, end, true)]);
  const digest = sha256(preimage);
  let payee: string;
  if (f.payee !== undefined) {
    // With n: verify against it, and the signature must be low-S.
    if (!secp256k1.verify(signature, digest, f.payee, { prehash: false, lowS: true })) {
      return failed('invalid_signature', C, 'signature does not verify against the payee in the n field (or is not low-S)');
    }
    payee = toHex(f.payee);
  } else {
    // Without n: recover the payee, accepting high-S as well as low-S.
    if (recoveryId > 3) return failed('invalid_signature', C, `recovery id ${recoveryId} is not 0–3`);
    try {
      const sig = secp256k1.Signature.fromBytes(signature, 'compact').addRecoveryBit(recoveryId);
      payee = toHex(sig.recoverPublicKey(digest).toBytes(true));
    } catch {
      return failed('invalid_signature', C, 'no public key can be recovered from the signature');
    }
  }

  const invoice: DecodedBolt11 = {
    prefix,
    network,
    timestamp,
    expiry: f.expiry ?? DEFAULT_EXPIRY,
    minFinalCltvExpiry: f.minFinalCltvExpiry ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY,
    paymentHash: f.paymentHash,
    paymentSecret: f.paymentSecret,
    payee,
    features: f.features,
    fallbacks: f.fallbacks,
    routeHints: f.routeHints,
    signature: toHex(signature),
    recoveryId,
  };
  if (amountMsat !== undefined) invoice.amountMsat = amountMsat;
  if (f.description !== undefined) invoice.description = f.description;
  if (f.descriptionHash !== undefined) invoice.descriptionHash = f.descriptionHash;
  if (f.metadata !== undefined) invoice.metadata = f.metadata;
  return { ok: true, value: invoice };
}

interface TaggedFields {
  paymentHash?: string;
  paymentSecret?: string;
  description?: string;
  descriptionHash?: string;
  metadata?: string;
  expiry?: number;
  minFinalCltvExpiry?: number;
  payee?: Uint8Array;
  features: number[];
  fallbacks: { version: number; program: string }[];
  routeHints: RouteHintHop[][];
}

function readTaggedFields(words: Words, start: number, end: number): Parsed<TaggedFields> {
  const out: TaggedFields = { features: [], fallbacks: [], routeHints: [] };
  let i = start;
  while (i < end) {
    if (i + 3 > end) return failed('invalid_field', C, 'ends in a truncated tagged field');
    const type = words[i]!;
    const length = words[i + 1]! * 32 + words[i + 2]!;
    const s = i + 3;
    i = s + length;
    if (i > end) return failed('invalid_field', C, 'has a tagged field longer than the invoice');
    switch (type) {
      case 1: // p: payment hash
      case 16: // s: payment secret
      case 23: {
        // h: description hash
        const name = type === 1 ? 'payment hash (p)' : type === 16 ? 'payment secret (s)' : 'description hash (h)';
        if (length !== 52) return failed('invalid_field', C, `${name} must be 52 words, got ${length}`);
        const hex = toHex(wordsToBytes(words, s, i));
        if (type === 1) out.paymentHash ??= hex;
        else if (type === 16) out.paymentSecret ??= hex;
        else out.descriptionHash ??= hex;
        break;
      }
      case 13: {
        // d: description, UTF-8
        utf8 ??= new TextDecoder('utf-8', { fatal: true });
        try {
          out.description ??= utf8.decode(wordsToBytes(words, s, i));
        } catch {
          return failed('invalid_field', C, 'description (d) is not valid UTF-8');
        }
        break;
      }
      case 6: // x: expiry
      case 24: {
        // c: min_final_cltv_expiry_delta
        const name = type === 6 ? 'expiry (x)' : 'min_final_cltv_expiry (c)';
        if (length > 0 && words[s] === 0) return failed('non_minimal_field', C, `${name} has leading zeros`);
        if (length > 10) return failed('invalid_field', C, `${name} is too large`);
        const value = readInt(words, s, length);
        if (type === 6) out.expiry ??= value;
        else out.minFinalCltvExpiry ??= value;
        break;
      }
      case 19: {
        // n: payee node id
        if (length !== 53) return failed('invalid_field', C, `payee (n) must be 53 words, got ${length}`);
        const key = wordsToBytes(words, s, i);
        if (!secp256k1.utils.isValidPublicKey(key, true)) return failed('invalid_field', C, 'payee (n) is not a valid public key');
        out.payee ??= key;
        break;
      }
      case 9: {
        // f: fallback address; unknown versions are skipped
        if (length === 0) return failed('invalid_field', C, 'fallback address (f) is empty');
        const version = words[s]!;
        if (version <= 18) out.fallbacks.push({ version, program: toHex(wordsToBytes(words, s + 1, i)) });
        break;
      }
      case 3: {
        // r: route hints, 51 bytes per hop
        const bytes = wordsToBytes(words, s, i);
        if (bytes.length === 0 || bytes.length % 51 !== 0) return failed('invalid_field', C, 'route hint (r) is not a whole number of 51-byte hops');
        out.routeHints.push(readRoute(bytes));
        break;
      }
      case 5: {
        // 9: features
        if (length > 0 && words[s] === 0) return failed('non_minimal_field', C, 'features (9) have leading zeros');
        for (let w = 0; w < length; w++) {
          const word = words[s + w]!;
          for (let b = 0; b < 5; b++) if (word & (1 << b)) out.features.push((length - 1 - w) * 5 + b);
        }
        out.features.sort((a, b) => a - b);
        const unknown = out.features.find((bit) => bit % 2 === 0 && !KNOWN_EVEN_FEATURES.has(bit));
        if (unknown !== undefined) return failed('unknown_required_feature', C, `requires unknown feature bit ${unknown}`);
        break;
      }
      case 27: // m: payment metadata
        out.metadata ??= toHex(wordsToBytes(words, s, i));
        break;
      default: // unknown fields are skipped
    }
  }
  return { ok: true, value: out };
}

function readRoute(bytes: Uint8Array): RouteHintHop[] {
  const hops: RouteHintHop[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let o = 0; o < bytes.length; o += 51) {
    const block = (bytes[o + 33]! << 16) | (bytes[o + 34]! << 8) | bytes[o + 35]!;
    const tx = (bytes[o + 36]! << 16) | (bytes[o + 37]! << 8) | bytes[o + 38]!;
    const out = view.getUint16(o + 39);
    hops.push({
      pubkey: toHex(bytes, o, o + 33),
      shortChannelId: `${block}x${tx}x${out}`,
      feeBaseMsat: view.getUint32(o + 41),
      feeProportionalMillionths: view.getUint32(o + 45),
      cltvExpiryDelta: view.getUint16(o + 49),
    });
  }
  return hops;
}

export const validateBolt11: Validator = neverThrows(C, (value, options) => {
  const str = checkString(value, C, BOLT11_MAX_LENGTH);
  if (typeof str !== 'string') return invalid(str);
  const decoded = decodeBolt11(str);
  if (!decoded.ok) return invalid(decoded.issue);
  const d = decoded.value;
  if (options?.network !== undefined && options.network !== d.network) return invalid('wrong_network', C, `is a ${d.network} invoice, not ${options.network}`);
  const details: Record<string, unknown> = { network: d.network };
  // A string: 21 million BTC in msat exceeds Number.MAX_SAFE_INTEGER.
  if (d.amountMsat !== undefined) details.amountMsat = d.amountMsat.toString();
  details.paymentHash = d.paymentHash;
  if (d.description !== undefined) details.description = d.description;
  if (d.descriptionHash !== undefined) details.descriptionHash = d.descriptionHash;
  details.expiry = d.expiry;
  details.timestamp = d.timestamp;
  details.payee = d.payee;
  details.minFinalCltvExpiry = d.minFinalCltvExpiry;
  return valid(str.toLowerCase(), details);
});
