import { describe, expect, it } from 'vitest';
import { deleteSetting, getSetting, getSettings, putSetting } from '../../../src/adapters/db/repositories/settings.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';

describe.each(DIALECTS)('settings repository (%s)', (dialect) => {
  const t = useTestDatabase(dialect);

  it('stores JSON values, overwrites them, lists and deletes them', async () => {
    expect(await getSetting(t.db, 'optimizer')).toBeUndefined();
    await putSetting(t.db, 'optimizer', { enabled: true, minHitRate: 0.5 }, 1);
    await putSetting(t.db, 'optimizer', { enabled: false, minHitRate: 0.25 }, 2);
    await putSetting(t.db, 'banner', 'hello', 3);
    expect(await getSetting<{ enabled: boolean }>(t.db, 'optimizer')).toEqual({ enabled: false, minHitRate: 0.25 });
    expect(await getSettings(t.db)).toEqual(new Map<string, unknown>([['optimizer', { enabled: false, minHitRate: 0.25 }], ['banner', 'hello']]));
    expect(await deleteSetting(t.db, 'banner')).toBe(true);
    expect(await deleteSetting(t.db, 'banner')).toBe(false);
  });

  it('refuses a value that is not JSON', async () => {
    await expect(putSetting(t.db, 'bad', undefined, 1)).rejects.toThrow(TypeError);
  });
});
