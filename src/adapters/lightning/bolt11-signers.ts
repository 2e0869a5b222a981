/**
 * Signers for BOLT 11: deterministic (RFC 6979), low-S, recoverable secp256k1 signatures over a digest.
 * `noble` is pure JS and always present; `native` is libsecp256k1 through the optional `secp256k1`
 * package, about an order of magnitude faster (bench/micro/bolt11-sign.bench.ts). `auto` takes native
 * when it loads and falls back to noble — both produce the same bytes for the same key and digest.
 */
import { createRequire } from 'node:module';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { Bolt11Signer, RecoverableSignature } from './bolt11-encoder.js';

export type SignerPreference = 'auto' | 'noble' | 'native';

export function nobleSigner(privateKey: Uint8Array): Bolt11Signer {
  const key = Uint8Array.from(privateKey);
  return {
    name: 'noble',
    sign(digest: Uint8Array): RecoverableSignature {
      // 'recovered' = recovery byte first, then r ‖ s.
      const sig = secp256k1.sign(digest, key, { prehash: false, lowS: true, format: 'recovered' });
      return { signature: sig.subarray(1), recoveryId: sig[0] ?? -1 };
    },
  };
}

interface NativeSecp256k1 {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
}

let nativeModule: NativeSecp256k1 | null | undefined;

/** libsecp256k1 bindings, or null when the optional package or its prebuilt binary is missing. */
export function loadNativeSecp256k1(): NativeSecp256k1 | null {
  if (nativeModule === undefined) {
    try {
      // The package's own index silently falls back to a slow JS build; its bindings entry does not.
      nativeModule = createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1;
    } catch {
      nativeModule = null;
    }
  }
  return nativeModule;
}

export function nativeSigner(privateKey: Uint8Array): Bolt11Signer {
  const native = loadNativeSecp256k1();
  if (!native) throw new Error('bolt11 signer: native secp256k1 is not available');
  const key = Uint8Array.from(privateKey);
  return {
    name: 'native',
    sign(digest: Uint8Array): RecoverableSignature {
      const { signature, recid } = native.ecdsaSign(digest, key);
      return { signature, recoveryId: recid };
    },
  };
}

export function createBolt11Signer(privateKey: Uint8Array, prefer: SignerPreference = 'auto'): Bolt11Signer {
  if (prefer === 'noble') return nobleSigner(privateKey);
  if (prefer === 'native' || loadNativeSecp256k1()) return nativeSigner(privateKey);
  return nobleSigner(privateKey);
}

export function compressedPublicKey(privateKey: Uint8Array): Uint8Array {
  return secp256k1.getPublicKey(privateKey, true);
}

export function isValidPrivateKey(privateKey: Uint8Array): boolean {
  return secp256k1.utils.isValidSecretKey(privateKey);
}
