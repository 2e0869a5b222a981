/**
 * Turns what a user pastes as a wallet `source` — an address, a SLIP-132 extended public key or an
 * output descriptor — into one normalized, storable wallet definition whose `descriptor` (with its
 * BIP-380 checksum) is the single source of truth for derivation:
 *   ypub/upub  → sh(wpkh(xpub|tpub…/<0;1>/*))      zpub/vpub → wpkh(…/<0;1>/*)
 *   xpub/tpub  → pkh(…/<0;1>/*) unless `scriptType` picks sh(wpkh), wpkh or tr
 *   address    → addr(ADDRESS)
 *   descriptor → itself, with its checksum
 * SLIP-132 keys are re-encoded with the standard xpub/tpub version bytes (descriptors allow no other,
 * BIP-380). Parsing is the validation library's; this module only decides and normalizes.
 */
import { createBase58check } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { AppError } from '../../errors.js';
import { decodeAddress, type AddressScriptType } from '../../validation/address.js';
import { DESCRIPTOR_MAX_LENGTH, descriptorChecksum, parseDescriptor } from '../../validation/descriptor.js';
import type { Network, ValidationIssue } from '../../validation/types.js';
import { isLikelySecret, parseExtendedPublicKey } from '../../validation/xpub.js';
import { NETWORK_PARAMS, SCRIPT_TYPES, type ScriptType } from './script-types.js';

export type WalletKind = 'address' | 'xpub' | 'descriptor';
/** What an address wallet can be: an address names its script only up to P2SH/P2WSH. */
export type WalletScriptType = ScriptType | Exclude<AddressScriptType, 'p2pkh' | 'p2wpkh' | 'p2tr'>;

export interface WalletDefinition {
  kind: WalletKind;
  network: Network;
  scriptType: WalletScriptType;
  /** Normalized, with `#checksum`. */
  descriptor: string;
}

export interface WalletSourceOptions {
  /** The wallet's network; the source must belong to it. Default: the source's own network. */
  network?: Network;
  /** For xpub/tpub sources: which script to derive (default p2pkh, as BIP-44). */
  scriptType?: ScriptType;
}

export type WalletSourceErrorCode = 'private_key_rejected' | 'wrong_network' | 'invalid_source';

/** A source that cannot become a wallet; the HTTP layer answers 400 with `errors[0].code`. */
export class WalletSourceError extends AppError {
  constructor(
    readonly reason: WalletSourceErrorCode,
    message: string,
    readonly validationCode?: string,
  ) {
    super('invalid_input', message, { errors: [{ field: 'source', code: reason, message }] });
    this.name = 'WalletSourceError';
  }
}

const DESCRIPTOR_FUNCTION: Record<ScriptType, (key: string) => string> = {
  p2pkh: (key) => `pkh(${key})`,
  'p2sh-p2wpkh': (key) => `sh(wpkh(${key}))`,
  p2wpkh: (key) => `wpkh(${key})`,
  p2tr: (key) => `tr(${key})`,
};

const base58check = createBase58check(sha256);

function fromIssue(issue: ValidationIssue): WalletSourceError {
  const reason: WalletSourceErrorCode =
    issue.code === 'private_key_rejected' ? 'private_key_rejected' : issue.code === 'wrong_network' ? 'wrong_network' : 'invalid_source';
  return new WalletSourceError(reason, issue.message, issue.code);
}

function withChecksum(body: string): string {
  return `${body}#${descriptorChecksum(body)}`;
}

/** The network a test-family key or address belongs to, given the wallet's requested one. */
function testNetwork(requested: Network | undefined, what: string): Network {
  if (requested === 'mainnet') throw new WalletSourceError('wrong_network', `source: ${what} is a testnet/signet/regtest key, not mainnet`);
  return requested ?? 'testnet';
}

/** Parses a wallet source; throws WalletSourceError. Values are taken as given (never trimmed). */
export function parseWalletSource(source: unknown, options: WalletSourceOptions = {}): WalletDefinition {
  if (typeof source !== 'string' || source.length === 0) throw new WalletSourceError('invalid_source', 'source: expected a non-empty string');
  if (source.length > DESCRIPTOR_MAX_LENGTH) throw new WalletSourceError('invalid_source', `source: longer than ${DESCRIPTOR_MAX_LENGTH} characters`);
  // A private key is named as such before anything else, and never repeated in a message.
  if (isLikelySecret(source) || /^[xyztuvYZUV]prv/.test(source)) {
    throw new WalletSourceError('private_key_rejected', 'source: is a private key; Satchel is watch-only and never stores private keys');
  }
  if (/\s/.test(source)) throw new WalletSourceError('invalid_source', 'source: contains whitespace (values are not trimmed)');
  if (options.scriptType !== undefined && !(SCRIPT_TYPES as readonly string[]).includes(options.scriptType)) {
    throw new WalletSourceError('invalid_source', `scriptType: must be one of ${SCRIPT_TYPES.join(', ')}`);
  }
  if (source.includes('(')) return fromDescriptor(source, options);
  if (/^[xyztuvYZUV]pub/.test(source)) return fromExtendedKey(source, options);
  return fromAddress(source, options);
}

function fromExtendedKey(source: string, options: WalletSourceOptions): WalletDefinition {
  const parsed = parseExtendedPublicKey(source, 'source');
  if (!parsed.ok) throw fromIssue(parsed.issue);
  const key = parsed.value;
  if (key.scriptType === 'p2sh-p2wsh' || key.scriptType === 'p2wsh') {
    throw new WalletSourceError('invalid_source', `source: ${key.prefix} is a multisig key (SLIP-132); Satchel watches single-key wallets`);
  }
  const network = key.network === 'mainnet' ? mainnet(options.network, key.prefix) : testNetwork(options.network, key.prefix);
  const standard = key.prefix === 'xpub' || key.prefix === 'tpub';
  let scriptType: ScriptType = key.scriptType;
  if (options.scriptType !== undefined && options.scriptType !== scriptType) {
    if (!standard) {
      throw new WalletSourceError('invalid_source', `scriptType: a ${key.prefix} is a ${key.scriptType} key (SLIP-132); give the xpub/tpub form to choose another script`);
    }
    scriptType = options.scriptType;
  }
  // Re-encode with the standard version bytes: descriptors take only xpub/tpub (BIP-380).
  const raw = base58check.decode(source).slice();
  new DataView(raw.buffer).setUint32(0, NETWORK_PARAMS[network].xpubVersion);
  const body = DESCRIPTOR_FUNCTION[scriptType](`${base58check.encode(raw)}/<0;1>/*`);
  return { kind: 'xpub', network, scriptType, descriptor: withChecksum(body) };
}

function mainnet(requested: Network | undefined, what: string): Network {
  if (requested !== undefined && requested !== 'mainnet') {
    throw new WalletSourceError('wrong_network', `source: ${what} is a mainnet key, not ${requested}`);
  }
  return 'mainnet';
}

function fromDescriptor(source: string, options: WalletSourceOptions): WalletDefinition {
  if (source.startsWith('addr(')) {
    const inner = /^addr\(([^()#]+)\)(?:#([a-z0-9]{8}))?$/.exec(source);
    if (inner === null) throw new WalletSourceError('invalid_source', 'source: addr() must hold one address');
    const body = `addr(${inner[1]})`;
    if (inner[2] !== undefined && inner[2] !== descriptorChecksum(body)) {
      throw new WalletSourceError('invalid_source', 'source: descriptor checksum does not match (BIP-380)', 'invalid_checksum');
    }
    return fromAddress(inner[1]!, options);
  }
  const parsed = parseDescriptor(source, options.network);
  if (!parsed.ok) throw fromIssue(parsed.issue);
  const d = parsed.value;
  if (options.scriptType !== undefined && options.scriptType !== d.scriptType) {
    throw new WalletSourceError('invalid_source', `scriptType: the descriptor is ${d.scriptType}, not ${options.scriptType}`);
  }
  if (d.key.kind === 'xpub' && d.multipath) {
    const multipath = d.key.steps.find((s) => s.type === 'multipath');
    if (multipath?.type === 'multipath' && multipath.indexes.length !== 2) {
      throw new WalletSourceError('invalid_source', 'source: a multipath step must have exactly two indexes, receive and change (<0;1>)');
    }
  }
  let network = d.network;
  if (network === undefined) {
    // A plain public key names no network: the requested one, else mainnet.
    network = options.network ?? 'mainnet';
  }
  return { kind: 'descriptor', network, scriptType: d.scriptType, descriptor: withChecksum(d.body) };
}

function fromAddress(source: string, options: WalletSourceOptions): WalletDefinition {
  const parsed = decodeAddress(source, options.network);
  if (!parsed.ok) {
    if (parsed.issue.code === 'wrong_network') throw fromIssue(parsed.issue);
    throw new WalletSourceError(
      'invalid_source',
      `source: not an address, extended public key or descriptor (${parsed.issue.message})`,
      parsed.issue.code,
    );
  }
  const address = parsed.value;
  if (address.scriptType === 'witness_unknown') {
    throw new WalletSourceError('invalid_source', 'source: a segwit address of an unknown witness version cannot be watched');
  }
  const scriptType: WalletScriptType = address.scriptType;
  if (options.scriptType !== undefined && options.scriptType !== scriptType && !(options.scriptType === 'p2sh-p2wpkh' && scriptType === 'p2sh')) {
    throw new WalletSourceError('invalid_source', `scriptType: the address is ${scriptType}, not ${options.scriptType}`);
  }
  return { kind: 'address', network: address.network, scriptType, descriptor: withChecksum(`addr(${address.normalized})`) };
}
