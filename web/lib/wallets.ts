/**
 * Wallet API shapes and the add-wallet form's live check. The check runs the server's own resolver
 * (src/domain/wallets/new-wallet-source.ts) in the browser, so the form says what was detected —
 * kind, network, script type, key fingerprint — before anything is sent.
 */
import { resolveWalletSource } from '../../src/domain/wallets/new-wallet-source.js';
import type { ScriptType } from '../../src/domain/wallets/script-types.js';
import { WalletSourceError } from '../../src/domain/wallets/wallet-source.js';
import { parseDescriptor } from '../../src/validation/descriptor.js';
import type { Network, ValidationIssue } from '../../src/validation/types.js';

export type ChainName = 'receive' | 'change';

export interface Wallet {
  id: string;
  name: string;
  kind: 'address' | 'xpub' | 'descriptor';
  network: Network;
  scriptType: string;
  descriptor: string;
  ranged: boolean;
  chains: ChainName[];
  gapLimit: { receive: number; change: number };
  balanceSat: { confirmed: number; unconfirmed: number };
  txCount: number;
  usedAddresses: number;
  lastSyncedAt: string | null;
  rescanPending: boolean;
  createdAt: string;
}

export interface WalletAddress {
  chain: ChainName;
  index: number;
  address: string;
  path: string;
}

export interface NextUnusedAddress extends WalletAddress {
  lastUsedIndex: number | null;
  gapLimit: number;
  warning?: { code: string; message: string };
}

export interface WalletTransaction {
  txid: string;
  time?: number;
  height?: number;
  amountSat: number;
  feeSat?: number;
  note?: string;
}

export interface SyncResult {
  balanceSat: { confirmed: number; unconfirmed: number };
  txCount: number;
  usedAddresses: number;
  lastSyncedAt: string;
}

export interface ChainBackendInfo {
  backend: 'esplora' | 'electrum' | 'none';
  host?: string;
  public: boolean;
}

export interface DetectedWallet {
  kind: Wallet['kind'];
  network: Network;
  scriptType: string;
  descriptor: string;
  /** The master key's (from the key origin, or a depth-0 key), else the extended key's own (BIP-32). */
  fingerprint?: { value: string; of: 'master' | 'key' };
}

export type Detection = { ok: true; wallet: DetectedWallet } | { ok: false; issue: ValidationIssue };

/** What the server would make of this source (same code), or why it would refuse it. */
export function detectWallet(source: string, options: { network?: Network; scriptType?: ScriptType; defaultNetwork: Network }): Detection {
  try {
    const definition = resolveWalletSource(source, options);
    const wallet: DetectedWallet = { ...definition };
    const parsed = definition.kind === 'address' ? undefined : parseDescriptor(definition.descriptor, definition.network);
    if (parsed?.ok) {
      const key = parsed.value.key;
      if (key.origin) wallet.fingerprint = { value: key.origin.fingerprint.toLowerCase(), of: 'master' };
      else if (key.kind === 'xpub') wallet.fingerprint = { value: key.xpub.fingerprint, of: key.xpub.depth === 0 ? 'master' : 'key' };
    }
    return { ok: true, wallet };
  } catch (error) {
    if (error instanceof WalletSourceError) {
      return { ok: false, issue: { code: error.reason, message: error.message.replace(/^source: /, '') } };
    }
    return { ok: false, issue: { code: 'invalid_source', message: 'Not an address, extended public key or descriptor' } };
  }
}

export function formatSats(sats: number): string {
  return `${sats.toLocaleString('en-US')} sats`;
}

export function formatBtc(sats: number): string {
  const sign = sats < 0 ? '−' : '';
  const abs = Math.abs(sats);
  return `${sign}${Math.floor(abs / 1e8)}.${String(abs % 1e8).padStart(8, '0')} BTC`;
}
