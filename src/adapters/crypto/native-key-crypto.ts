/**
 * KeyCrypto over libsecp256k1 (the `secp256k1` package's N-API binding, prebuilt for linux-x64) and
 * node:crypto's OpenSSL hashes — the fastest path measured in bench/micro/derivation.bench.ts.
 * `loadNativeKeyCrypto()` returns null when the binding cannot load (another platform without a
 * compiler): callers then use the @noble implementation. The package's own index.js silently falls
 * back to elliptic.js, so the binding is required directly to know which one we got.
 */
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type { KeyCrypto } from '../../domain/wallets/key-crypto.js';
import { nobleKeyCrypto } from '../../domain/wallets/noble-key-crypto.js';

interface Secp256k1Binding {
  publicKeyTweakAdd(publicKey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array;
}

function toBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function loadNativeKeyCrypto(): KeyCrypto | null {
  let secp: Secp256k1Binding;
  try {
    secp = createRequire(import.meta.url)('secp256k1/bindings.js') as Secp256k1Binding;
  } catch {
    return null;
  }
  return {
    name: 'libsecp256k1+node:crypto',
    publicKeyTweakAdd(publicKey, tweak) {
      try {
        return secp.publicKeyTweakAdd(publicKey, tweak, true);
      } catch {
        // The binding throws for tweak ≥ n or an infinite result (a 1-in-2^127 event), and for a
        // public key not on the curve, which parsing has already excluded.
        return null;
      }
    },
    hmacSha512: (key, data) => toBytes(createHmac('sha512', key).update(data).digest()),
    sha256: (data) => toBytes(createHash('sha256').update(data).digest()),
    hash160: (data) => toBytes(createHash('ripemd160').update(createHash('sha256').update(data).digest()).digest()),
  };
}

let chosen: KeyCrypto | undefined;

/** The fastest KeyCrypto this process can load (native, else @noble); chosen once. */
export function defaultKeyCrypto(): KeyCrypto {
  chosen ??= loadNativeKeyCrypto() ?? nobleKeyCrypto;
  return chosen;
}
