/**
 * Addresses of a wallet definition (wallet-source.ts): reads the normalized descriptor once, derives
 * each chain-level node once (lazily), then any index range. Chain 0 is receive, 1 is change; a
 * descriptor without `<0;1>` has one chain, and a non-ranged one (or an address wallet) has one
 * address.
 */
import { hex } from '@scure/base';
import { addressScriptPubKey, decodeAddress } from '../../validation/address.js';
import { parseDescriptor, type DerivationStep } from '../../validation/descriptor.js';
import {
  DerivationError,
  MAX_DERIVE_COUNT,
  createAddressEncoder,
  deriveAddresses,
  derivePath,
  type PublicNode,
} from './derivation.js';
import type { KeyCrypto } from './key-crypto.js';
import type { ScriptType } from './script-types.js';
import type { WalletDefinition } from './wallet-source.js';

export type AddressChain = 0 | 1;

export interface WalletAddress {
  chain: AddressChain;
  index: number;
  address: string;
  /** lower-case hex */
  scriptPubKey: string;
  /** From the master when the descriptor has a key origin (`m/84h/0h/0h/0/5`), else from the key (`0/5`). */
  path: string;
}

export interface WalletDeriver {
  readonly definition: WalletDefinition;
  /** The chains this wallet has: [0, 1], or [0] alone. */
  readonly chains: readonly AddressChain[];
  /** False when the wallet is one address (address wallets, non-ranged descriptors). */
  readonly ranged: boolean;
  /** Addresses start … start+count-1 (count ≤ 1,000); past the end of a non-ranged wallet: none. */
  derive(chain: AddressChain, start: number, count: number): WalletAddress[];
}

function stepsFor(steps: DerivationStep[], chain: AddressChain): number[] {
  const out: number[] = [];
  for (const step of steps) {
    if (step.type === 'index') out.push(step.index);
    else if (step.type === 'multipath') out.push(step.indexes[chain]!);
  }
  return out;
}

export function createWalletDeriver(definition: WalletDefinition, crypto: KeyCrypto): WalletDeriver {
  if (definition.kind === 'address') {
    const text = /^addr\((.+)\)#/.exec(definition.descriptor)?.[1] ?? '';
    const decoded = decodeAddress(text, definition.network);
    if (!decoded.ok) throw new DerivationError(`wallet: stored descriptor ${definition.descriptor} is not a valid address`);
    const only: WalletAddress = {
      chain: 0,
      index: 0,
      address: decoded.value.normalized,
      scriptPubKey: hex.encode(addressScriptPubKey(decoded.value)),
      path: '',
    };
    return single(definition, only);
  }
  const parsed = parseDescriptor(definition.descriptor, definition.network);
  if (!parsed.ok) throw new DerivationError(`wallet: stored descriptor does not parse (${parsed.issue.message})`);
  const d = parsed.value;
  const format = { scriptType: d.scriptType as ScriptType, network: definition.network };
  const encode = createAddressEncoder(crypto, format);
  const key = d.key;
  if (key.kind === 'pubkey') {
    const publicKey = key.encoding === 'x-only' ? Uint8Array.of(2, ...key.publicKey) : key.publicKey;
    const { address, scriptPubKey } = encode(publicKey);
    return single(definition, { chain: 0, index: 0, address, scriptPubKey: hex.encode(scriptPubKey), path: key.origin ? `m/${key.origin.text}` : '' });
  }
  const account: PublicNode = { publicKey: key.xpub.publicKey, chainCode: key.xpub.chainCode };
  const chains: AddressChain[] = d.multipath ? [0, 1] : [0];
  const nodes: Array<PublicNode | undefined> = [];
  const prefix = key.origin ? `m/${key.origin.text}/` : '';
  const node = (chain: AddressChain) => (nodes[chain] ??= derivePath(crypto, account, stepsFor(key.steps, chain)));
  if (!d.ranged) {
    const { address, scriptPubKey } = encode(node(0).publicKey);
    const path = `${prefix}${stepsFor(key.steps, 0).join('/')}`.replace(/\/$/, '');
    return single(definition, { chain: 0, index: 0, address, scriptPubKey: hex.encode(scriptPubKey), path });
  }
  return {
    definition,
    chains,
    ranged: true,
    derive(chain, start, count) {
      if (!chains.includes(chain)) return [];
      const base = `${prefix}${stepsFor(key.steps, chain).map((s) => `${s}/`).join('')}`;
      return deriveAddresses(crypto, node(chain), format, start, count, encode).map((a) => ({
        chain,
        index: a.index,
        address: a.address,
        scriptPubKey: hex.encode(a.scriptPubKey),
        path: `${base}${a.index}`,
      }));
    },
  };
}

function single(definition: WalletDefinition, only: WalletAddress): WalletDeriver {
  return {
    definition,
    chains: [0],
    ranged: false,
    derive(chain, start, count) {
      if (!Number.isInteger(count) || count < 0 || count > MAX_DERIVE_COUNT) {
        throw new DerivationError(`derivation: count ${count} is outside 0…${MAX_DERIVE_COUNT}`);
      }
      return chain === 0 && start === 0 && count > 0 ? [only] : [];
    },
  };
}
