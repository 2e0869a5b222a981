/**
 * Bech32 (BIP-173) and bech32m (BIP-350) decoding that reports which of the two checksums matched, so
 * callers can tell "wrong checksum" from "right checksum, wrong variant". Written out instead of using
 * @scure/base so the address hot path allocates little and every failure has a stable code.
 */
import type { ValidationCode } from './codes.js';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
/** char code → 5-bit value, -1 where not in the charset; upper case maps like lower case. */
const CHARSET_REV = new Int8Array(128).fill(-1);
for (let i = 0; i < CHARSET.length; i++) {
  CHARSET_REV[CHARSET.charCodeAt(i)] = i;
  CHARSET_REV[CHARSET.toUpperCase().charCodeAt(i)] = i;
}

const BECH32_CONST = 1;
const BECH32M_CONST = 0x2bc830a3;

export type Bech32Encoding = 'bech32' | 'bech32m';

export type Bech32Decoded =
  | { ok: true; hrp: string; words: Uint8Array; encoding: Bech32Encoding }
  | { ok: false; code: ValidationCode; problem: string };

function polymodStep(pre: number): number {
  const b = pre >>> 25;
  return (
    (((pre & 0x1ffffff) << 5) ^
      (-((b >> 0) & 1) & 0x3b6a57b2) ^
      (-((b >> 1) & 1) & 0x26508e6d) ^
      (-((b >> 2) & 1) & 0x1ea119fa) ^
      (-((b >> 3) & 1) & 0x3d4233dd) ^
      (-((b >> 4) & 1) & 0x2a1462b3)) >>>
    0
  );
}

function hrpChecksumState(hrp: string): number {
  let chk = 1;
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk) ^ (hrp.charCodeAt(i) >> 5);
  chk = polymodStep(chk);
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk) ^ (hrp.charCodeAt(i) & 31);
  return chk;
}

/**
 * Decodes a bech32 or bech32m string (either checksum accepted; the result says which).
 * `limit` is the maximum length (90 for addresses per BIP-173; BOLT 11 lifts it).
 */
export function decodeBech32(str: string, limit = 90): Bech32Decoded {
  const length = str.length;
  if (length > limit) return { ok: false, code: 'invalid_length', problem: `is longer than ${limit} characters` };
  let hasLower = false;
  let hasUpper = false;
  for (let i = 0; i < length; i++) {
    const c = str.charCodeAt(i);
    if (c < 33 || c > 126) return { ok: false, code: 'invalid_characters', problem: `has a character outside US-ASCII 33–126 at position ${i + 1}` };
    if (c >= 97 && c <= 122) hasLower = true;
    else if (c >= 65 && c <= 90) hasUpper = true;
  }
  if (hasLower && hasUpper) return { ok: false, code: 'mixed_case', problem: 'mixes upper and lower case' };
  const separator = str.lastIndexOf('1');
  if (separator === -1) return { ok: false, code: 'invalid_characters', problem: 'has no "1" separator' };
  if (separator === 0) return { ok: false, code: 'invalid_length', problem: 'has an empty human-readable part' };
  if (separator + 7 > length) return { ok: false, code: 'invalid_length', problem: 'has a checksum shorter than 6 characters' };
  const hrp = hasUpper ? str.slice(0, separator).toLowerCase() : str.slice(0, separator);
  const words = new Uint8Array(length - separator - 1);
  let chk = hrpChecksumState(hrp);
  for (let i = separator + 1, j = 0; i < length; i++, j++) {
    const c = str.charCodeAt(i);
    const v = CHARSET_REV[c] ?? -1;
    if (v === -1) return { ok: false, code: 'invalid_characters', problem: `has "${str[i]}" at position ${i + 1}, which is not a bech32 character` };
    words[j] = v;
    chk = polymodStep(chk) ^ v;
  }
  let encoding: Bech32Encoding;
  if (chk === BECH32_CONST) encoding = 'bech32';
  else if (chk === BECH32M_CONST) encoding = 'bech32m';
  else return { ok: false, code: 'invalid_checksum', problem: 'bech32 checksum does not match' };
  return { ok: true, hrp, words: words.subarray(0, words.length - 6), encoding };
}

/** Encodes 5-bit words under `hrp` (lower case) with the chosen checksum. No length limit. */
export function encodeBech32(hrp: string, words: ArrayLike<number>, encoding: Bech32Encoding): string {
  const lower = hrp.toLowerCase();
  let chk = hrpChecksumState(lower);
  let out = `${lower}1`;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? 0;
    chk = polymodStep(chk) ^ w;
    out += CHARSET[w];
  }
  for (let i = 0; i < 6; i++) chk = polymodStep(chk);
  chk ^= encoding === 'bech32' ? BECH32_CONST : BECH32M_CONST;
  for (let i = 0; i < 6; i++) out += CHARSET[(chk >> (5 * (5 - i))) & 31];
  return out;
}

/**
 * 5-bit words → bytes for segwit programs (BIP-173): at most 4 bits of padding, and they must be zero.
 * Returns null when the padding is not allowed.
 */
export function wordsToBytesStrict(words: Uint8Array, start = 0): Uint8Array | null {
  const bits = (words.length - start) * 5;
  if (bits % 8 > 4) return null;
  const out = new Uint8Array(bits >> 3);
  let acc = 0;
  let accBits = 0;
  let k = 0;
  for (let i = start; i < words.length; i++) {
    acc = ((acc << 5) | (words[i] ?? 0)) & 0xfff;
    accBits += 5;
    if (accBits >= 8) {
      accBits -= 8;
      out[k++] = (acc >> accBits) & 0xff;
    }
  }
  if ((acc & ((1 << accBits) - 1)) !== 0) return null;
  return out;
}

/**
 * 5-bit words → bytes as BOLT 11 reads tagged fields: trailing bits that do not fill a byte are dropped,
 * or, with `pad`, zero-filled into one more byte (the signed preimage is padded that way).
 */
export function wordsToBytes(words: ArrayLike<number>, start = 0, end = words.length, pad = false): Uint8Array {
  const bits = (end - start) * 5;
  const out = new Uint8Array(pad ? Math.ceil(bits / 8) : bits >> 3);
  let acc = 0;
  let accBits = 0;
  let k = 0;
  for (let i = start; i < end; i++) {
    acc = ((acc << 5) | (words[i] ?? 0)) & 0xfff;
    accBits += 5;
    if (accBits >= 8) {
      accBits -= 8;
      out[k++] = (acc >> accBits) & 0xff;
    }
  }
  if (pad && accBits > 0) out[k] = (acc << (8 - accBits)) & 0xff;
  return out;
}

/** Bytes → 5-bit words, zero-padded at the end (BIP-173 convertbits with pad). */
export function bytesToWords(bytes: Uint8Array): number[] {
  const words: number[] = [];
  let acc = 0;
  let accBits = 0;
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0x1fff;
    accBits += 8;
    while (accBits >= 5) {
      accBits -= 5;
      words.push((acc >> accBits) & 31);
    }
  }
  if (accBits > 0) words.push((acc << (5 - accBits)) & 31);
  return words;
}
