/**
 * Performance settings changed through the API — the optimizer's settings and the alert thresholds —
 * hold for the whole service, not only for the instance that answered the PUT. A change is stored (the
 * fields given so far, merged) and applied at once here; every instance applies stored changes when it
 * starts, before it answers a read of them, and every `pollMs` (so its optimizer and alerts follow
 * within that time). Values an instance was started with (env, options) hold until a change is stored.
 */
import type { AlertThresholds } from './alerts.js';
import type { CacheOptimizer, OptimizerSettings } from './optimizer.js';

/** The port: settings as JSON values by key, with the time each was last written. */
export interface SettingsStore {
  read(keys: readonly string[]): Promise<Map<string, { value: unknown; updatedAt: number }>>;
  write(key: string, value: unknown, now: number): Promise<void>;
}

export const OPTIMIZER_SETTINGS_KEY = 'performance.optimizer';
export const ALERT_THRESHOLDS_KEY = 'performance.alert-thresholds';
const KEYS = [OPTIMIZER_SETTINGS_KEY, ALERT_THRESHOLDS_KEY] as const;

export interface SharedPerfSettingsOptions {
  pollMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

type Patch = Record<string, unknown>;

export class SharedPerfSettings {
  private readonly applied = new Map<string, number>();
  private readonly stored = new Map<string, Patch>();
  private timer: NodeJS.Timeout | undefined;
  private readonly pollMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: SettingsStore,
    private readonly optimizer: CacheOptimizer,
    private readonly alerts: { thresholds: AlertThresholds },
    private readonly options: SharedPerfSettingsOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  /** Applies what another instance stored since the last look. */
  async sync(): Promise<void> {
    const rows = await this.store.read(KEYS);
    for (const [key, { value, updatedAt }] of rows) {
      if (this.applied.get(key) === updatedAt || typeof value !== 'object' || value === null) continue;
      this.stored.set(key, value as Patch);
      this.apply(key, value as Patch);
      this.applied.set(key, updatedAt);
    }
  }

  /** sync() that answers with this instance's values when the store cannot be read (a read must not fail over it). */
  async syncQuietly(): Promise<void> {
    await this.sync().catch((error: unknown) => this.options.onError?.(error));
  }

  updateOptimizer(patch: Partial<OptimizerSettings>): Promise<void> {
    return this.update(OPTIMIZER_SETTINGS_KEY, patch);
  }

  updateAlertThresholds(patch: Partial<AlertThresholds>): Promise<void> {
    return this.update(ALERT_THRESHOLDS_KEY, patch);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.syncQuietly(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async update(key: string, patch: Patch): Promise<void> {
    await this.sync(); // merge onto what the other instances stored, not onto this one's memory
    const value = { ...this.stored.get(key), ...patch };
    const at = Math.max(this.now(), (this.applied.get(key) ?? 0) + 1);
    await this.store.write(key, value, at);
    this.stored.set(key, value);
    this.apply(key, value);
    this.applied.set(key, at);
  }

  private apply(key: string, value: Patch): void {
    if (key === OPTIMIZER_SETTINGS_KEY) this.optimizer.configure(value as Partial<OptimizerSettings>);
    else this.alerts.thresholds = { ...this.alerts.thresholds, ...(value as Partial<AlertThresholds>) };
  }
}
