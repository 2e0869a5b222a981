import { describe, expect, it } from 'vitest';
import { nextUnused } from '../../../src/domain/wallets/next-unused.js';

describe('nextUnused', () => {
  it('starts after the last used index, or at the hand-out index when that is further', () => {
    expect(nextUnused('receive', [], 0, 20)).toEqual({ chain: 'receive', index: 0, lastUsedIndex: null, gapLimit: 20 });
    expect(nextUnused('receive', [0, 4, 2], 0, 20)).toMatchObject({ index: 5, lastUsedIndex: 4 });
    expect(nextUnused('change', [0, 4], 9, 20)).toMatchObject({ index: 9, lastUsedIndex: 4 });
  });

  it('warns when the index reaches last used + gap, and says how far past the gap it is', () => {
    expect(nextUnused('receive', [], 18, 20).warning).toBeUndefined();
    expect(nextUnused('receive', [], 19, 20).warning?.code).toBe('gap_limit_reached');
    const beyond = nextUnused('receive', [10], 31, 20).warning!;
    expect(beyond.code).toBe('beyond_gap_limit');
    expect(beyond.message).toMatch(/20 unused addresses after the last used one \(10\).*at least 21/);
    expect(nextUnused('receive', [10], 30, 20).warning?.code).toBe('gap_limit_reached');
  });
});
