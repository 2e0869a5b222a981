/** What the wallets API shows: public wallet data, ISO timestamps, amounts in sats. */
import type { ChainName, WalletRecord, WalletTransaction } from '../../../domain/wallets/ports.js';
import type { NextUnused } from '../../../domain/wallets/next-unused.js';
import type { WalletAddress } from '../../../domain/wallets/wallet-deriver.js';
import type { SyncSummary } from '../../../domain/wallets/wallet-sync.js';

const CHAIN_NAMES: readonly ChainName[] = ['receive', 'change'];

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A descriptor's shape from its text: `<0;1>` gives both chains, `*` makes it ranged. */
function chainsOf(descriptor: string): { ranged: boolean; chains: ChainName[] } {
  return { ranged: descriptor.includes('*'), chains: descriptor.includes('<0;1>') ? ['receive', 'change'] : ['receive'] };
}

export function walletView(wallet: WalletRecord) {
  return {
    id: wallet.id,
    name: wallet.name,
    kind: wallet.kind,
    network: wallet.network,
    scriptType: wallet.scriptType,
    descriptor: wallet.descriptor,
    ...chainsOf(wallet.descriptor),
    gapLimit: wallet.gapLimit,
    balanceSat: wallet.balanceSat,
    txCount: wallet.txCount,
    usedAddresses: wallet.usedAddresses,
    lastSyncedAt: iso(wallet.lastSyncedAt),
    rescanPending: wallet.rescanPending,
    createdAt: new Date(wallet.createdAt).toISOString(),
    updatedAt: new Date(wallet.updatedAt).toISOString(),
  };
}

export function addressView(address: WalletAddress) {
  return { chain: CHAIN_NAMES[address.chain]!, index: address.index, address: address.address, path: address.path };
}

export function nextUnusedView(next: NextUnused & { address: WalletAddress }) {
  return {
    ...addressView(next.address),
    lastUsedIndex: next.lastUsedIndex,
    gapLimit: next.gapLimit,
    ...(next.warning ? { warning: next.warning } : {}),
  };
}

export function syncView(summary: SyncSummary) {
  return {
    balanceSat: summary.balanceSat,
    txCount: summary.txCount,
    usedAddresses: summary.usedAddresses,
    lastSyncedAt: new Date(summary.lastSyncedAt).toISOString(),
    changes: summary.changes,
  };
}

/** `time` is the block time in unix seconds; `height` and `time` are absent while unconfirmed. */
export function transactionView(tx: WalletTransaction) {
  return {
    txid: tx.txid,
    ...(tx.time !== undefined ? { time: tx.time } : {}),
    ...(tx.height !== null ? { height: tx.height } : {}),
    amountSat: tx.amountSat,
    ...(tx.feeSat !== undefined ? { feeSat: tx.feeSat } : {}),
    ...(tx.note !== undefined ? { note: tx.note } : {}),
  };
}
