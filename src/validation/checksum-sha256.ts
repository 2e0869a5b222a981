/**
 * Double SHA-256 for base58check checksums only: a compact FIPS 180-4 SHA-256 over preallocated state,
 * because the base58 address path must stay under ~10 µs a value (SPEC target: 100,000 addresses a
 * second on one core) and @noble/hashes' general-purpose hasher costs ~5 µs a call on the reference
 * machine. Nothing secret passes through it: a fault here can only reject a valid checksum, and
 * test/unit/validation/checksum-sha256.test.ts compares it with @noble/hashes on every length 0–300.
 * Everything else (hash160, BOLT 11 signatures) uses @noble/hashes.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const H = new Int32Array(8);
const W = new Int32Array(64);
const BLOCK = new Uint8Array(64);

function compress(block: Uint8Array): void {
  for (let i = 0; i < 16; i++) {
    const j = i * 4;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  compressW();
}

/** One compression over W[0..15] (already loaded). */
function compressW(): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = H[0]!;
  let b = H[1]!;
  let c = H[2]!;
  let d = H[3]!;
  let e = H[4]!;
  let f = H[5]!;
  let g = H[6]!;
  let h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

/** SHA-256 of `data` into H (FIPS 180-4 padding; messages shorter than 2^29 bytes). */
function digestInto(data: Uint8Array): void {
  H.set(IV);
  const length = data.length;
  let offset = 0;
  for (; offset + 64 <= length; offset += 64) compress(data.subarray(offset, offset + 64));
  const rest = length - offset;
  BLOCK.fill(0);
  BLOCK.set(data.subarray(offset), 0);
  BLOCK[rest] = 0x80;
  if (rest >= 56) {
    compress(BLOCK);
    BLOCK.fill(0);
  }
  const bits = length * 8;
  BLOCK[60] = bits >>> 24;
  BLOCK[61] = bits >>> 16;
  BLOCK[62] = bits >>> 8;
  BLOCK[63] = bits;
  compress(BLOCK);
}

function writeH(out: Uint8Array): void {
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = v >>> 16;
    out[i * 4 + 2] = v >>> 8;
    out[i * 4 + 3] = v;
  }
}

/** SHA-256(data). */
export function sha256(data: Uint8Array): Uint8Array {
  digestInto(data);
  const out = new Uint8Array(32);
  writeH(out);
  return out;
}

/** The first four bytes of SHA-256(SHA-256(data)) as a big-endian uint32: the base58check checksum. */
export function checksum32(data: Uint8Array): number {
  digestInto(data);
  // The second hash is of the 32-byte digest: a single block whose words are H, 0x80…, zeros, 256 bits.
  for (let i = 0; i < 8; i++) W[i] = H[i]!;
  W[8] = 0x80000000 | 0;
  W.fill(0, 9, 15);
  W[15] = 256;
  H.set(IV);
  compressW();
  return H[0]! >>> 0;
}
