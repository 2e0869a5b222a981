/**
 * Watch-only wallets (SPEC: Wallets). Reads are owner-scoped by `userId` wherever the API is; the sync
 * lease and the stale-wallet listing serve the sync coordinator and the background re-sync.
 */
import { sql } from 'kysely';
import type { StoredSyncState, WalletPatch, WalletRecord } from '../../../domain/wallets/ports.js';
import type { WalletScriptType } from '../../../domain/wallets/wallet-source.js';
import type { Network } from '../../../validation/types.js';
import { decodeCursor, toPage, type Page } from '../cursor.js';
import { fromFlag, toFlag } from '../dialect.js';
import type { Db, WalletRow } from '../schema.js';

function parseState(text: string | null): StoredSyncState | null {
  if (text === null) return null;
  const parsed = JSON.parse(text) as StoredSyncState;
  return parsed;
}

export function toWallet(row: WalletRow): WalletRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    kind: row.kind,
    network: row.network as Network,
    scriptType: row.script_type as WalletScriptType,
    descriptor: row.descriptor,
    gapLimit: { receive: row.gap_receive, change: row.gap_change },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastSyncedAt: row.last_synced_at,
    syncState: parseState(row.sync_state),
    balanceSat: { confirmed: row.balance_confirmed, unconfirmed: row.balance_unconfirmed },
    txCount: row.tx_count,
    usedAddresses: row.used_addresses,
    rescanPending: fromFlag(row.rescan_pending),
    handout: { receive: row.handout_receive, change: row.handout_change },
  };
}

export interface NewWalletRow {
  id: string;
  userId: string;
  name: string;
  kind: WalletRow['kind'];
  network: string;
  scriptType: string;
  descriptor: string;
  createdAt: number;
}

export async function insertWallet(db: Db, wallet: NewWalletRow): Promise<void> {
  await db
    .insertInto('wallets')
    .values({
      id: wallet.id,
      user_id: wallet.userId,
      name: wallet.name,
      kind: wallet.kind,
      network: wallet.network,
      script_type: wallet.scriptType,
      descriptor: wallet.descriptor,
      created_at: wallet.createdAt,
      updated_at: wallet.createdAt,
      last_synced_at: null,
      sync_state: null,
      sync_lease_owner: null,
      sync_lease_until: null,
    })
    .execute();
}

export async function findWallet(db: Db, userId: string, id: string): Promise<WalletRecord | null> {
  const row = await db.selectFrom('wallets').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return row ? toWallet(row) : null;
}

export async function findWalletById(db: Db, id: string): Promise<WalletRecord | null> {
  const row = await db.selectFrom('wallets').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toWallet(row) : null;
}

/** A user's wallets, newest first, keyset-paged on (created_at, id). */
export async function listWallets(db: Db, userId: string, options: { cursor?: string; limit: number }): Promise<Page<WalletRecord>> {
  let query = db.selectFrom('wallets').selectAll().where('user_id', '=', userId);
  if (options.cursor !== undefined) {
    const after = decodeCursor(options.cursor);
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit + 1).execute();
  return toPage(rows.map(toWallet), options.limit, (w) => ({ createdAt: w.createdAt, id: w.id }));
}

export async function updateWallet(db: Db, userId: string, id: string, patch: WalletPatch, now: number): Promise<boolean> {
  const result = await db
    .updateTable('wallets')
    .set({
      updated_at: now,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.gapLimit !== undefined ? { gap_receive: patch.gapLimit.receive, gap_change: patch.gapLimit.change } : {}),
      ...(patch.rescanPending !== undefined ? { rescan_pending: toFlag(patch.rescanPending) } : {}),
    })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteWallet(db: Db, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('wallets').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** One conditional UPDATE: atomic on both engines, so at most one caller holds an unexpired lease. */
export async function acquireSyncLease(db: Db, id: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
  const result = await db
    .updateTable('wallets')
    .set({ sync_lease_owner: owner, sync_lease_until: now + ttlMs })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('sync_lease_until', 'is', null), eb('sync_lease_until', '<=', now)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function releaseSyncLease(db: Db, id: string, owner: string): Promise<void> {
  await db
    .updateTable('wallets')
    .set({ sync_lease_owner: null, sync_lease_until: null })
    .where('id', '=', id)
    .where('sync_lease_owner', '=', owner)
    .execute();
}

export async function walletSyncStatus(db: Db, id: string): Promise<{ leaseUntil: number | null; lastSyncedAt: number | null } | null> {
  const row = await db.selectFrom('wallets').select(['sync_lease_until', 'last_synced_at']).where('id', '=', id).executeTakeFirst();
  return row ? { leaseUntil: row.sync_lease_until, lastSyncedAt: row.last_synced_at } : null;
}

/** Never-synced wallets first, then the longest ago (NULLs sort differently per engine: coalesce). */
export async function staleWallets(db: Db, before: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('wallets')
    .select('id')
    .where((eb) => eb.or([eb('last_synced_at', 'is', null), eb('last_synced_at', '<', before)]))
    .orderBy(sql`coalesce(last_synced_at, 0)`)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function advanceHandout(db: Db, id: string, chain: 'receive' | 'change', next: number): Promise<void> {
  const column = chain === 'receive' ? 'handout_receive' : 'handout_change';
  await db.updateTable('wallets').set({ [column]: next }).where('id', '=', id).where(column, '<', next).execute();
}

export interface SyncedWalletValues {
  state: StoredSyncState;
  balanceSat: { confirmed: number; unconfirmed: number };
  txCount: number;
  usedAddresses: number;
  syncedAt: number;
  gapLimit: { receive: number; change: number };
}

/** Stores a sync's figures; the re-scan flag is cleared only if the gap limits are still those scanned with. */
export async function saveWalletSync(db: Db, id: string, values: SyncedWalletValues): Promise<boolean> {
  const result = await db
    .updateTable('wallets')
    .set({
      sync_state: JSON.stringify(values.state),
      balance_confirmed: values.balanceSat.confirmed,
      balance_unconfirmed: values.balanceSat.unconfirmed,
      tx_count: values.txCount,
      used_addresses: values.usedAddresses,
      last_synced_at: values.syncedAt,
    })
    .where('id', '=', id)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return false;
  await db
    .updateTable('wallets')
    .set({ rescan_pending: 0 })
    .where('id', '=', id)
    .where('gap_receive', '=', values.gapLimit.receive)
    .where('gap_change', '=', values.gapLimit.change)
    .execute();
  return true;
}
