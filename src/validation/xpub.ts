/**
 * Extended public keys (BIP-32 serialization) with SLIP-132 version bytes: xpub/ypub/zpub/Ypub/Zpub and
 * tpub/upub/vpub/Upub/Vpub. Private extended keys and WIF keys are refused with `private_key_rejected`,
 * and no result or message ever repeats such a value.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { decodeBase58Check } from './base58.js';
import { hash160, toHex } from './bytes.js';
import { familyLabel, resolveNetwork } from './network.js';
import { checkString, failed, invalid, issue, neverThrows, valid, type Parsed } from './result.js';
import type { Network, ValidationIssue, Validator } from './types.js';

const C = 'xpub';
/** A serialized extended key is 111 or 112 base58 characters. */
export const XPUB_MAX_LENGTH = 120;

export type XpubScriptType = 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2sh-p2wsh' | 'p2wsh';

export interface XpubVersion {
  prefix: string;
  network: 'mainnet' | 'testnet';
  scriptType: XpubScriptType;
}

/** SLIP-132 public version bytes (Bitcoin and Bitcoin Testnet rows). */
export const XPUB_VERSIONS: ReadonlyMap<number, XpubVersion> = new Map([
  [0x0488b21e, { prefix: 'xpub', network: 'mainnet', scriptType: 'p2pkh' }],
  [0x049d7cb2, { prefix: 'ypub', network: 'mainnet', scriptType: 'p2sh-p2wpkh' }],
  [0x04b24746, { prefix: 'zpub', network: 'mainnet', scriptType: 'p2wpkh' }],
  [0x0295b43f, { prefix: 'Ypub', network: 'mainnet', scriptType: 'p2sh-p2wsh' }],
  [0x02aa7ed3, { prefix: 'Zpub', network: 'mainnet', scriptType: 'p2wsh' }],
  [0x043587cf, { prefix: 'tpub', network: 'testnet', scriptType: 'p2pkh' }],
  [0x044a5262, { prefix: 'upub', network: 'testnet', scriptType: 'p2sh-p2wpkh' }],
  [0x045f1cf6, { prefix: 'vpub', network: 'testnet', scriptType: 'p2wpkh' }],
  [0x024289ef, { prefix: 'Upub', network: 'testnet', scriptType: 'p2sh-p2wsh' }],
  [0x02575483, { prefix: 'Vpub', network: 'testnet', scriptType: 'p2wsh' }],
] as const);

/** SLIP-132 private version bytes: xprv yprv zprv Yprv Zprv tprv uprv vprv Uprv Vprv. */
const PRIVATE_VERSIONS: ReadonlySet<number> = new Set([
  0x0488ade4, 0x049d7878, 0x04b2430c, 0x0295b005, 0x02aa7a99, 0x04358394, 0x044a4e28, 0x045f18bc, 0x024285b5, 0x02575048,
]);

export interface ExtendedPublicKey {
  version: number;
  prefix: string;
  network: 'mainnet' | 'testnet';
  scriptType: XpubScriptType;
  depth: number;
  /** The parent's fingerprint as a big-endian uint32 (0 at depth 0). */
  parentFingerprint: number;
  childIndex: number;
  chainCode: Uint8Array;
  /** 33-byte compressed secp256k1 point. */
  publicKey: Uint8Array;
  /** This key's fingerprint: hash160(publicKey)[0..4], as hex. */
  fingerprint: string;
}

const B58 = '[1-9A-HJ-NP-Za-km-z]';
const NOT_B58 = '[^1-9A-HJ-NP-Za-km-z]';
/**
 * xprv-family prefixes at the start of a base58 run, followed by more base58 (a mistyped xprv is still a
 * secret, so no checksum is checked). The left boundary keeps "…Zprv…" inside an xpub from matching.
 */
const PRIVATE_EXTENDED = new RegExp(`(?:^|${NOT_B58})[xyztuvYZUV]prv${B58}{20,}`);
/** WIF: a run of exactly 51 (uncompressed) or 52 (compressed) base58 characters starting 5/K/L or 9/c. */
const WIF = new RegExp(`(?:^|${NOT_B58})([5KL9c]${B58}{50,51})(?!${B58})`, 'g');
/** Hex runs (public keys, hashes) are never WIF: a WIF key has letters beyond a–f. */
const NON_HEX_LETTER = /[G-Zg-z]/;

/**
 * Fast shape check: does this string carry a private key (xprv-family extended key or WIF, alone or
 * inside a descriptor)? The cache layer uses it to keep secrets out of cache keys, so it errs on the
 * side of "yes": it does not verify checksums.
 */
export function isLikelySecret(value: string): boolean {
  if (value.length < 51) return false;
  if (PRIVATE_EXTENDED.test(value)) return true;
  WIF.lastIndex = 0;
  for (let match = WIF.exec(value); match !== null; match = WIF.exec(value)) {
    if (NON_HEX_LETTER.test(match[1]!)) return true;
  }
  return false;
}

/**
 * Decodes and checks a serialized extended public key: base58check, 78 bytes, a known SLIP-132 public
 * version, BIP-32 depth-0 rules, and a valid compressed secp256k1 point. Private keys fail with
 * `private_key_rejected`. Pure; never throws.
 */
export function parseExtendedPublicKey(str: string, component = C): Parsed<ExtendedPublicKey> {
  if (/^[xyztuvYZUV]prv/.test(str)) return privateKey(component);
  const decoded = decodeBase58Check(str);
  if (!decoded.ok) return failed(decoded.code, component, decoded.problem);
  const bytes = decoded.payload;
  if (bytes.length !== 78) return failed('invalid_length', component, `decodes to ${bytes.length} bytes, expected 78`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(0);
  if (PRIVATE_VERSIONS.has(version)) return privateKey(component);
  const known = XPUB_VERSIONS.get(version);
  if (known === undefined) return failed('unknown_version', component, 'version bytes are not a known extended public key version');
  if (bytes[45] === 0) return privateKey(component);
  const depth = bytes[4]!;
  const parentFingerprint = view.getUint32(5);
  const childIndex = view.getUint32(9);
  // BIP-32: a master key (depth 0) has no parent and is nobody's child.
  if (depth === 0 && parentFingerprint !== 0) return failed('invalid_parent_fingerprint', component, 'depth 0 with a non-zero parent fingerprint');
  if (depth === 0 && childIndex !== 0) return failed('invalid_child_index', component, 'depth 0 with a non-zero child index');
  const publicKey = bytes.slice(45, 78);
  if (publicKey[0] !== 0x02 && publicKey[0] !== 0x03) return failed('invalid_public_key', component, 'public key must start with 0x02 or 0x03');
  if (!secp256k1.utils.isValidPublicKey(publicKey, true)) return failed('invalid_public_key', component, 'public key is not a point on secp256k1');
  return {
    ok: true,
    value: {
      version,
      prefix: known.prefix,
      network: known.network,
      scriptType: known.scriptType,
      depth,
      parentFingerprint,
      childIndex,
      chainCode: bytes.slice(13, 45),
      publicKey,
      fingerprint: toHex(hash160(publicKey), 0, 4),
    },
  };
}

function privateKey<T>(component: string): Parsed<T> {
  return { ok: false, issue: privateKeyIssue(component) };
}

function privateKeyIssue(component: string): ValidationIssue {
  return issue('private_key_rejected', component, 'is a private key; only public keys are accepted and private keys are never stored');
}

/** The network to report for a key, or null when it does not fit the requested one. */
export function xpubNetwork(key: Pick<ExtendedPublicKey, 'network'>, requested?: Network): Network | null {
  return resolveNetwork(key.network === 'mainnet' ? 'mainnet' : 'test', requested);
}

export const validateXpub: Validator = neverThrows(C, (value, options) => {
  // Secrets first, so a private key is named as such even when it is also malformed.
  if (typeof value === 'string' && value.length <= XPUB_MAX_LENGTH && isLikelySecret(value)) return invalid(privateKeyIssue(C));
  const str = checkString(value, C, XPUB_MAX_LENGTH);
  if (typeof str !== 'string') return invalid(str);
  const parsed = parseExtendedPublicKey(str);
  if (!parsed.ok) return invalid(parsed.issue);
  const key = parsed.value;
  const network = xpubNetwork(key, options?.network);
  if (network === null) {
    return invalid('wrong_network', C, `is a ${familyLabel(key.network === 'mainnet' ? 'mainnet' : 'test')} key, not ${options?.network}`);
  }
  return valid(str, {
    network,
    scriptType: key.scriptType,
    depth: key.depth,
    fingerprint: key.fingerprint,
    parentFingerprint: key.parentFingerprint.toString(16).padStart(8, '0'),
    childIndex: key.childIndex,
    prefix: key.prefix,
  });
});
