/**
 * Output descriptors for the wallets Satchel watches (BIP-380..386, BIP-389 multipath):
 * `pkh(KEY)`, `sh(wpkh(KEY))`, `wpkh(KEY)` and key-only `tr(KEY)`, where KEY is an xpub/tpub with an
 * optional `[fingerprint/path]` origin and unhardened derivation steps (`/0/*`, `/<0;1>/*`), or a plain
 * public key. The `#checksum` is the BIP-380 one, checked when present. Private keys are refused.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { fromHex, hexValue } from './bytes.js';
import { descriptorChecksum, isDescriptorChar } from './descriptor-checksum.js';
import { checkString, failed, invalid, issue, neverThrows, quote, valid, type Parsed } from './result.js';
import type { Network, ValidationIssue, Validator } from './types.js';
import { isLikelySecret, parseExtendedPublicKey, xpubNetwork, type ExtendedPublicKey } from './xpub.js';

const C = 'descriptor';
export const DESCRIPTOR_MAX_LENGTH = 1000;

export type DescriptorScriptType = 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2tr';

export interface KeyOrigin {
  /** Master key fingerprint, 8 hex characters as written. */
  fingerprint: string;
  /** Derivation from the master; hardened steps have 0x80000000 added. */
  path: number[];
  /** The path as written (`84h/0h/0h` or `84'/0'/0'`), empty for none. */
  text: string;
}

/** A derivation step after an extended key. Hardened steps are refused, so indexes are < 2^31. */
export type DerivationStep = { type: 'index'; index: number } | { type: 'multipath'; indexes: number[] } | { type: 'wildcard' };

export type DescriptorKey =
  | { kind: 'xpub'; text: string; origin?: KeyOrigin; xpub: ExtendedPublicKey; steps: DerivationStep[] }
  | { kind: 'pubkey'; text: string; origin?: KeyOrigin; publicKey: Uint8Array; encoding: 'compressed' | 'uncompressed' | 'x-only' };

export interface ParsedDescriptor {
  scriptType: DescriptorScriptType;
  key: DescriptorKey;
  /** The descriptor without its `#checksum`, exactly as given. */
  body: string;
  /** The BIP-380 checksum of `body`. */
  checksum: string;
  hasChecksum: boolean;
  /** Unknown for a plain public key unless a network was requested. */
  network?: Network;
  /** Has a `<a;b>` step: stands for several descriptors (BIP-389). */
  multipath: boolean;
  /** Ends in `/*`: a range of addresses. */
  ranged: boolean;
}

const HARDENED = 0x80000000;
const UNSUPPORTED = new Set(['pk', 'wsh', 'multi', 'sortedmulti', 'multi_a', 'sortedmulti_a', 'combo', 'addr', 'raw', 'rawtr']);
const CALL = /^([a-z_]+)\((.*)\)$/s;
const SCRIPTS: Record<string, DescriptorScriptType> = { pkh: 'p2pkh', wpkh: 'p2wpkh', tr: 'p2tr' };

/** Parses and checks a descriptor (see the module comment). Pure; never throws. */
export function parseDescriptor(str: string, requested?: Network): Parsed<ParsedDescriptor> {
  for (let i = 0; i < str.length; i++) {
    if (!isDescriptorChar(str.charCodeAt(i))) return failed('invalid_characters', C, `has a character outside the descriptor character set at position ${i + 1} (BIP-380)`);
  }
  if (isLikelySecret(str)) return privateKey();
  const hash = str.indexOf('#');
  const body = hash === -1 ? str : str.slice(0, hash);
  const checksum = descriptorChecksum(body)!;
  if (hash !== -1) {
    const given = str.slice(hash + 1);
    if (given.includes('#')) return failed('invalid_checksum', C, 'has more than one "#"');
    if (given.length !== 8) return failed('invalid_checksum', C, `checksum must be 8 characters, got ${given.length}`);
    if (given !== checksum) return failed('invalid_checksum', C, 'checksum does not match (BIP-380)');
  }
  const script = parseScript(body);
  if (!script.ok) return script;
  const { scriptType, keyText } = script.value;
  const key = parseKey(keyText, scriptType);
  if (!key.ok) return key;
  let network: Network | undefined = requested;
  const k = key.value;
  if (k.kind === 'xpub') {
    const resolved = xpubNetwork(k.xpub, requested);
    if (resolved === null) return failed('wrong_network', C, `key is a ${k.xpub.network} key, not ${requested}`);
    network = resolved;
  }
  const steps = k.kind === 'xpub' ? k.steps : [];
  const parsed: ParsedDescriptor = {
    scriptType,
    key: k,
    body,
    checksum,
    hasChecksum: hash !== -1,
    multipath: steps.some((s) => s.type === 'multipath'),
    ranged: steps.some((s) => s.type === 'wildcard'),
  };
  if (network !== undefined) parsed.network = network;
  return { ok: true, value: parsed };
}

function parseScript(body: string): Parsed<{ scriptType: DescriptorScriptType; keyText: string }> {
  const call = CALL.exec(body);
  if (call === null) return failed('invalid_syntax', C, 'expected a script expression such as wpkh(KEY)');
  const [, name, inner] = call as unknown as [string, string, string];
  if (name === 'sh') {
    const nested = CALL.exec(inner);
    if (nested?.[1] === 'wpkh') return { ok: true, value: { scriptType: 'p2sh-p2wpkh', keyText: nested[2]! } };
    if (nested !== null && (UNSUPPORTED.has(nested[1]!) || nested[1] === 'pkh' || nested[1] === 'tr' || nested[1] === 'sh')) {
      return failed('unsupported_script', C, `sh(${nested[1]}(…)) is not supported; use pkh, sh(wpkh), wpkh or tr`);
    }
    return failed('invalid_syntax', C, 'sh() must contain a script expression such as wpkh(KEY)');
  }
  const scriptType = SCRIPTS[name];
  if (scriptType !== undefined) {
    if (name === 'tr' && inner.includes(',')) return failed('unsupported_script', C, 'taproot script trees are not supported; use tr(KEY)');
    return { ok: true, value: { scriptType, keyText: inner } };
  }
  if (UNSUPPORTED.has(name)) return failed('unsupported_script', C, `${name}() is not supported; use pkh, sh(wpkh), wpkh or tr`);
  return failed('invalid_syntax', C, `${quote(name)} is not a descriptor function`);
}

function parseKey(text: string, scriptType: DescriptorScriptType): Parsed<DescriptorKey> {
  if (text.length === 0) return failed('invalid_key', C, 'has an empty key expression');
  if (/[(),]/.test(text)) return failed('invalid_key', C, `${scriptName(scriptType)} expects a key, not a script expression`);
  let origin: KeyOrigin | undefined;
  let rest = text;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return failed('invalid_key_origin', C, 'key origin has no closing "]"');
    const parsed = parseOrigin(text.slice(1, close));
    if (!parsed.ok) return parsed;
    origin = parsed.value;
    rest = text.slice(close + 1);
  }
  if (rest.includes('[') || rest.includes(']')) return failed('invalid_key_origin', C, 'key origin must be a single leading [fingerprint/path]');
  if (rest.length === 0) return failed('invalid_key', C, 'key origin is not followed by a key');
  const parts = rest.split('/');
  const keyText = parts[0]!;
  const path = parts.slice(1);
  if (keyText.length > 0 && [...keyText].every((ch) => hexValue(ch.charCodeAt(0)) >= 0)) return parsePlainKey(keyText, path, scriptType, origin);
  // A WIF key or a private extended key, even mistyped, is a secret: refuse it without naming it.
  if (isLikelySecret(keyText) || /^[xyztuvYZUV]prv/.test(keyText)) return privateKey();
  const xpub = parseExtendedPublicKey(keyText, C);
  if (!xpub.ok) {
    if (xpub.issue.code === 'private_key_rejected') return xpub;
    return failed('invalid_key', C, `key is not a public key or extended public key (${xpub.issue.message.slice(C.length + 2)})`);
  }
  if (xpub.value.prefix !== 'xpub' && xpub.value.prefix !== 'tpub') {
    return failed('slip132_in_descriptor', C, `${xpub.value.prefix} keys are not allowed in descriptors; use the xpub/tpub form with the script function`);
  }
  const steps = parseSteps(path);
  if (!steps.ok) return steps;
  const key: DescriptorKey = { kind: 'xpub', text: keyText, xpub: xpub.value, steps: steps.value };
  if (origin !== undefined) key.origin = origin;
  return { ok: true, value: key };
}

function parsePlainKey(hex: string, path: string[], scriptType: DescriptorScriptType, origin?: KeyOrigin): Parsed<DescriptorKey> {
  if (path.length > 0) return failed('invalid_derivation', C, 'a plain public key cannot have derivation steps');
  const bytes = fromHex(hex);
  let encoding: 'compressed' | 'uncompressed' | 'x-only';
  if (bytes !== null && bytes.length === 33 && (bytes[0] === 2 || bytes[0] === 3)) encoding = 'compressed';
  else if (bytes !== null && bytes.length === 65 && bytes[0] === 4) encoding = 'uncompressed';
  else if (bytes !== null && bytes.length === 32) encoding = 'x-only';
  else return failed('invalid_key', C, 'a hex public key must be 66 (compressed) or 130 (uncompressed) hex characters');
  if (encoding === 'uncompressed' && scriptType !== 'p2pkh') return failed('uncompressed_key', C, `${scriptName(scriptType)} needs a compressed public key`);
  if (encoding === 'x-only' && scriptType !== 'p2tr') return failed('invalid_key', C, 'a 64-character x-only key is only allowed in tr()');
  const point = encoding === 'x-only' ? Uint8Array.of(2, ...bytes) : bytes;
  if (!secp256k1.utils.isValidPublicKey(point, encoding !== 'uncompressed')) return failed('invalid_public_key', C, 'public key is not a point on secp256k1');
  const key: DescriptorKey = { kind: 'pubkey', text: hex, publicKey: bytes, encoding };
  if (origin !== undefined) key.origin = origin;
  return { ok: true, value: key };
}

function parseOrigin(text: string): Parsed<KeyOrigin> {
  const parts = text.split('/');
  const fingerprint = parts[0]!;
  if (!/^[0-9a-fA-F]{8}$/.test(fingerprint)) return failed('invalid_key_origin', C, 'key origin fingerprint must be exactly 8 hex characters');
  const path: number[] = [];
  for (const part of parts.slice(1)) {
    if (part.includes('<')) return failed('invalid_key_origin', C, 'a multipath step is not allowed in a key origin (BIP-389)');
    const step = parseIndex(part);
    if (step === null) return failed('invalid_key_origin', C, `key origin step ${quote(part)} is not NUM, NUMh or NUM'`);
    path.push(step.hardened ? step.index + HARDENED : step.index);
  }
  return { ok: true, value: { fingerprint, path, text: parts.slice(1).join('/') } };
}

function parseSteps(parts: string[]): Parsed<DerivationStep[]> {
  const steps: DerivationStep[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '*' || part === '*h' || part === "*'") {
      if (i !== parts.length - 1) return failed('invalid_derivation', C, '"*" must be the last derivation step');
      if (part !== '*') return hardened();
      steps.push({ type: 'wildcard' });
    } else if (part.startsWith('<')) {
      if (steps.some((s) => s.type === 'multipath')) return failed('invalid_multipath', C, 'only one <a;b> step is allowed per key (BIP-389)');
      if (!part.endsWith('>')) return failed('invalid_multipath', C, 'multipath step has no closing ">"');
      const items = part.slice(1, -1).split(';');
      if (items.length < 2) return failed('invalid_multipath', C, 'multipath step needs at least two indexes');
      const indexes: number[] = [];
      for (const item of items) {
        const step = parseIndex(item);
        if (step === null) return failed('invalid_multipath', C, `multipath index ${quote(item)} is not a number below 2^31`);
        if (step.hardened) return hardened();
        if (indexes.includes(step.index)) return failed('invalid_multipath', C, `multipath index ${step.index} appears twice`);
        indexes.push(step.index);
      }
      steps.push({ type: 'multipath', indexes });
    } else if (part.includes('<') || part.includes('>')) {
      return failed('invalid_multipath', C, `derivation step ${quote(part)} has an unmatched "<" or ">"`);
    } else {
      const step = parseIndex(part);
      if (step === null) return failed('invalid_derivation', C, `derivation step ${quote(part)} is not a number below 2^31`);
      if (step.hardened) return hardened();
      steps.push({ type: 'index', index: step.index });
    }
  }
  return { ok: true, value: steps };
}

/** NUM, NUMh or NUM' with NUM in 0 … 2^31-1 (BIP-380; upper-case H is not allowed). */
function parseIndex(text: string): { index: number; hardened: boolean } | null {
  const match = /^(\d{1,10})(h|')?$/.exec(text);
  if (match === null) return null;
  const index = Number(match[1]);
  if (index >= HARDENED) return null;
  return { index, hardened: match[2] !== undefined };
}

function hardened<T>(): Parsed<T> {
  return failed('hardened_derivation', C, 'hardened steps after an extended public key need the private key; put them in the key origin');
}

function privateKey<T>(): Parsed<T> {
  return { ok: false, issue: privateKeyIssue() };
}

function privateKeyIssue(): ValidationIssue {
  return issue('private_key_rejected', C, 'contains a private key; only public keys are accepted and private keys are never stored');
}

function scriptName(scriptType: DescriptorScriptType): string {
  return { p2pkh: 'pkh()', 'p2sh-p2wpkh': 'sh(wpkh())', p2wpkh: 'wpkh()', p2tr: 'tr()' }[scriptType];
}

export { descriptorChecksum };

export const validateDescriptor: Validator = neverThrows(C, (value, options) => {
  if (typeof value === 'string' && value.length <= DESCRIPTOR_MAX_LENGTH && isLikelySecret(value)) return invalid(privateKeyIssue());
  const str = checkString(value, C, DESCRIPTOR_MAX_LENGTH);
  if (typeof str !== 'string') return invalid(str);
  const parsed = parseDescriptor(str, options?.network);
  if (!parsed.ok) return invalid(parsed.issue);
  const d = parsed.value;
  const details: Record<string, unknown> = { scriptType: d.scriptType, hasChecksum: d.hasChecksum, multipath: d.multipath, ranged: d.ranged };
  if (d.network !== undefined) details.network = d.network;
  const origin = d.key.origin;
  if (origin !== undefined) {
    details.keyOrigin = { fingerprint: origin.fingerprint, path: origin.text === '' ? 'm' : `m/${origin.text}` };
    details.fingerprint = origin.fingerprint.toLowerCase();
  } else if (d.key.kind === 'xpub' && d.key.xpub.depth === 0) {
    details.fingerprint = d.key.xpub.fingerprint;
  }
  return valid(`${d.body}#${d.checksum}`, details);
});
