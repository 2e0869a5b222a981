/**
 * BIP-32 public child derivation (CKDpub) and address encoding for the four single-key script types.
 * Hot path of address listing and gap-limit scans: the chain-level node (account/0 or account/1) is
 * derived once, then each address costs one HMAC-SHA512, one point tweak-add and one hash160 (plus one
 * more tweak-add for taproot). The elliptic-curve and hash primitives come from a KeyCrypto port.
 */
import { bech32, bech32m, createBase58check } from '@scure/base';
import type { Network } from '../../validation/types.js';
import type { KeyCrypto } from './key-crypto.js';
import { NETWORK_PARAMS, type ScriptType } from './script-types.js';

/** A public BIP-32 node: what derivation needs of an extended public key. */
export interface PublicNode {
  /** 33-byte compressed point */
  publicKey: Uint8Array;
  chainCode: Uint8Array;
}

export interface AddressFormat {
  scriptType: ScriptType;
  network: Network;
}

export interface DerivedAddress {
  index: number;
  address: string;
  scriptPubKey: Uint8Array;
}

/** Upper bound of one derivation call (SPEC: `count ≤ 1,000`). */
export const MAX_DERIVE_COUNT = 1000;
const HARDENED = 0x80000000;

export class DerivationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerivationError';
  }
}

/** CKDpub (BIP-32). Throws DerivationError for a hardened index or the 1-in-2^127 invalid child. */
export function deriveChild(crypto: KeyCrypto, parent: PublicNode, index: number): PublicNode {
  if (!Number.isInteger(index) || index < 0 || index >= HARDENED) {
    throw new DerivationError(`derivation: index ${index} is hardened or out of range; public keys derive only 0…2^31-1`);
  }
  const I = childHmac(crypto, parent, index);
  const publicKey = crypto.publicKeyTweakAdd(parent.publicKey, I.subarray(0, 32));
  if (!publicKey) throw new DerivationError(`derivation: child ${index} is invalid (BIP-32: skip this index)`);
  return { publicKey, chainCode: I.slice(32, 64) };
}

/** I = HMAC-SHA512(c_par, ser_P(K_par) || ser_32(i)) */
function childHmac(crypto: KeyCrypto, parent: PublicNode, index: number): Uint8Array {
  const data = new Uint8Array(37);
  data.set(parent.publicKey, 0);
  data[33] = index >>> 24;
  data[34] = (index >>> 16) & 0xff;
  data[35] = (index >>> 8) & 0xff;
  data[36] = index & 0xff;
  return crypto.hmacSha512(parent.chainCode, data);
}

export function derivePath(crypto: KeyCrypto, node: PublicNode, steps: readonly number[]): PublicNode {
  let current = node;
  for (const step of steps) current = deriveChild(crypto, current, step);
  return current;
}

const TAP_TWEAK_TAG = new TextEncoder().encode('TapTweak');

/** Encodes one public key as its scriptPubKey and address. Reusable: holds per-format constants. */
export function createAddressEncoder(crypto: KeyCrypto, format: AddressFormat): (publicKey: Uint8Array) => { address: string; scriptPubKey: Uint8Array } {
  const params = NETWORK_PARAMS[format.network];
  const base58check = createBase58check(crypto.sha256);
  const hrp = params.bech32Hrp;
  switch (format.scriptType) {
    case 'p2pkh':
      return (publicKey) => {
        const h = crypto.hash160(publicKey);
        const spk = new Uint8Array(25);
        spk.set([0x76, 0xa9, 0x14]);
        spk.set(h, 3);
        spk.set([0x88, 0xac], 23);
        const payload = new Uint8Array(21);
        payload[0] = params.pubKeyHashVersion;
        payload.set(h, 1);
        return { address: base58check.encode(payload), scriptPubKey: spk };
      };
    case 'p2sh-p2wpkh':
      return (publicKey) => {
        // BIP-49: redeemScript = 0 <hash160(pubkey)>, address = P2SH of it.
        const redeem = new Uint8Array(22);
        redeem[1] = 0x14;
        redeem.set(crypto.hash160(publicKey), 2);
        const h = crypto.hash160(redeem);
        const spk = new Uint8Array(23);
        spk.set([0xa9, 0x14]);
        spk.set(h, 2);
        spk[22] = 0x87;
        const payload = new Uint8Array(21);
        payload[0] = params.scriptHashVersion;
        payload.set(h, 1);
        return { address: base58check.encode(payload), scriptPubKey: spk };
      };
    case 'p2wpkh':
      return (publicKey) => {
        const h = crypto.hash160(publicKey);
        const spk = new Uint8Array(22);
        spk[1] = 0x14;
        spk.set(h, 2);
        const words = bech32.toWords(h);
        words.unshift(0);
        return { address: bech32.encode(hrp, words), scriptPubKey: spk };
      };
    case 'p2tr': {
      // BIP-86 / BIP-341 key-path only: Q = lift_x(P) + G·tagged_hash("TapTweak", x(P)).
      const tag = crypto.sha256(TAP_TWEAK_TAG);
      const preimage = new Uint8Array(96);
      preimage.set(tag, 0);
      preimage.set(tag, 32);
      const evenKey = new Uint8Array(33);
      evenKey[0] = 0x02;
      return (publicKey) => {
        const x = publicKey.subarray(1, 33);
        preimage.set(x, 64);
        const tweak = crypto.sha256(preimage);
        evenKey.set(x, 1);
        const q = crypto.publicKeyTweakAdd(evenKey, tweak);
        if (!q) throw new DerivationError('derivation: taproot tweak produced an invalid key');
        const spk = new Uint8Array(34);
        spk[0] = 0x51;
        spk[1] = 0x20;
        spk.set(q.subarray(1, 33), 2);
        const words = bech32m.toWords(q.subarray(1, 33));
        words.unshift(1);
        // BIP-350: bech32m for witness v1+
        return { address: bech32m.encode(hrp, words), scriptPubKey: spk };
      };
    }
  }
}

/**
 * Addresses `start … start+count-1` under a chain-level node (e.g. account/0). Derive the chain node
 * once with deriveChild and reuse it across calls.
 */
export function deriveAddresses(
  crypto: KeyCrypto,
  chainNode: PublicNode,
  format: AddressFormat,
  start: number,
  count: number,
  encode = createAddressEncoder(crypto, format),
): DerivedAddress[] {
  if (!Number.isInteger(count) || count < 0 || count > MAX_DERIVE_COUNT) {
    throw new DerivationError(`derivation: count ${count} is outside 0…${MAX_DERIVE_COUNT}`);
  }
  if (!Number.isInteger(start) || start < 0 || start + count > HARDENED) {
    throw new DerivationError(`derivation: start ${start} is outside 0…2^31-1`);
  }
  const out: DerivedAddress[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const index = start + i;
    // A leaf needs only its key, not its chain code.
    const publicKey = crypto.publicKeyTweakAdd(chainNode.publicKey, childHmac(crypto, chainNode, index).subarray(0, 32));
    if (!publicKey) throw new DerivationError(`derivation: child ${index} is invalid (BIP-32: skip this index)`);
    const { address, scriptPubKey } = encode(publicKey);
    out[i] = { index, address, scriptPubKey };
  }
  return out;
}
