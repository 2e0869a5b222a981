/**
 * Gap-limit scan of a wallet over the ChainBackend port (SPEC: POST /api/wallets/:id/sync).
 *
 * Each round derives, for both chains at once, every address not yet asked about up to
 * "highest used index + 1 + gap limit", and asks for all their histories in ONE batched call; the
 * scan ends when a round finds nothing new past the window. With gap 20, a wallet used only at
 * receive index 19 is found (round 1 asks 0…19, round 2 asks 20…39); one used only at 20 is not.
 *
 * Incremental: given the previous state, the first round already covers every known used index plus
 * the gap (histories are cheap); transactions already known with the same height, touching no newly
 * found address, are reused rather than fetched again — so a confirmed history costs no transaction
 * requests at all, and an unconfirmed one is fetched again only once it confirms.
 *
 * Amounts: a transaction's net amount to the wallet is what it pays to wallet scripts minus the
 * wallet outputs it spends (the backend fills every input's prevout). Balance as Electrum's
 * get_balance: confirmed = Σ net of confirmed transactions, unconfirmed = Σ net of mempool ones.
 */
import { feeOf, type ChainBackend, type ChainTransaction, type HistoryEntry, type ScriptRef } from './chain.js';
import type { AddressChain, WalletAddress, WalletDeriver } from './wallet-deriver.js';

export interface GapLimits {
  receive: number;
  change: number;
}

export const DEFAULT_GAP_LIMITS: Readonly<GapLimits> = { receive: 20, change: 20 };
/** Highest index a scan will reach on one chain, whatever the history says (bounds the work). */
export const MAX_SCAN_INDEX = 100_000;
/** deriver.derive takes at most this many at once. */
const DERIVE_CHUNK = 1000;

export interface SyncedTransaction {
  txid: string;
  /** null while unconfirmed */
  height: number | null;
  time?: number;
  /** net to the wallet, sats (negative when it spent) */
  amountSat: number;
  feeSat?: number;
}

/** What a sync leaves for the next one; plain JSON, stored with the wallet. */
export interface WalletSyncState {
  used: { receive: number[]; change: number[] };
  transactions: Record<string, SyncedTransaction>;
  tipHeight?: number;
}

export interface SyncResult {
  state: WalletSyncState;
  balanceSat: { confirmed: number; unconfirmed: number };
  /** newest first: mempool, then by height descending */
  transactions: SyncedTransaction[];
  usedAddresses: number;
  /** txids new since the previous state, changed (height/amount), and gone (dropped from the mempool) */
  changes: { added: string[]; updated: string[]; removed: string[] };
  stats: { rounds: number; scriptsQueried: number; transactionsFetched: number };
}

export interface SyncOptions {
  gapLimit?: GapLimits;
  previous?: WalletSyncState;
}

const chainName = (chain: AddressChain) => (chain === 0 ? 'receive' : 'change');

export async function syncWallet(deriver: WalletDeriver, backend: ChainBackend, options: SyncOptions = {}): Promise<SyncResult> {
  const gap = options.gapLimit ?? DEFAULT_GAP_LIMITS;
  const previous = options.previous;
  const previouslyUsed = new Set<string>();
  for (const chain of deriver.chains) for (const i of previous?.used[chainName(chain)] ?? []) previouslyUsed.add(`${chain}/${i}`);

  const tipPromise = backend.tipHeight();
  tipPromise.catch(() => undefined); // awaited at the end; a failure surfaces there, not as unhandled
  // Per chain: next index not yet asked about, and how far this scan must reach.
  const next = new Map<AddressChain, number>();
  const target = new Map<AddressChain, number>();
  for (const chain of deriver.chains) {
    const known = previous?.used[chainName(chain)] ?? [];
    const limit = chain === 0 ? gap.receive : gap.change;
    next.set(chain, 0);
    target.set(chain, deriver.ranged ? Math.min(MAX_SCAN_INDEX, (known.length ? Math.max(...known) + 1 : 0) + limit) : 1);
  }

  const used = new Map<AddressChain, Set<number>>(deriver.chains.map((c) => [c, new Set<number>()]));
  const scriptOwner = new Map<string, WalletAddress>();
  const history = new Map<string, HistoryEntry>();
  /** txids seen on an address that was not used before this sync: their amounts must be recomputed */
  const touchesNew = new Set<string>();
  let rounds = 0;
  let scriptsQueried = 0;

  for (;;) {
    const window: WalletAddress[] = [];
    for (const chain of deriver.chains) {
      const from = next.get(chain)!;
      const to = target.get(chain)!;
      for (let start = from; start < to; start += DERIVE_CHUNK) {
        window.push(...deriver.derive(chain, start, Math.min(DERIVE_CHUNK, to - start)));
      }
      next.set(chain, to);
    }
    if (window.length === 0) break;
    rounds++;
    scriptsQueried += window.length;
    const refs: ScriptRef[] = window.map((a) => ({ scriptPubKey: a.scriptPubKey, address: a.address }));
    for (const a of window) scriptOwner.set(a.scriptPubKey, a);
    const histories = await backend.scriptHistories(refs);
    for (const a of window) {
      const entries = histories.get(a.scriptPubKey) ?? [];
      if (entries.length === 0) continue;
      used.get(a.chain)!.add(a.index);
      const isNew = !previouslyUsed.has(`${a.chain}/${a.index}`);
      for (const entry of entries) {
        history.set(entry.txid, entry);
        if (isNew) touchesNew.add(entry.txid);
      }
      if (deriver.ranged) {
        const limit = a.chain === 0 ? gap.receive : gap.change;
        target.set(a.chain, Math.min(MAX_SCAN_INDEX, Math.max(target.get(a.chain)!, a.index + 1 + limit)));
      }
    }
  }

  // Fetch only what is new, moved (confirmed, reorganised) or touches a newly found address.
  const known = previous?.transactions ?? {};
  const toFetch = [...history.values()].filter((entry) => {
    const old = known[entry.txid];
    return !old || old.height !== entry.height || touchesNew.has(entry.txid);
  });
  const fetched = toFetch.length ? await backend.transactions(toFetch) : new Map<string, ChainTransaction>();

  const transactions: Record<string, SyncedTransaction> = {};
  const changes: SyncResult['changes'] = { added: [], updated: [], removed: [] };
  for (const entry of history.values()) {
    const tx = fetched.get(entry.txid);
    const old = known[entry.txid];
    const synced = tx ? summarize(tx, entry, scriptOwner) : old!;
    transactions[entry.txid] = synced;
    if (!old) changes.added.push(entry.txid);
    else if (old.height !== synced.height || old.amountSat !== synced.amountSat || old.time !== synced.time) changes.updated.push(entry.txid);
  }
  for (const txid of Object.keys(known)) if (!history.has(txid)) changes.removed.push(txid);

  const list = Object.values(transactions).sort(
    (a, b) => (b.height ?? Number.MAX_SAFE_INTEGER) - (a.height ?? Number.MAX_SAFE_INTEGER) || (a.txid < b.txid ? -1 : 1),
  );
  const balanceSat = { confirmed: 0, unconfirmed: 0 };
  for (const tx of list) {
    if (tx.height === null) balanceSat.unconfirmed += tx.amountSat;
    else balanceSat.confirmed += tx.amountSat;
  }
  const sorted = (chain: AddressChain) => [...(used.get(chain) ?? [])].sort((a, b) => a - b);
  const state: WalletSyncState = { used: { receive: sorted(0), change: sorted(1) }, transactions, tipHeight: await tipPromise };
  return {
    state,
    balanceSat,
    transactions: list,
    usedAddresses: state.used.receive.length + state.used.change.length,
    changes,
    stats: { rounds, scriptsQueried, transactionsFetched: fetched.size },
  };
}

function summarize(tx: ChainTransaction, entry: HistoryEntry, owner: Map<string, WalletAddress>): SyncedTransaction {
  let amount = 0;
  for (const output of tx.vout) if (owner.has(output.scriptPubKey)) amount += output.value;
  for (const input of tx.vin) if (input.scriptPubKey !== undefined && owner.has(input.scriptPubKey)) amount -= input.value ?? 0;
  const synced: SyncedTransaction = { txid: tx.txid, height: tx.height ?? entry.height, amountSat: amount };
  if (tx.time !== undefined) synced.time = tx.time;
  const fee = tx.fee ?? feeOf(tx);
  if (fee !== undefined) synced.feeSat = fee;
  return synced;
}
