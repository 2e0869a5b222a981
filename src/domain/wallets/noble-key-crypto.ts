/** Pure-JS KeyCrypto over @noble: browser-safe, and the fallback where libsecp256k1 cannot load. */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hmac } from '@noble/hashes/hmac.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { KeyCrypto } from './key-crypto.js';

const { Point } = secp256k1;
const N = Point.Fn.ORDER;

function toBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

export const nobleKeyCrypto: KeyCrypto = {
  name: '@noble/curves+@noble/hashes',
  publicKeyTweakAdd(publicKey, tweak) {
    const t = toBigInt(tweak);
    if (t >= N) return null;
    const base = Point.fromBytes(publicKey);
    const sum = t === 0n ? base : base.add(Point.BASE.multiply(t));
    return sum.is0() ? null : sum.toBytes(true);
  },
  hmacSha512: (key, data) => hmac(sha512, key, data),
  sha256: (data) => sha256(data),
  hash160: (data) => ripemd160(sha256(data)),
};
