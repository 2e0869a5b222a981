/**
 * A minimal BOLT 11 writer for tests: builds invoices the spec examples do not cover (signet, regtest,
 * huge amounts, malformed fields) and signs them with the spec's example key.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToWords, encodeBech32, wordsToBytes, type Bech32Encoding } from '../../../src/validation/bech32.js';
import { fromHex } from '../../../src/validation/bytes.js';

/** priv_key of every BOLT 11 example; its public key is 03e7156a…dd9ad. */
export const SPEC_PRIVATE_KEY = fromHex('e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734')!;
export const SPEC_PAYEE = '03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad';
export const HASH = '0001020304050607080900010203040506070809000102030405060708090102';
export const SECRET = '1111111111111111111111111111111111111111111111111111111111111111';

export const TAG = { p: 1, r: 3, features: 5, x: 6, f: 9, d: 13, s: 16, n: 19, h: 23, c: 24, m: 27 } as const;

export type Field = [type: number, words: number[]];

export function intWords(value: number): number[] {
  const words: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 32)) words.unshift(v % 32);
  return words;
}

export const hexField = (type: number, hex: string): Field => [type, bytesToWords(fromHex(hex)!)];
export const textField = (type: number, text: string): Field => [type, bytesToWords(new TextEncoder().encode(text))];

/** Feature bits → minimal `9` field words. */
export function featureWords(bits: number[]): number[] {
  const top = Math.max(...bits);
  const words = new Array<number>(Math.floor(top / 5) + 1).fill(0);
  for (const bit of bits) words[words.length - 1 - Math.floor(bit / 5)]! |= 1 << bit % 5;
  return words;
}

export const defaultFields = (): Field[] => [hexField(TAG.p, HASH), hexField(TAG.s, SECRET), textField(TAG.d, 'test'), [TAG.features, featureWords([8, 14])]];

export interface InvoiceOptions {
  hrp?: string;
  timestamp?: number;
  fields?: Field[];
  key?: Uint8Array;
  /** Post-process the 65-byte signature (r ‖ s ‖ recovery id). */
  tamper?: (signature: Uint8Array) => Uint8Array;
  encoding?: Bech32Encoding;
}

export function encodeInvoice(options: InvoiceOptions = {}): string {
  const hrp = options.hrp ?? 'lnbc';
  const ts = intWords(options.timestamp ?? 1496314658);
  const words: number[] = [...new Array<number>(7 - ts.length).fill(0), ...ts];
  for (const [type, data] of options.fields ?? defaultFields()) words.push(type, data.length >> 5, data.length & 31, ...data);
  const preimage = new Uint8Array([...new TextEncoder().encode(hrp), ...wordsToBytes(words, 0, words.length, true)]);
  const recovered = secp256k1.sign(sha256(preimage), options.key ?? SPEC_PRIVATE_KEY, { prehash: false, format: 'recovered' });
  // noble puts the recovery id first; BOLT 11 puts it last.
  let signature: Uint8Array = new Uint8Array([...recovered.subarray(1), recovered[0]!]);
  if (options.tamper) signature = options.tamper(signature);
  words.push(...bytesToWords(signature));
  return encodeBech32(hrp, words, options.encoding ?? 'bech32');
}
