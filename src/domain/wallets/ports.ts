/**
 * What the wallet use cases need from the outside, besides the ChainBackend (chain.ts) and KeyCrypto
 * (key-crypto.ts): a store for wallets and their synced transactions, and a cache for derived addresses.
 * src/adapters/db/wallet-store.ts implements the store on SQLite and PostgreSQL; the tiered cache's
 * namespaces satisfy AddressBlockCache as they are.
 */
import type { Network } from '../../validation/types.js';
import type { GapLimits, SyncedTransaction } from './sync.js';
import type { WalletKind, WalletScriptType } from './wallet-source.js';

export type ChainName = 'receive' | 'change';

export interface Page<T> {
  items: T[];
  next?: string;
}

/** What a sync leaves for the next one besides the transactions (stored as JSON). */
export interface StoredSyncState {
  used: { receive: number[]; change: number[] };
  tipHeight?: number;
}

export interface WalletRecord {
  id: string;
  userId: string;
  name: string;
  kind: WalletKind;
  network: Network;
  scriptType: WalletScriptType;
  descriptor: string;
  gapLimit: GapLimits;
  createdAt: number;
  updatedAt: number;
  lastSyncedAt: number | null;
  syncState: StoredSyncState | null;
  balanceSat: { confirmed: number; unconfirmed: number };
  txCount: number;
  usedAddresses: number;
  /** Set when a gap limit grew: the next sync scans from index 0 again. */
  rescanPending: boolean;
  /** Next index `next-unused` hands out, per chain. */
  handout: { receive: number; change: number };
}

export interface NewWallet {
  id: string;
  userId: string;
  name: string;
  kind: WalletKind;
  network: Network;
  scriptType: WalletScriptType;
  descriptor: string;
  createdAt: number;
}

export interface WalletPatch {
  name?: string;
  gapLimit?: GapLimits;
  rescanPending?: boolean;
}

/** A stored transaction as the API lists it; `note` is the owner's BIP-329 `tx` label, when there is one. */
export interface WalletTransaction extends SyncedTransaction {
  firstSeenAt: number;
  note?: string;
}

/** What a finished sync writes, in one database transaction. */
export interface SyncWrite {
  /** Added and changed transactions, each with when it was first seen (kept for known ones). */
  upserts: Array<SyncedTransaction & { firstSeenAt: number }>;
  removed: string[];
  state: StoredSyncState;
  balanceSat: { confirmed: number; unconfirmed: number };
  txCount: number;
  usedAddresses: number;
  syncedAt: number;
  /** The gap limits the scan used: the rescan flag is cleared only if they are still the wallet's. */
  gapLimit: GapLimits;
}

export interface WalletStore {
  insert(wallet: NewWallet): Promise<void>;
  /** The owner's wallet; null for an unknown id or another user's. */
  find(userId: string, id: string): Promise<WalletRecord | null>;
  /** Any owner's (background sync). */
  findById(id: string): Promise<WalletRecord | null>;
  /** Newest first, keyset-paged. */
  list(userId: string, page: { cursor?: string; limit: number }): Promise<Page<WalletRecord>>;
  update(userId: string, id: string, patch: WalletPatch, now: number): Promise<WalletRecord | null>;
  delete(userId: string, id: string): Promise<boolean>;
  /** Every stored transaction of the wallet (the basis of an incremental sync). */
  transactions(walletId: string): Promise<Array<SyncedTransaction & { firstSeenAt: number }>>;
  /** false when the wallet was deleted meanwhile (nothing written). */
  saveSync(walletId: string, write: SyncWrite): Promise<boolean>;
  /** Newest first (mempool first), keyset-paged, with the owner's notes joined in. */
  listTransactions(userId: string, walletId: string, page: { cursor?: string; limit: number }): Promise<Page<WalletTransaction>>;
  /** Oldest first, read in batches (exports). */
  streamTransactions(userId: string, walletId: string): AsyncIterable<WalletTransaction>;
  /** Takes the wallet's sync lease when it is free or expired; true when this caller holds it now. */
  acquireSyncLease(walletId: string, owner: string, now: number, ttlMs: number): Promise<boolean>;
  releaseSyncLease(walletId: string, owner: string): Promise<void>;
  /** The lease holder and expiry, and when the wallet last synced (coalescing waits on these). */
  syncStatus(walletId: string): Promise<{ leaseUntil: number | null; lastSyncedAt: number | null } | null>;
  /** Ids of wallets never synced or synced before `before`, oldest first. */
  staleWallets(before: number, limit: number): Promise<string[]>;
  /** Moves a chain's hand-out index forward to `next` (never back). */
  advanceHandout(walletId: string, chain: ChainName, next: number): Promise<void>;
}

/** The slice of a tiered-cache namespace the address cache uses (CacheNamespace satisfies it). */
export interface AddressBlockCache<V> {
  /** Synchronous, in-process only. */
  peek(key: string): V | undefined;
  getMany(keys: string[]): Promise<(V | undefined)[]>;
  setMany(entries: Array<[string, V]>): Promise<void>;
  invalidate(keys: string | string[]): Promise<void>;
}
