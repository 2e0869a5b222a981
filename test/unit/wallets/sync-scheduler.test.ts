import { describe, expect, it } from 'vitest';
import { ChainUnavailableError } from '../../../src/domain/wallets/chain.js';
import { WalletSyncScheduler } from '../../../src/domain/wallets/sync-scheduler.js';
import type { SyncSummary } from '../../../src/domain/wallets/wallet-sync.js';

const SUMMARY: SyncSummary = { balanceSat: { confirmed: 0, unconfirmed: 0 }, txCount: 0, usedAddresses: 0, lastSyncedAt: 1, changes: { added: 0, updated: 0, removed: 0 } };

describe('background wallet sync', () => {
  it('syncs the stale wallets oldest first, skipping those another instance holds', async () => {
    const asked: Array<[number, number]> = [];
    const synced: string[] = [];
    const scheduler = new WalletSyncScheduler({
      store: { staleWallets: async (before, limit) => (asked.push([before, limit]), ['w1', 'w2', 'w3']) },
      syncer: { sync: async (id, mode) => (expect(mode).toBe('skip'), synced.push(id), id === 'w2' ? null : SUMMARY) },
      intervalMs: 600_000,
      batch: 10,
      now: () => 1_000_000,
    });
    expect(await scheduler.runOnce()).toBe(2);
    expect(asked).toEqual([[400_000, 10]]);
    expect(synced).toEqual(['w1', 'w2', 'w3']);
  });

  it('stops a pass while the chain backend is down, reporting the failure', async () => {
    const errors: string[] = [];
    const synced: string[] = [];
    const scheduler = new WalletSyncScheduler({
      store: { staleWallets: async () => ['w1', 'w2'] },
      syncer: {
        sync: async (id) => {
          synced.push(id);
          throw new ChainUnavailableError('refused');
        },
      },
      intervalMs: 1000,
      onError: (id) => errors.push(id),
    });
    expect(await scheduler.runOnce()).toBe(0);
    expect(synced).toEqual(['w1']);
    expect(errors).toEqual(['w1']);
  });

  it('runs on its timer until stopped, and stop() waits for the running pass', async () => {
    let passes = 0;
    let release: () => void = () => undefined;
    const scheduler = new WalletSyncScheduler({
      store: { staleWallets: async () => ['w1'] },
      syncer: {
        sync: () =>
          new Promise((resolve) => {
            passes++;
            release = () => resolve(SUMMARY);
          }),
      },
      intervalMs: 5,
      tickMs: 5,
    });
    scheduler.start();
    await expect.poll(() => passes).toBe(1);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await stopping;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(passes).toBe(1);
  });
});
