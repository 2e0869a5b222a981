/** The WalletStore port (src/domain/wallets/ports.ts) over the database, on SQLite and PostgreSQL alike. */
import type { WalletStore } from '../../domain/wallets/ports.js';
import type { Database } from './database.js';
import { isForeignKeyViolation } from './dialect.js';
import {
  allWalletTransactions,
  deleteWalletTransactions,
  listWalletTransactions,
  streamWalletTransactions,
  upsertWalletTransactions,
} from './repositories/wallet-transactions.js';
import {
  acquireSyncLease,
  advanceHandout,
  deleteWallet,
  findWallet,
  findWalletById,
  insertWallet,
  listWallets,
  releaseSyncLease,
  saveWalletSync,
  staleWallets,
  updateWallet,
  walletSyncStatus,
} from './repositories/wallets.js';

export function createWalletStore(database: Database): WalletStore {
  const { db } = database;
  return {
    insert: (wallet) => insertWallet(db, wallet),
    find: (userId, id) => findWallet(db, userId, id),
    findById: (id) => findWalletById(db, id),
    list: (userId, page) => listWallets(db, userId, page),
    async update(userId, id, patch, now) {
      if (!(await updateWallet(db, userId, id, patch, now))) return null;
      return findWallet(db, userId, id);
    },
    delete: (userId, id) => deleteWallet(db, userId, id),
    transactions: (walletId) => allWalletTransactions(db, walletId),
    async saveSync(walletId, write) {
      try {
        return await db.transaction().execute(async (trx) => {
          // The wallet row first: on PostgreSQL its row lock orders concurrent writers of one wallet.
          if (!(await saveWalletSync(trx, walletId, write))) return false;
          await upsertWalletTransactions(trx, walletId, write.upserts);
          await deleteWalletTransactions(trx, walletId, write.removed);
          return true;
        });
      } catch (error) {
        // Deleted between the check and the inserts.
        if (isForeignKeyViolation(error)) return false;
        throw error;
      }
    },
    listTransactions: (userId, walletId, page) => listWalletTransactions(db, userId, walletId, page),
    streamTransactions: (userId, walletId) => streamWalletTransactions(db, userId, walletId),
    acquireSyncLease: (walletId, owner, now, ttlMs) => acquireSyncLease(db, walletId, owner, now, ttlMs),
    releaseSyncLease: (walletId, owner) => releaseSyncLease(db, walletId, owner),
    syncStatus: (walletId) => walletSyncStatus(db, walletId),
    staleWallets: (before, limit) => staleWallets(db, before, limit),
    advanceHandout: (walletId, chain, next) => advanceHandout(db, walletId, chain, next),
  };
}
