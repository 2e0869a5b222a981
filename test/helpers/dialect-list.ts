/** Which storage engines the tests run on: `DIALECTS=sqlite,postgres` (default both). No vitest import: globalSetup reads it too. */
import type { DialectName } from '../../src/adapters/db/dialect.js';

export function parseDialects(raw: string | undefined): DialectName[] {
  if (raw === undefined || raw.trim() === '') return ['sqlite', 'postgres'];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (name !== 'sqlite' && name !== 'postgres') throw new Error(`DIALECTS: unknown dialect ${JSON.stringify(name)}`);
  }
  return [...new Set(names)] as DialectName[];
}
