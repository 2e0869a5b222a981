/**
 * How a new wallet's source becomes its definition, shared by the server (wallet-service.ts) and the
 * add-wallet form (live validation): with a requested network, the source must belong to it; without
 * one, NETWORK (the instance default) where the source allows it — a tpub may be testnet, signet or
 * regtest — else the source's own network. Browser-safe.
 */
import type { Network } from '../../validation/types.js';
import type { ScriptType } from './script-types.js';
import { parseWalletSource, WalletSourceError, type WalletDefinition } from './wallet-source.js';

export interface NewWalletSourceOptions {
  network?: Network;
  scriptType?: ScriptType;
  /** NETWORK: used when `network` is not given and the source allows it. */
  defaultNetwork: Network;
}

export function resolveWalletSource(source: unknown, options: NewWalletSourceOptions): WalletDefinition {
  const scriptType = options.scriptType !== undefined ? { scriptType: options.scriptType } : {};
  if (options.network !== undefined) return parseWalletSource(source, { network: options.network, ...scriptType });
  try {
    return parseWalletSource(source, { network: options.defaultNetwork, ...scriptType });
  } catch (error) {
    if (error instanceof WalletSourceError && error.reason === 'wrong_network') return parseWalletSource(source, scriptType);
    throw error;
  }
}
