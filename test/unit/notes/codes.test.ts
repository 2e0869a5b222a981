import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NOTE_ISSUE_CODES } from '../../../src/domain/notes/codes.js';

describe('note issue codes', () => {
  const dir = new URL('../../../src/domain/notes/', import.meta.url);
  const source = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'codes.ts')
    .map((f) => readFileSync(new URL(f, dir), 'utf8'))
    .join('\n');
  const used = new Set([...source.matchAll(/code: '([a-z_]+)'|refProblem\('([a-z_]+)'/g)].map((m) => m[1] ?? m[2]));

  it('finds the codes the notes domain emits', () => {
    expect(used.size).toBeGreaterThan(10);
  });

  it.each([...used])('lists %s in NOTE_ISSUE_CODES', (code) => {
    expect(Object.keys(NOTE_ISSUE_CODES)).toContain(code);
  });
});
