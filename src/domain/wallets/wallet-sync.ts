/**
 * Runs and stores wallet syncs (SPEC: POST /api/wallets/:id/sync). Concurrent syncs of one wallet
 * coalesce: within a process they share one promise; across instances a short lease on the wallet row
 * lets one run while the others wait for it and answer with what it stored (a background sync that
 * finds the lease taken skips the wallet). The lease expires by itself if its holder dies.
 *
 * A sync is incremental: the stored transactions and used indexes are the previous state, so known
 * confirmed transactions cost no request (sync.ts). A grown gap limit sets `rescanPending`: the next
 * sync forgets the used indexes and scans from 0 again. Results are written in one database
 * transaction (changed rows upserted, dropped ones deleted); a chain failure writes nothing.
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '../../errors.js';
import type { WalletAddressBook } from './address-book.js';
import type { ChainBackend } from './chain.js';
import type { StoredSyncState, WalletRecord, WalletStore } from './ports.js';
import { syncWallet, type SyncedTransaction, type WalletSyncState } from './sync.js';

export interface SyncSummary {
  balanceSat: { confirmed: number; unconfirmed: number };
  txCount: number;
  usedAddresses: number;
  lastSyncedAt: number;
  changes: { added: number; updated: number; removed: number };
}

export interface WalletSyncerOptions {
  store: WalletStore;
  backend: ChainBackend;
  /** The wallet's (cached) address book. */
  bookOf(wallet: WalletRecord): WalletAddressBook;
  instanceId: string;
  /** How long a lease holds without being released (a crashed holder's lease runs out). Default 5 min. */
  leaseMs?: number;
  /** How often a waiting instance looks at the lease. Default 200 ms. */
  pollMs?: number;
  now?: () => number;
}

export function walletNotFound(): AppError {
  return new AppError('not_found', 'No wallet with this id');
}

export function summaryOf(wallet: WalletRecord, changes: SyncSummary['changes'] = { added: 0, updated: 0, removed: 0 }): SyncSummary {
  return {
    balanceSat: wallet.balanceSat,
    txCount: wallet.txCount,
    usedAddresses: wallet.usedAddresses,
    lastSyncedAt: wallet.lastSyncedAt ?? 0,
    changes,
  };
}

export class WalletSyncer {
  private readonly flights = new Map<string, Promise<SyncSummary | null>>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;

  constructor(private readonly options: WalletSyncerOptions) {
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.pollMs = options.pollMs ?? 200;
    this.now = options.now ?? Date.now;
  }

  /** Syncs now, or joins the sync already running; `skip` returns null instead of waiting on another instance. */
  sync(walletId: string, mode: 'wait' | 'skip' = 'wait'): Promise<SyncSummary | null> {
    const running = this.flights.get(walletId);
    if (running) return running;
    const flight = this.run(walletId, mode).finally(() => this.flights.delete(walletId));
    this.flights.set(walletId, flight);
    return flight;
  }

  /** Resolves when every sync of this process has ended (shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.flights.values()]);
  }

  private async run(walletId: string, mode: 'wait' | 'skip'): Promise<SyncSummary | null> {
    const { store } = this.options;
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = await store.syncStatus(walletId);
      if (!before) throw walletNotFound();
      const owner = `${this.options.instanceId}:${randomBytes(6).toString('base64url')}`;
      if (await store.acquireSyncLease(walletId, owner, this.now(), this.leaseMs)) {
        try {
          return await this.scan(walletId);
        } finally {
          await store.releaseSyncLease(walletId, owner);
        }
      }
      if (mode === 'skip') return null;
      const after = await this.waitForLease(walletId);
      if (!after) throw walletNotFound();
      if (after.lastSyncedAt !== before.lastSyncedAt) {
        const wallet = await store.findById(walletId);
        if (!wallet) throw walletNotFound();
        return summaryOf(wallet);
      }
      // The other sync failed or its holder vanished: run it here.
    }
    throw new AppError('conflict', 'Another sync of this wallet keeps running; try again later');
  }

  private async waitForLease(walletId: string) {
    const deadline = this.now() + this.leaseMs + this.pollMs;
    for (;;) {
      const status = await this.options.store.syncStatus(walletId);
      if (!status || status.leaseUntil === null || status.leaseUntil <= this.now() || this.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }

  private async scan(walletId: string): Promise<SyncSummary> {
    const { store, backend } = this.options;
    const wallet = await store.findById(walletId);
    if (!wallet) throw walletNotFound();
    const book = this.options.bookOf(wallet);
    const known = await store.transactions(walletId);
    const rescan = wallet.rescanPending || wallet.syncState === null;
    const used = rescan ? { receive: [], change: [] } : wallet.syncState!.used;
    const previous: WalletSyncState = { used, transactions: {} };
    if (wallet.syncState?.tipHeight !== undefined) previous.tipHeight = wallet.syncState.tipHeight;
    const firstSeen = new Map<string, number>();
    for (const tx of known) {
      firstSeen.set(tx.txid, tx.firstSeenAt);
      previous.transactions[tx.txid] = plain(tx);
    }
    // One MGET per chain for the addresses the first round will ask about.
    await Promise.all(
      book.deriver.chains.map((chain) => {
        const list = chain === 0 ? used.receive : used.change;
        const gap = chain === 0 ? wallet.gapLimit.receive : wallet.gapLimit.change;
        return book.prefetch(chain, (list.length ? Math.max(...list) + 1 : 0) + gap);
      }),
    );
    let result;
    try {
      result = await syncWallet(book.syncDeriver(), backend, { gapLimit: wallet.gapLimit, previous });
    } finally {
      await book.flush();
    }
    const now = this.now();
    const changed = [...result.changes.added, ...result.changes.updated];
    const state: StoredSyncState = { used: result.state.used };
    if (result.state.tipHeight !== undefined) state.tipHeight = result.state.tipHeight;
    const saved = await store.saveSync(walletId, {
      upserts: changed.map((txid) => ({ ...result.state.transactions[txid]!, firstSeenAt: firstSeen.get(txid) ?? now })),
      removed: result.changes.removed,
      state,
      balanceSat: result.balanceSat,
      txCount: result.transactions.length,
      usedAddresses: result.usedAddresses,
      syncedAt: now,
      gapLimit: wallet.gapLimit,
    });
    if (!saved) throw walletNotFound();
    return {
      balanceSat: result.balanceSat,
      txCount: result.transactions.length,
      usedAddresses: result.usedAddresses,
      lastSyncedAt: now,
      changes: { added: result.changes.added.length, updated: result.changes.updated.length, removed: result.changes.removed.length },
    };
  }
}

function plain(tx: SyncedTransaction): SyncedTransaction {
  const out: SyncedTransaction = { txid: tx.txid, height: tx.height, amountSat: tx.amountSat };
  if (tx.time !== undefined) out.time = tx.time;
  if (tx.feeSat !== undefined) out.feeSat = tx.feeSat;
  return out;
}
