/**
 * The port that BIP-32 public derivation needs: one elliptic-curve operation and three hashes.
 * The server plugs in libsecp256k1 + node:crypto (src/adapters/crypto/native-key-crypto.ts, measured
 * ~10× faster, see bench/micro/derivation.bench.ts); the browser or a host without the native
 * binding uses the pure-JS @noble implementation (noble-key-crypto.ts). Both are checked against the
 * BIP vectors by the same tests.
 */
export interface KeyCrypto {
  /** For reports and metrics, e.g. "libsecp256k1+node:crypto". */
  readonly name: string;
  /**
   * point(publicKey) + G·tweak as a 33-byte compressed key; null when tweak ≥ n or the sum is the
   * point at infinity (BIP-32: "the resulting key is invalid, proceed with the next index").
   */
  publicKeyTweakAdd(publicKey: Uint8Array, tweak: Uint8Array): Uint8Array | null;
  hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  /** ripemd160(sha256(data)) */
  hash160(data: Uint8Array): Uint8Array;
}
