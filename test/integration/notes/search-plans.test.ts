/**
 * Note search answers the same rows, in the same order, with the same cursors, whichever plan
 * notes-dialect.ts picks for the term (issue 10: fast at 1,000,000 notes). Each term below is built to
 * take one branch on each engine; every walk must equal the owner's list filtered in JS:
 * - frequent in the newest notes (sample) → the owner's notes read newest first;
 * - in no newest note but in more old notes than the index cap (SQLite: back to reading newest
 *   first; PostgreSQL: the GIN index with the sample's rarest trigrams);
 * - rare → the index's candidates (SQLite: one FTS AND joined, sorted and paged in one statement),
 *   also when notes hold the term's rarest trigrams but not the term;
 * - in no note → nothing; 1–2 characters; no letter/digit trigram (PostgreSQL: plain ILIKE); non-ASCII;
 * - past a cursor where fewer notes than the sample remain; with ?type=.
 * Notes of one import share a created_at, and a late import is stamped older than notes written
 * before it, so an order by id instead of (created_at, id) would fail.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SEARCH_PROBE_CAP } from '../../../src/adapters/db/repositories/notes-dialect.js';
import { listNotes, upsertNotes } from '../../../src/adapters/db/repositories/notes.js';
import type { NoteDraft, NoteType } from '../../../src/domain/notes/types.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { createUser } from '../../helpers/storage-fixtures.js';

const OLD = SEARCH_PROBE_CAP + 200;
const NEW = 200;
const pad = (i: number) => String(i).padStart(4, '0');

/** Oldest first: OLD notes holding "zebra", then NEW without it. */
function label(i: number): string {
  return `${i < OLD ? 'zebra' : 'plain'} item${pad(i)} ${i % 40 === 0 ? 'Kiwi' : 'pear'}${i === 1234 ? ' unique-Ref-77' : ''}${i % 1000 === 5 ? ' café' : ''}${i < OLD && i % 50 === 7 ? ' qrs tuv' : i < OLD && i % 50 === 8 ? ' tuv qrs' : ''}`;
}

describe.each(DIALECTS)('note search plans (%s)', (dialect) => {
  const t = useTestDatabase(dialect);

  it('answers every match once, newest first, for terms taking each plan', async () => {
    const user = await createUser(t.db);
    const other = await createUser(t.db);
    const note = (l: string, i: number): NoteDraft => ({ type: i % 3 === 0 ? 'addr' : 'tx', ref: i % 3 === 0 ? `bc1q${randomBytes(19).toString('hex')}` : randomBytes(32).toString('hex'), label: l });
    const total = OLD + NEW;
    for (let start = 0; start < total; start += 500) {
      const labels = Array.from({ length: Math.min(500, total - start) }, (_, k) => label(start + k));
      await upsertNotes(t.db, dialect, user.id, labels.map((l, k) => note(l, start + k)), 10_000 + start);
    }
    // Written last, stamped among the oldest: the newest ids, an old created_at.
    await upsertNotes(t.db, dialect, user.id, Array.from({ length: 30 }, (_, k) => note(`zebra late item${pad(9000 + k)} Kiwi`, k)), 10_250);
    await upsertNotes(t.db, dialect, other.id, [note('zebra item1234 unique-ref-77 kiwi café', 1)], 10_000);

    const all: Array<{ label: string; type: NoteType }> = [];
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = await listNotes(t.db, dialect, user.id, { limit: 1_000, ...(cursor ? { cursor } : {}) });
      all.push(...page.items.map((n) => ({ label: n.label, type: n.type })));
      cursor = page.next;
    }
    expect(all).toHaveLength(total + 30);

    const terms: Array<{ q: string; type?: NoteType; limit: number; min: number }> = [
      { q: 'KIWI', limit: 20, min: 100 }, // 1 in 40 everywhere: the sample sends it to a scan
      { q: 'zebra', limit: 500, min: OLD }, // none in the newest notes, more than the cap in old ones
      { q: 'a item0', limit: 60, min: 1_000 }, // rare lately, 1,000 old: many index candidates
      { q: 'item12', limit: 7, min: 100 }, // rare: index candidates, several pages
      { q: 'unique-REF-77', limit: 5, min: 1 },
      { q: 'QRS TUV', limit: 10, min: 60 }, // rare; its rarest trigrams are also in notes without it
      { q: 'item12', type: 'addr', limit: 4, min: 30 },
      { q: 'zebra late', limit: 8, min: 30 },
      { q: 'café', limit: 2, min: 4 },
      { q: 'nothere', limit: 5, min: 0 },
      { q: 'qqz', limit: 5, min: 0 },
      { q: 'ki', limit: 25, min: 100 },
      { q: 'é', limit: 3, min: 4 },
      { q: '7 ', limit: 9, min: 10 }, // no letter/digit trigram
    ];
    for (const { q, type, limit, min } of terms) {
      const expected = all.filter((n) => (type === undefined || n.type === type) && n.label.toLowerCase().includes(q.toLowerCase())).map((n) => n.label);
      expect(expected.length, `${q}: test data`).toBeGreaterThanOrEqual(min);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listNotes(t.db, dialect, user.id, { limit, q, ...(type ? { type } : {}), ...(cursor ? { cursor } : {}) });
        expect(page.items.length === limit || page.next === undefined, `${q}: a page is full unless it is the last`).toBe(true);
        seen.push(...page.items.map((n) => n.label));
        cursor = page.next;
      } while (cursor);
      expect(seen, `${q}${type ? ` type=${type}` : ''}: every match once, newest first`).toEqual(expected);
    }
  });

  it('walks a term no index can bound a stretch of notes a page: short pages go on from where they stopped', async () => {
    const user = await createUser(t.db);
    const total = 1_000;
    // Oldest first, in batches of 100 with their own timestamp. The matches are batches apart, so no sample
    // of 128 notes (PostgreSQL's plan) ever holds two of them: the term stays rare, walked on both engines.
    const rare = new Set([3, 450, 998]);
    const labels = Array.from({ length: total }, (_, i) => `item${pad(i)}${rare.has(i) ? ' zq' : ''}`);
    for (let batch = 0; batch < 10; batch++) {
      const part = labels.slice(batch * 100, batch * 100 + 100);
      await upsertNotes(t.db, dialect, user.id, part.map((l) => ({ type: 'tx' as const, ref: randomBytes(32).toString('hex'), label: l })), 20_000 + batch);
    }
    const walk = async (q: string, limit: number) => {
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await listNotes(t.db, dialect, user.id, { limit, q, walkNotes: 100, ...(cursor ? { cursor } : {}) });
        pages.push(page.items.map((n) => n.label));
        cursor = page.next;
      } while (cursor);
      return pages;
    };
    // The list's own order: by batch, then by id within one (ids follow the upsert's order, not `labels`').
    const newestFirst = (await listNotes(t.db, dialect, user.id, { limit: 2_000 })).items.map((n) => n.label);
    expect(newestFirst).toHaveLength(total);

    // Rare: each page tests at most 100 notes, so 1,000 notes take 10 pages, most of them empty.
    const rarePages = await walk('ZQ', 2);
    expect(rarePages.flat()).toEqual(newestFirst.filter((l) => l.endsWith(' zq')));
    expect(rarePages.length).toBeGreaterThanOrEqual(10);
    expect(rarePages.filter((p) => p.length === 0).length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...rarePages.map((p) => p.length))).toBeLessThanOrEqual(2);

    // In no note at all: still bounded, every page empty, and the walk ends.
    const none = await walk('q7', 5);
    expect(none.flat()).toEqual([]);
    expect(none.length).toBeGreaterThanOrEqual(10);

    // Frequent: the stretch holds a full page, as before.
    const frequent = await walk('m0', 20);
    expect(frequent.flat()).toEqual(newestFirst);
    expect(frequent.slice(0, -1).every((p) => p.length === 20)).toBe(true);
  });
});
