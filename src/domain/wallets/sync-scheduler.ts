/**
 * Background re-sync: every tick, the wallets not synced for `intervalMs` (or never) are synced one
 * after another, oldest first, a batch per tick. Several instances may run it: a wallet whose sync
 * lease another instance holds is skipped. While the chain backend is down the tick stops early
 * instead of failing wallet after wallet. The timer is unref'd and stop() waits for the current run.
 */
import { ChainUnavailableError } from './chain.js';
import type { WalletStore } from './ports.js';
import type { WalletSyncer } from './wallet-sync.js';

export interface SyncSchedulerOptions {
  store: Pick<WalletStore, 'staleWallets'>;
  syncer: Pick<WalletSyncer, 'sync'>;
  /** A wallet is re-synced once its last sync is this old. */
  intervalMs: number;
  /** How often to look for such wallets. Default min(intervalMs, 60 s). */
  tickMs?: number;
  /** Wallets per tick. Default 25. */
  batch?: number;
  onError?: (walletId: string, error: unknown) => void;
  now?: () => number;
}

export class WalletSyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly options: SyncSchedulerOptions) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass; resolves with the number of wallets synced. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    const tick = this.options.tickMs ?? Math.min(this.options.intervalMs, 60_000);
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => this.schedule());
    }, tick);
    this.timer.unref();
  }

  private async pass(): Promise<number> {
    const { store, syncer, intervalMs } = this.options;
    const now = (this.options.now ?? Date.now)();
    let ids: string[];
    try {
      ids = await store.staleWallets(now - intervalMs, this.options.batch ?? 25);
    } catch (error) {
      this.options.onError?.('*', error);
      return 0;
    }
    let synced = 0;
    for (const id of ids) {
      if (this.stopped) break;
      try {
        if (await syncer.sync(id, 'skip')) synced++;
      } catch (error) {
        this.options.onError?.(id, error);
        if (error instanceof ChainUnavailableError) break;
      }
    }
    return synced;
  }
}
