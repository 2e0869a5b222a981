/**
 * Distinct valid extended public keys and descriptors, made from counters (no randomness: runs compare)
 * and cheap to make in bulk: 64 real secp256k1 points combined with per-item chain codes, parent
 * fingerprints and SLIP-132 versions. Validating one costs what validating any xpub costs (the point
 * check dominates), so they stand in for users' keys.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';
import { descriptorChecksum } from '../../src/validation/descriptor-checksum.js';

const base58check = createBase58check(sha256);
/** SLIP-132 mainnet public versions: xpub (BIP-44), ypub (BIP-49), zpub (BIP-84). */
const VERSIONS = [0x0488b21e, 0x049d7cb2, 0x04b24746];
const POINTS = Array.from({ length: 64 }, (_, i) => secp256k1.getPublicKey(sha256(Uint8Array.of(0x6b, i)), true));

function extendedKey(i: number, version: number): string {
  const bytes = new Uint8Array(78);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, version);
  bytes[4] = 3; // account level: m/purpose'/coin'/account'
  view.setUint32(5, (i * 2654435761) >>> 0); // parent fingerprint
  view.setUint32(9, 0x80000000 + (i % 100)); // hardened account index
  const chainCode = sha256(Uint8Array.of(0x63, i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff));
  bytes.set(chainCode, 13);
  bytes.set(POINTS[i % POINTS.length]!, 45);
  return base58check.encode(bytes);
}

/** `n` distinct xpub/ypub/zpub strings. */
export function xpubCorpus(n: number): string[] {
  return Array.from({ length: n }, (_, i) => extendedKey(i, VERSIONS[i % VERSIONS.length]!));
}

/** `n` distinct ranged `wpkh`/`pkh`/`tr` descriptors with key origin and BIP-380 checksum. */
export function descriptorCorpus(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const key = extendedKey(1_000_000 + i, VERSIONS[0]!);
    const fingerprint = ((i * 40503) >>> 0).toString(16).padStart(8, '0');
    const body = [
      `wpkh([${fingerprint}/84'/0'/${i % 10}']${key}/0/*)`,
      `pkh([${fingerprint}/44'/0'/${i % 10}']${key}/<0;1>/*)`,
      `tr([${fingerprint}/86'/0'/${i % 10}']${key}/1/*)`,
    ][i % 3]!;
    return `${body}#${descriptorChecksum(body)}`;
  });
}
