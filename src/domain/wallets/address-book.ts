/**
 * Derived addresses of one wallet, cached range-wise. The index space of each chain is cut into blocks
 * of ADDRESS_BLOCK addresses, cached under `${derivationHash}:${chain}:${block}`: a range read fetches
 * its blocks in one MGET and derives only the missing ones (deriving costs far more than a Redis round
 * trip). The key carries only a hash of the public descriptor and network — never a key, never a secret.
 * Derived addresses never change, so entries need no invalidation.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { hex } from '@scure/base';
import { DerivationError, MAX_DERIVE_COUNT } from './derivation.js';
import type { AddressBlockCache } from './ports.js';
import type { AddressChain, WalletAddress, WalletDeriver } from './wallet-deriver.js';
import type { WalletDefinition } from './wallet-source.js';

/** Addresses per cache entry. */
export const ADDRESS_BLOCK = 100;
/** BIP-32: public derivation stops below 2^31 (hardened indexes). */
export const INDEX_LIMIT = 0x80000000;

/** One cached address: [address, scriptPubKey hex, path]. Compact: a block is ~10 KB of JSON. */
export type AddressTuple = [string, string, string];
export type AddressBlock = AddressTuple[];

/** Names a wallet's address space: the same descriptor on another network derives other addresses. */
export function derivationHash(definition: Pick<WalletDefinition, 'network' | 'descriptor'>): string {
  return hex.encode(sha256(new TextEncoder().encode(`${definition.network}\n${definition.descriptor}`))).slice(0, 32);
}

export interface AddressBookCounters {
  /** Blocks derived here (cache misses). */
  derivedBlocks: number;
  /** Blocks found in the cache (L1 or L2). */
  cachedBlocks: number;
}

export class WalletAddressBook {
  readonly hash: string;
  /** Blocks derived during a sync, written to the cache (L2 too) by flush(). */
  private pending: Array<[string, AddressBlock]> = [];

  constructor(
    readonly deriver: WalletDeriver,
    private readonly cache: AddressBlockCache<AddressBlock>,
    private readonly counters: AddressBookCounters,
  ) {
    this.hash = derivationHash(deriver.definition);
  }

  private key(chain: AddressChain, block: number): string {
    return `${this.hash}:${chain}:${block}`;
  }

  private deriveBlock(chain: AddressChain, block: number): AddressBlock {
    this.counters.derivedBlocks++;
    const start = block * ADDRESS_BLOCK;
    const count = Math.min(ADDRESS_BLOCK, INDEX_LIMIT - start);
    return this.deriver.derive(chain, start, count).map((a) => [a.address, a.scriptPubKey, a.path]);
  }

  /** Addresses start … start+count-1 (count ≤ 1,000), from the cache where it has them. */
  async range(chain: AddressChain, start: number, count: number): Promise<WalletAddress[]> {
    checkRange(start, count);
    // A non-ranged wallet holds one precomputed address: nothing to cache.
    if (!this.deriver.ranged || !this.deriver.chains.includes(chain) || count === 0) return this.deriver.derive(chain, start, count);
    const end = Math.min(start + count, INDEX_LIMIT);
    const first = Math.floor(start / ADDRESS_BLOCK);
    const last = Math.floor((end - 1) / ADDRESS_BLOCK);
    const keys: string[] = [];
    for (let b = first; b <= last; b++) keys.push(this.key(chain, b));
    const found = await this.cache.getMany(keys);
    const fresh: Array<[string, AddressBlock]> = [];
    const blocks = found.map((block, i) => {
      if (block !== undefined) {
        this.counters.cachedBlocks++;
        return block;
      }
      const derived = this.deriveBlock(chain, first + i);
      fresh.push([keys[i]!, derived]);
      return derived;
    });
    if (fresh.length) await this.cache.setMany(fresh);
    return slice(chain, blocks, first, start, end);
  }

  /** Loads blocks [0, end) of a chain into this process (one MGET), ahead of a sync. */
  async prefetch(chain: AddressChain, end: number): Promise<void> {
    if (!this.deriver.ranged || !this.deriver.chains.includes(chain) || end <= 0) return;
    const keys: string[] = [];
    for (let b = 0; b * ADDRESS_BLOCK < Math.min(end, INDEX_LIMIT); b++) keys.push(this.key(chain, b));
    await this.cache.getMany(keys);
  }

  /**
   * A deriver for syncWallet (which derives synchronously): blocks come from this process's cache
   * (peek) or are derived and kept there; flush() then writes the derived ones to the shared cache.
   */
  syncDeriver(): WalletDeriver {
    const { deriver } = this;
    if (!deriver.ranged) return deriver;
    return {
      definition: deriver.definition,
      chains: deriver.chains,
      ranged: true,
      derive: (chain, start, count) => {
        checkRange(start, count);
        if (!deriver.chains.includes(chain) || count === 0) return [];
        const end = Math.min(start + count, INDEX_LIMIT);
        const first = Math.floor(start / ADDRESS_BLOCK);
        const blocks: AddressBlock[] = [];
        for (let b = first; b * ADDRESS_BLOCK < end; b++) {
          const key = this.key(chain, b);
          let block = this.cache.peek(key);
          if (block === undefined) {
            block = this.deriveBlock(chain, b);
            this.pending.push([key, block]);
          } else this.counters.cachedBlocks++;
          blocks.push(block);
        }
        return slice(chain, blocks, first, start, end);
      },
    };
  }

  /** Writes the blocks syncDeriver() derived to the cache (L1 and L2). */
  async flush(): Promise<void> {
    const entries = this.pending;
    this.pending = [];
    if (entries.length) await this.cache.setMany(entries);
  }
}

function checkRange(start: number, count: number): void {
  if (!Number.isSafeInteger(start) || start < 0 || start >= INDEX_LIMIT) {
    throw new DerivationError(`derivation: start ${start} is outside 0…${INDEX_LIMIT - 1}`);
  }
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_DERIVE_COUNT) {
    throw new DerivationError(`derivation: count ${count} is outside 0…${MAX_DERIVE_COUNT}`);
  }
}

function slice(chain: AddressChain, blocks: AddressBlock[], firstBlock: number, start: number, end: number): WalletAddress[] {
  const out: WalletAddress[] = [];
  for (let i = start; i < end; i++) {
    const tuple = blocks[Math.floor(i / ADDRESS_BLOCK) - firstBlock]?.[i % ADDRESS_BLOCK];
    if (!tuple) break;
    out.push({ chain, index: i, address: tuple[0], scriptPubKey: tuple[1], path: tuple[2] });
  }
  return out;
}
