/**
 * Base58 and Base58Check decoding, written out (rather than @scure/base) so the address hot path decodes
 * into one small buffer and every failure has a stable code.
 */
import { checksum32 } from './checksum-sha256.js';
import type { ValidationCode } from './codes.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const ALPHABET_REV = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) ALPHABET_REV[ALPHABET.charCodeAt(i)] = i;

export function isBase58Char(code: number): boolean {
  return code < 128 && (ALPHABET_REV[code] ?? -1) !== -1;
}

const LIMBS = new Uint32Array(64);

/**
 * Base58 → bytes, or null when a character is outside the alphabet. Works on 16-bit limbs two
 * characters at a time (× 58² fits comfortably in 32 bits), a few times fewer steps than byte-wise.
 */
export function decodeBase58(str: string): Uint8Array | null {
  const length = str.length;
  let zeros = 0;
  while (zeros < length && str.charCodeAt(zeros) === 49 /* '1' */) zeros++;
  const maxLimbs = (((length - zeros) * 733) / 1000 / 2 + 2) >>> 0;
  const limbs = maxLimbs <= LIMBS.length ? LIMBS : new Uint32Array(maxLimbs);
  let used = 0;
  for (let i = zeros; i < length; ) {
    const c1 = str.charCodeAt(i);
    const d1 = c1 < 128 ? ALPHABET_REV[c1]! : -1;
    if (d1 === -1) return null;
    let carry = d1;
    let mul = 58;
    if (i + 1 < length) {
      const c2 = str.charCodeAt(i + 1);
      const d2 = c2 < 128 ? ALPHABET_REV[c2]! : -1;
      if (d2 === -1) return null;
      carry = d1 * 58 + d2;
      mul = 58 * 58;
      i += 2;
    } else {
      i += 1;
    }
    for (let k = 0; k < used; k++) {
      const x = limbs[k]! * mul + carry;
      limbs[k] = x & 0xffff;
      carry = x >>> 16;
    }
    while (carry !== 0) {
      limbs[used++] = carry & 0xffff;
      carry >>>= 16;
    }
  }
  let bytes = used * 2;
  if (used > 0 && limbs[used - 1]! < 0x100) bytes--;
  const out = new Uint8Array(zeros + bytes);
  for (let k = 0, p = out.length - 1; k < used; k++) {
    const limb = limbs[k]!;
    out[p--] = limb & 0xff;
    if (p >= zeros) out[p--] = limb >>> 8;
  }
  return out;
}

export type Base58CheckDecoded = { ok: true; payload: Uint8Array } | { ok: false; code: ValidationCode; problem: string };

/** Base58Check → payload (checksum verified and removed). */
export function decodeBase58Check(str: string): Base58CheckDecoded {
  const bytes = decodeBase58(str);
  if (bytes === null) return { ok: false, code: 'invalid_characters', problem: 'has a character that is not base58' };
  if (bytes.length < 5) return { ok: false, code: 'invalid_length', problem: 'is too short for base58check' };
  const payload = bytes.subarray(0, bytes.length - 4);
  const n = payload.length;
  const given = ((bytes[n]! << 24) | (bytes[n + 1]! << 16) | (bytes[n + 2]! << 8) | bytes[n + 3]!) >>> 0;
  if (checksum32(payload) !== given) {
    return { ok: false, code: 'invalid_checksum', problem: 'base58check checksum does not match' };
  }
  return { ok: true, payload };
}
