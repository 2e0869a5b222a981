/**
 * Reads a BOLT 11 invoice without our own code: light-bolt11-decoder for the fields, a from-scratch
 * bit packing for the signed bytes, and libsecp256k1 (native `secp256k1`) for public-key recovery —
 * so a test passes only when an independent reader agrees with our encoder (which signs with noble).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { decode } from 'light-bolt11-decoder';

const require = createRequire(import.meta.url);
const native = require('secp256k1/bindings') as {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed?: boolean): Uint8Array;
};

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

export interface IndependentDecode {
  prefix: string;
  network: string;
  amountMsat: bigint | null;
  timestamp: number;
  paymentHash?: string;
  paymentSecret?: string;
  description?: string;
  descriptionHash?: string;
  expirySeconds?: number;
  minFinalCltvExpiry?: number;
  featureBits?: Record<string, unknown>;
  /** Recovered from the signature by libsecp256k1. */
  payeePubkey: string;
}

export function recoverPayeeIndependently(invoice: string): string {
  const lower = invoice.toLowerCase();
  const sep = lower.lastIndexOf('1');
  const hrp = lower.slice(0, sep);
  const words = [...lower.slice(sep + 1, -6)].map((c) => CHARSET.indexOf(c));
  const dataWords = words.slice(0, -104);
  const sigWords = words.slice(-104);
  const bits = (ws: number[]) => ws.map((w) => w.toString(2).padStart(5, '0')).join('');
  const toBytes = (bitString: string) => {
    const padded = bitString.padEnd(Math.ceil(bitString.length / 8) * 8, '0');
    return Buffer.from(padded.match(/.{8}/g)?.map((b) => parseInt(b, 2)) ?? []);
  };
  const digest = createHash('sha256').update(Buffer.concat([Buffer.from(hrp, 'utf8'), toBytes(bits(dataWords))])).digest();
  const sig = toBytes(bits(sigWords)).subarray(0, 65);
  return Buffer.from(native.ecdsaRecover(sig.subarray(0, 64), sig[64] ?? 0, digest, true)).toString('hex');
}

export function decodeIndependently(invoice: string): IndependentDecode {
  const decoded = decode(invoice);
  const section = (name: string) => decoded.sections.find((s) => s.name === name) as { value?: unknown; letters?: string } | undefined;
  const amount = section('amount')?.value;
  const result: IndependentDecode = {
    prefix: invoice.toLowerCase().slice(0, invoice.toLowerCase().lastIndexOf('1')),
    network: String(section('coin_network')?.letters),
    amountMsat: amount === undefined ? null : BigInt(amount as string),
    timestamp: section('timestamp')?.value as number,
    payeePubkey: recoverPayeeIndependently(invoice),
  };
  const optional: Array<[keyof IndependentDecode, string]> = [
    ['paymentHash', 'payment_hash'],
    ['paymentSecret', 'payment_secret'],
    ['description', 'description'],
    ['descriptionHash', 'description_hash'],
    ['expirySeconds', 'expiry'],
    ['minFinalCltvExpiry', 'min_final_cltv_expiry'],
    ['featureBits', 'feature_bits'],
  ];
  for (const [key, name] of optional) {
    const value = section(name)?.value;
    if (value !== undefined) (result as unknown as Record<string, unknown>)[key] = value;
  }
  return result;
}
