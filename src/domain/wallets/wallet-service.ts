/**
 * The wallet use cases (SPEC: Wallets; issue 4 and the wallet parts of issue 10), owner-scoped: another
 * user's wallet is "not found". Over ports only: a WalletStore, a ChainBackend, KeyCrypto and a cache
 * namespace for derived addresses. One address book (parsed descriptor + its cached blocks) per
 * derivation is kept in an LRU: parsing a descriptor and deriving its chain nodes is the costly part.
 */
import { LRUCache } from 'lru-cache';
import { AppError } from '../../errors.js';
import type { Network } from '../../validation/types.js';
import { INDEX_LIMIT, WalletAddressBook, type AddressBlock, type AddressBookCounters } from './address-book.js';
import { DerivationError, MAX_DERIVE_COUNT } from './derivation.js';
import type { ChainBackend } from './chain.js';
import type { KeyCrypto } from './key-crypto.js';
import { nextUnused, type NextUnused } from './next-unused.js';
import type { AddressBlockCache, ChainName, Page, WalletRecord, WalletStore, WalletTransaction } from './ports.js';
import type { ScriptType } from './script-types.js';
import type { GapLimits } from './sync.js';
import { exportTransactionsCsv } from './transactions-csv.js';
import { createWalletDeriver, type AddressChain, type WalletAddress, type WalletDeriver } from './wallet-deriver.js';
import { resolveWalletSource } from './new-wallet-source.js';
import { WalletSourceError, type WalletDefinition } from './wallet-source.js';
import { walletNotFound, WalletSyncer, type SyncSummary } from './wallet-sync.js';

export const WALLET_NAME_MAX = 100;
export const GAP_LIMIT_MAX = 1000;

export interface WalletServiceDeps {
  store: WalletStore;
  backend: ChainBackend;
  crypto: KeyCrypto;
  addressCache: AddressBlockCache<AddressBlock>;
  /** NETWORK: the network of a new wallet whose source allows several (tpub, a plain-key descriptor). */
  defaultNetwork: Network;
  instanceId: string;
  /** Address books kept in memory. Default 1,000. */
  bookCacheSize?: number;
  /** The deriver port; tests wrap it to count derivations. */
  createDeriver?: (definition: WalletDefinition, crypto: KeyCrypto) => WalletDeriver;
  syncLeaseMs?: number;
  syncPollMs?: number;
  now?: () => number;
  newId: () => string;
}

export interface NewWalletInput {
  name: unknown;
  source: unknown;
  network?: Network;
  scriptType?: ScriptType;
}

export interface WalletUpdateInput {
  name?: unknown;
  gapLimit?: { receive: unknown; change: unknown };
}

export const CHAIN_INDEX: Record<ChainName, AddressChain> = { receive: 0, change: 1 };

function invalid(field: string, code: string, message: string): AppError {
  return new AppError('invalid_input', message, { errors: [{ field, code, message }] });
}

/** 1–100 characters once trimmed (code points, as the schema counts). */
export function walletName(value: unknown): string {
  if (typeof value !== 'string') throw invalid('name', 'wrong_type', 'name must be a string');
  const name = value.trim();
  if (name === '') throw invalid('name', 'required', 'name must not be empty');
  if ([...name].length > WALLET_NAME_MAX) throw invalid('name', 'too_long', `name must be at most ${WALLET_NAME_MAX} characters`);
  return name;
}

function gapLimits(value: { receive: unknown; change: unknown }): GapLimits {
  for (const chain of ['receive', 'change'] as const) {
    const n = value[chain];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > GAP_LIMIT_MAX) {
      throw invalid(`gapLimit.${chain}`, 'out_of_range', `gapLimit.${chain} must be an integer 1–${GAP_LIMIT_MAX}`);
    }
  }
  return { receive: value.receive as number, change: value.change as number };
}

export class WalletService {
  readonly counters: AddressBookCounters = { derivedBlocks: 0, cachedBlocks: 0 };
  readonly syncer: WalletSyncer;
  private readonly books: LRUCache<string, WalletAddressBook>;
  private readonly now: () => number;
  private readonly createDeriver: NonNullable<WalletServiceDeps['createDeriver']>;

  constructor(private readonly deps: WalletServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.createDeriver = deps.createDeriver ?? createWalletDeriver;
    this.books = new LRUCache({ max: deps.bookCacheSize ?? 1000 });
    this.syncer = new WalletSyncer({
      store: deps.store,
      backend: deps.backend,
      bookOf: (wallet) => this.bookOf(wallet),
      instanceId: deps.instanceId,
      ...(deps.syncLeaseMs !== undefined ? { leaseMs: deps.syncLeaseMs } : {}),
      ...(deps.syncPollMs !== undefined ? { pollMs: deps.syncPollMs } : {}),
      now: this.now,
    });
  }

  get backendKind(): string {
    return this.deps.backend.kind;
  }

  /** Parses the source (400 with the reason when it cannot be a wallet) and stores the wallet. */
  async create(userId: string, input: NewWalletInput): Promise<WalletRecord> {
    const name = walletName(input.name);
    const definition = this.definitionOf(input);
    // Derive once now: a descriptor that parses but cannot derive is refused here, not at first use.
    try {
      this.bookOf(definition).deriver.derive(0, 0, 1);
    } catch (error) {
      if (error instanceof DerivationError) throw new WalletSourceError('invalid_source', `source: ${error.message}`);
      throw error;
    }
    const now = this.now();
    const id = this.deps.newId();
    await this.deps.store.insert({ id, userId, name, ...definition, createdAt: now });
    const wallet = await this.deps.store.find(userId, id);
    if (!wallet) throw walletNotFound();
    return wallet;
  }

  private definitionOf(input: NewWalletInput): WalletDefinition {
    return resolveWalletSource(input.source, {
      defaultNetwork: this.deps.defaultNetwork,
      ...(input.network !== undefined ? { network: input.network } : {}),
      ...(input.scriptType !== undefined ? { scriptType: input.scriptType } : {}),
    });
  }

  list(userId: string, page: { cursor?: string; limit: number }): Promise<Page<WalletRecord>> {
    return this.deps.store.list(userId, page);
  }

  async get(userId: string, id: string): Promise<WalletRecord> {
    const wallet = await this.deps.store.find(userId, id);
    if (!wallet) throw walletNotFound();
    return wallet;
  }

  /** Renames and/or sets gap limits; a gap limit that grows marks the wallet for a full re-scan. */
  async update(userId: string, id: string, input: WalletUpdateInput): Promise<WalletRecord> {
    const wallet = await this.get(userId, id);
    const patch: { name?: string; gapLimit?: GapLimits; rescanPending?: boolean } = {};
    if (input.name !== undefined) patch.name = walletName(input.name);
    if (input.gapLimit !== undefined) {
      const gap = gapLimits(input.gapLimit);
      patch.gapLimit = gap;
      if (gap.receive > wallet.gapLimit.receive || gap.change > wallet.gapLimit.change) patch.rescanPending = true;
    }
    const updated = await this.deps.store.update(userId, id, patch, this.now());
    if (!updated) throw walletNotFound();
    return updated;
  }

  async delete(userId: string, id: string): Promise<void> {
    if (!(await this.deps.store.delete(userId, id))) throw walletNotFound();
  }

  async addresses(userId: string, id: string, chain: ChainName, start: number, count: number): Promise<WalletAddress[]> {
    if (!Number.isSafeInteger(start) || start < 0 || start >= INDEX_LIMIT) {
      throw invalid('start', 'out_of_range', `start must be an integer 0–${INDEX_LIMIT - 1}`);
    }
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_DERIVE_COUNT) {
      throw invalid('count', 'out_of_range', `count must be an integer 1–${MAX_DERIVE_COUNT}`);
    }
    const wallet = await this.get(userId, id);
    return this.bookOf(wallet).range(CHAIN_INDEX[chain], start, count);
  }

  /** The next address to give out on a chain; `handOut` moves the chain's index past it. */
  async nextUnused(userId: string, id: string, chain: ChainName, handOut: boolean): Promise<NextUnused & { address: WalletAddress }> {
    const wallet = await this.get(userId, id);
    const book = this.bookOf(wallet);
    if (!book.deriver.chains.includes(CHAIN_INDEX[chain])) {
      throw invalid('chain', 'no_such_chain', `this wallet has no ${chain} addresses`);
    }
    const used = wallet.syncState?.used[chain] ?? [];
    const gap = chain === 'receive' ? wallet.gapLimit.receive : wallet.gapLimit.change;
    // A single-address wallet has only index 0, used or not.
    const next = book.deriver.ranged ? nextUnused(chain, used, wallet.handout[chain], gap) : { chain, index: 0, lastUsedIndex: used[0] ?? null, gapLimit: gap };
    const [address] = await book.range(CHAIN_INDEX[chain], next.index, 1);
    if (!address) throw invalid('chain', 'no_such_chain', `this wallet has no ${chain} address ${next.index}`);
    if (handOut && book.deriver.ranged) await this.deps.store.advanceHandout(id, chain, next.index + 1);
    return { ...next, address };
  }

  async sync(userId: string, id: string): Promise<SyncSummary> {
    await this.get(userId, id);
    return (await this.syncer.sync(id, 'wait'))!;
  }

  async transactions(userId: string, id: string, page: { cursor?: string; limit: number }): Promise<Page<WalletTransaction>> {
    await this.get(userId, id);
    return this.deps.store.listTransactions(userId, id, page);
  }

  /** Checks ownership first (a 404 must come before the first byte), then streams the CSV. */
  async exportCsv(userId: string, id: string): Promise<{ wallet: WalletRecord; chunks: AsyncGenerator<string> }> {
    const wallet = await this.get(userId, id);
    return { wallet, chunks: exportTransactionsCsv(this.deps.store.streamTransactions(userId, id)) };
  }

  /** The address book of a definition, from the LRU or parsed now. */
  bookOf(definition: Pick<WalletDefinition, 'kind' | 'network' | 'scriptType' | 'descriptor'>): WalletAddressBook {
    const key = `${definition.network}\n${definition.descriptor}`;
    let book = this.books.get(key);
    if (!book) {
      const plain: WalletDefinition = { kind: definition.kind, network: definition.network, scriptType: definition.scriptType, descriptor: definition.descriptor };
      book = new WalletAddressBook(this.createDeriver(plain, this.deps.crypto), this.deps.addressCache, this.counters);
      this.books.set(key, book);
    }
    return book;
  }
}
