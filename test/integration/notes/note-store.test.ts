import { describe, expect, it } from 'vitest';
import { SqlNoteStore } from '../../../src/adapters/db/note-store.js';
import { countNotes, getNote, streamNotes, upsertNotes } from '../../../src/adapters/db/repositories/notes.js';
import type { NoteDraft } from '../../../src/domain/notes/types.js';
import { DIALECTS, useTestDatabase } from '../../helpers/dialects.js';
import { createUser } from '../../helpers/storage-fixtures.js';

const txid = (i: number): string => i.toString(16).padStart(64, '0');
const tx = (i: number, label: string): NoteDraft => ({ type: 'tx', ref: txid(i), label });

describe.each(DIALECTS)('notes storage (%s)', (dialect) => {
  const t = useTestDatabase(dialect);
  const store = () => new SqlNoteStore(t.db, dialect);

  it('upserts report inserted / updated / unchanged per row, in order, and leave updated_at of unchanged rows', async () => {
    const user = await createUser(t.db);
    expect(await upsertNotes(t.db, dialect, user.id, [tx(1, 'a'), tx(2, 'b')], 1_000)).toEqual(['inserted', 'inserted']);
    const outcomes = await upsertNotes(t.db, dialect, user.id, [tx(1, 'a'), tx(2, 'B'), tx(3, 'c'), tx(3, 'c'), tx(3, 'C'), tx(1, 'a2')], 2_000);
    expect(outcomes).toEqual(['unchanged', 'updated', 'inserted', 'unchanged', 'updated', 'updated']);
    expect(await getNote(t.db, user.id, 'tx', txid(1))).toMatchObject({ label: 'a2', createdAt: 1_000, updatedAt: 2_000 });
    expect(await getNote(t.db, user.id, 'tx', txid(3))).toMatchObject({ label: 'C', createdAt: 2_000 });
    await upsertNotes(t.db, dialect, user.id, [tx(2, 'B')], 3_000);
    expect(await getNote(t.db, user.id, 'tx', txid(2))).toMatchObject({ label: 'B', updatedAt: 2_000 });
  });

  it('stores origin and spendable, keeps them when a draft leaves them out, and reads them back typed', async () => {
    const user = await createUser(t.db);
    const ref = `${txid(9)}:1`;
    await upsertNotes(t.db, dialect, user.id, [{ type: 'output', ref, label: 'o', origin: "wpkh([d34db33f/84'/0'/0'])", spendable: false }]);
    expect(await upsertNotes(t.db, dialect, user.id, [{ type: 'output', ref, label: 'o2' }])).toEqual(['updated']);
    expect(await getNote(t.db, user.id, 'output', ref)).toMatchObject({
      id: expect.any(Number),
      label: 'o2',
      origin: "wpkh([d34db33f/84'/0'/0'])",
      spendable: false,
    });
  });

  it('writes only the fields a draft carries (BIP-329 records without label or spendable)', async () => {
    const user = await createUser(t.db);
    const out = (i: number) => `${txid(i)}:0`;
    await upsertNotes(t.db, dialect, user.id, [{ type: 'output', ref: out(1), label: 'l', origin: 'o', spendable: true }], 10);
    expect(await upsertNotes(t.db, dialect, user.id, [{ type: 'output', ref: out(1), spendable: false }], 20)).toEqual(['updated']);
    expect(await getNote(t.db, user.id, 'output', out(1))).toMatchObject({ label: 'l', origin: 'o', spendable: false, updatedAt: 20 });
    expect(await upsertNotes(t.db, dialect, user.id, [{ type: 'output', ref: out(1) }], 30)).toEqual(['unchanged']);
    expect(await upsertNotes(t.db, dialect, user.id, [{ type: 'output', ref: out(2) }], 40)).toEqual(['inserted']);
    expect(await getNote(t.db, user.id, 'output', out(2))).toMatchObject({ label: '', origin: null, spendable: null });
    const mixed = await upsertNotes(t.db, dialect, user.id, [
      { type: 'output', ref: out(1), label: 'l2' },
      { type: 'output', ref: out(3), origin: 'w' },
      { type: 'output', ref: out(2), spendable: true },
      { type: 'output', ref: out(2), label: 'two' },
    ], 50);
    expect(mixed).toEqual(['updated', 'inserted', 'updated', 'updated']);
    expect(await getNote(t.db, user.id, 'output', out(1))).toMatchObject({ label: 'l2', origin: 'o', spendable: false });
    expect(await getNote(t.db, user.id, 'output', out(2))).toMatchObject({ label: 'two', spendable: true, createdAt: 40, updatedAt: 50 });
    expect(await getNote(t.db, user.id, 'output', out(3))).toMatchObject({ label: '', origin: 'w', createdAt: 50 });
  });

  it('keeps labels with quotes, backslashes, braces, commas and non-ASCII exactly', async () => {
    const user = await createUser(t.db);
    const labels = ['a "quoted" {brace}, \\back\\slash', 'NULL', '', 'ünïcødé ✓ 😀', "it's"];
    await upsertNotes(t.db, dialect, user.id, labels.map((label, i) => tx(i, label)));
    for (const [i, label] of labels.entries()) expect((await getNote(t.db, user.id, 'tx', txid(i)))?.label).toBe(label);
  });

  it('writes more rows than one statement holds', async () => {
    const user = await createUser(t.db);
    const rows = Array.from({ length: 12_345 }, (_, i) => tx(i, `n${i}`));
    const outcomes = await upsertNotes(t.db, dialect, user.id, rows);
    expect(outcomes.filter((o) => o === 'inserted')).toHaveLength(12_345);
    expect(await countNotes(t.db, user.id)).toBe(12_345);
    const again = await upsertNotes(t.db, dialect, user.id, rows.map((r, i) => (i % 2 ? r : { ...r, label: 'changed' })));
    expect(again.filter((o) => o === 'updated')).toHaveLength(6_173);
  });

  it('searches labels by substring, ignoring case, with short queries too', async () => {
    const user = await createUser(t.db);
    await upsertNotes(t.db, dialect, user.id, [
      tx(1, 'Coffee at Blue Bottle'),
      tx(2, 'rent MARCH'),
      tx(3, 'march rent'),
      tx(4, '100% discount_code'),
      tx(5, 'say "hi"'),
      tx(6, 'x'),
    ]);
    const search = async (q: string) => (await store().search(user.id, { q, limit: 50 })).items.map((n) => n.label).sort();
    expect(await search('blue bot')).toEqual(['Coffee at Blue Bottle']);
    expect(await search('MARCH')).toEqual(['march rent', 'rent MARCH']);
    expect(await search('ent m')).toEqual(['rent MARCH']);
    expect(await search('ar')).toEqual(['march rent', 'rent MARCH']);
    expect(await search('X')).toEqual(['x']);
    expect(await search('%')).toEqual(['100% discount_code']);
    expect(await search('t_c')).toEqual(['100% discount_code']);
    expect(await search('0% d')).toEqual(['100% discount_code']);
    expect(await search('"hi"')).toEqual(['say "hi"']);
    expect(await search('nothing like it')).toEqual([]);
  });

  it('keeps the search index in step with updates and deletes', async () => {
    const user = await createUser(t.db);
    await upsertNotes(t.db, dialect, user.id, [tx(1, 'old words')]);
    await upsertNotes(t.db, dialect, user.id, [tx(1, 'new words')]);
    expect((await store().search(user.id, { q: 'old', limit: 10 })).items).toEqual([]);
    expect((await store().search(user.id, { q: 'new', limit: 10 })).items).toHaveLength(1);
    await store().delete(user.id, 'tx', txid(1));
    expect((await store().search(user.id, { q: 'words', limit: 10 })).items).toEqual([]);
  });

  it('pages newest first with keyset cursors, without repeats, also filtered by type and query', async () => {
    const user = await createUser(t.db);
    for (let i = 0; i < 25; i++) await upsertNotes(t.db, dialect, user.id, [tx(i, `note ${i}`)], 1_000 + Math.floor(i / 2));
    await upsertNotes(t.db, dialect, user.id, [{ type: 'addr', ref: 'bc1q34aq5drpuwy3wgl9lhup9892qp6svr8ldzyy7c', label: 'note addr' }], 5_000);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store().list(user.id, { type: 'tx', limit: 10, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((n) => n.label));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `note ${24 - i}`));
    const first = await store().search(user.id, { q: 'note', limit: 20 });
    expect(first.items[0]!.type).toBe('addr');
    const rest = await store().search(user.id, { q: 'note', limit: 20, cursor: first.next! });
    expect(first.items.length + rest.items.length).toBe(26);
    expect(rest.next).toBeUndefined();
    await expect(store().list(user.id, { limit: 10, cursor: 'garbage!' })).rejects.toMatchObject({ status: 400 });
  });

  it('isolates owners: another user can neither see nor overwrite nor delete a note', async () => {
    const alice = await createUser(t.db);
    const bob = await createUser(t.db);
    await upsertNotes(t.db, dialect, alice.id, [tx(1, 'alice secret')]);
    expect(await store().get(bob.id, 'tx', txid(1))).toBeNull();
    expect((await store().list(bob.id, { limit: 10 })).items).toEqual([]);
    expect((await store().search(bob.id, { q: 'secret', limit: 10 })).items).toEqual([]);
    expect(await store().delete(bob.id, 'tx', txid(1))).toBe(false);
    expect(await upsertNotes(t.db, dialect, bob.id, [tx(1, 'bob label')])).toEqual(['inserted']);
    expect((await store().get(alice.id, 'tx', txid(1)))?.label).toBe('alice secret');
    expect((await store().get(bob.id, 'tx', txid(1)))?.label).toBe('bob label');
    const exported: string[] = [];
    for await (const note of store().streamAll(bob.id)) exported.push(note.label);
    expect(exported).toEqual(['bob label']);
  });

  it('streams every note oldest first across batches', async () => {
    const user = await createUser(t.db);
    await upsertNotes(t.db, dialect, user.id, Array.from({ length: 23 }, (_, i) => tx(i, `s${i}`)), 7);
    await upsertNotes(t.db, dialect, user.id, [tx(100, 'later')], 8);
    const labels: string[] = [];
    for await (const note of streamNotes(t.db, user.id, { batchSize: 5 })) labels.push(note.label);
    expect(labels).toHaveLength(24);
    expect(new Set(labels).size).toBe(24);
    expect(labels.at(-1)).toBe('later');
  });

  it('rolls a store transaction back when its function throws', async () => {
    const user = await createUser(t.db);
    await expect(
      store().transaction(async (tx_) => {
        await tx_.upsert(user.id, [tx(1, 'a'), tx(2, 'b')]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await countNotes(t.db, user.id)).toBe(0);
    await store().transaction((tx_) => tx_.upsert(user.id, [tx(3, 'c')]));
    expect(await countNotes(t.db, user.id)).toBe(1);
  });

  it('deletes a user’s notes with the user, and search still works afterwards', async () => {
    const user = await createUser(t.db);
    const other = await createUser(t.db);
    await upsertNotes(t.db, dialect, user.id, [tx(1, 'cascade me')]);
    await upsertNotes(t.db, dialect, other.id, [tx(1, 'cascade stays')]);
    await t.db.deleteFrom('users').where('id', '=', user.id).execute();
    expect(await countNotes(t.db, user.id)).toBe(0);
    expect((await store().search(other.id, { q: 'cascade', limit: 10 })).items.map((n) => n.label)).toEqual(['cascade stays']);
  });

  it('refuses a label over 255 characters and spendable on a non-output at the database too', async () => {
    const user = await createUser(t.db);
    await expect(upsertNotes(t.db, dialect, user.id, [tx(1, 'x'.repeat(256))])).rejects.toThrow();
    await expect(upsertNotes(t.db, dialect, user.id, [{ ...tx(2, 'x'), spendable: true }])).rejects.toThrow();
  });
});
