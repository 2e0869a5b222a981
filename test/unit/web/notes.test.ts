import { describe, expect, it } from 'vitest';
import { formatOfFile, importUrl, isImportReport, jobProgress, noteUrl, searchUrl } from '../../../web/lib/notes.js';

describe('web notes helpers', () => {
  it('guesses the import format from the file name', () => {
    expect(formatOfFile('Export.CSV')).toBe('csv');
    expect(formatOfFile('labels.jsonl')).toBe('bip329');
    expect(formatOfFile('electrum-labels.json')).toBe('electrum');
  });

  it('builds the API URLs', () => {
    expect(noteUrl('input', 'ab:0')).toBe('/api/notes/input/ab%3A0');
    expect(searchUrl({ q: 'rent & food', type: 'tx' })).toBe('/api/notes?limit=50&q=rent+%26+food&type=tx');
    expect(importUrl('bip329', 'atomic')).toBe('/api/notes/import?format=bip329&mode=atomic&async=1');
  });

  it('turns job progress into a share', () => {
    expect(jobProgress({ state: 'running', processed: 25, total: 100 })).toBe(0.25);
    expect(jobProgress({ state: 'running', processed: 25 })).toBe(0);
    expect(jobProgress({ state: 'completed', processed: 0, total: 0 })).toBe(1);
    expect(isImportReport({ imported: 1, updated: 0, unchanged: 0, failed: 0, errors: [] })).toBe(true);
    expect(isImportReport({ errors: [] })).toBe(false);
  });
});
