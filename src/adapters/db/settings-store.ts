/** The performance settings' SettingsStore port (src/perf/shared-settings.ts) on the settings table. */
import type { SettingsStore } from '../../perf/shared-settings.js';
import { putSetting, readSettings } from './repositories/settings.js';
import type { Db } from './schema.js';

export class SqlSettingsStore implements SettingsStore {
  constructor(private readonly db: Db) {}

  read(keys: readonly string[]): ReturnType<SettingsStore['read']> {
    return readSettings(this.db, keys);
  }

  write(key: string, value: unknown, now: number): Promise<void> {
    return putSetting(this.db, key, value, now);
  }
}
