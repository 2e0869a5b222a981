/** Instance-wide settings as JSON values by key (e.g. optimizer thresholds changed from the UI). */
import type { Db } from '../schema.js';

export async function getSetting<T = unknown>(db: Db, key: string): Promise<T | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row ? (JSON.parse(row.value) as T) : undefined;
}

export async function getSettings(db: Db): Promise<Map<string, unknown>> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  return new Map(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
}

export async function putSetting(db: Db, key: string, value: unknown, now: number): Promise<void> {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`setting ${key}: value is not JSON-serialisable`);
  await db
    .insertInto('settings')
    .values({ key, value: json, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: now }))
    .execute();
}

export async function deleteSetting(db: Db, key: string): Promise<boolean> {
  const result = await db.deleteFrom('settings').where('key', '=', key).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The settings under `keys` with the time each was last written. */
export async function readSettings(db: Db, keys: readonly string[]): Promise<Map<string, { value: unknown; updatedAt: number }>> {
  if (keys.length === 0) return new Map();
  const rows = await db.selectFrom('settings').select(['key', 'value', 'updated_at']).where('key', 'in', keys).execute();
  return new Map(rows.map((r) => [r.key, { value: JSON.parse(r.value) as unknown, updatedAt: Number(r.updated_at) }]));
}
