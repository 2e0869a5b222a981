import { describe, expect, it } from 'vitest';
import { NoteService } from '../../../src/domain/notes/note-service.js';
import { checkRefs } from '../../../src/domain/notes/note-refs.js';
import { ADDRESS, PUBKEY, TXID_A, USER, XPUB, fixture, streamOf, validateRefs } from './fixtures.js';

function service() {
  const { store, deps } = fixture();
  return { store, notes: new NoteService(deps) };
}

describe('note refs', () => {
  it('normalizes each BIP-329 type and reports bad refs with codes', async () => {
    const answers = await checkRefs(validateRefs, [
      { type: 'tx', ref: TXID_A.toUpperCase() },
      { type: 'input', ref: `${TXID_A}:00` },
      { type: 'output', ref: `${TXID_A.toUpperCase()}:12` },
      { type: 'addr', ref: ADDRESS.toUpperCase() },
      { type: 'xpub', ref: XPUB },
      { type: 'pubkey', ref: PUBKEY.toUpperCase() },
      { type: 'pubkey', ref: `02${'ff'.repeat(32)}` },
      { type: 'output', ref: `${TXID_A}:-1` },
      { type: 'input', ref: TXID_A },
      { type: 'xpub', ref: 'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi' },
    ]);
    expect(answers.slice(0, 6).map((a) => a.ref)).toEqual([TXID_A, `${TXID_A}:0`, `${TXID_A}:12`, ADDRESS, XPUB, PUBKEY]);
    expect(answers.slice(6).map((a) => a.problems?.[0]?.code)).toEqual(['invalid_public_key', 'invalid_vout', 'invalid_outpoint', 'private_key_rejected']);
  });
});

describe('NoteService', () => {
  it('puts, gets, lists and deletes a note, owner-scoped', async () => {
    const { notes } = service();
    const put = await notes.put(USER, 'tx', TXID_A.toUpperCase(), { label: 'rent' });
    expect(put).toMatchObject({ outcome: 'inserted', note: { type: 'tx', ref: TXID_A, label: 'rent', origin: null, spendable: null } });
    expect((await notes.put(USER, 'tx', TXID_A, { label: 'rent' })).outcome).toBe('unchanged');
    expect((await notes.put(USER, 'tx', TXID_A, { label: 'rent!' })).outcome).toBe('updated');
    expect(await notes.get(USER, 'tx', TXID_A)).toMatchObject({ label: 'rent!' });
    await expect(notes.get('someone-else', 'tx', TXID_A)).rejects.toMatchObject({ status: 404 });
    expect((await notes.list(USER, { q: 'RENT' })).items).toHaveLength(1);
    expect((await notes.list(USER, {})).items).toHaveLength(1);
    await expect(notes.delete('someone-else', 'tx', TXID_A)).rejects.toMatchObject({ status: 404 });
    await notes.delete(USER, 'tx', TXID_A);
    await expect(notes.get(USER, 'tx', TXID_A)).rejects.toMatchObject({ status: 404 });
  });

  it('answers 400 with item errors for a bad type, ref or label', async () => {
    const { notes } = service();
    await expect(notes.put(USER, 'block', TXID_A, { label: 'x' })).rejects.toMatchObject({
      status: 400,
      extra: { errors: [{ field: 'type', code: 'unknown_type' }] },
    });
    await expect(notes.put(USER, 'tx', 'abc', { label: 'x' })).rejects.toMatchObject({
      status: 400,
      extra: { errors: [{ field: 'ref', code: 'invalid_length' }] },
    });
    await expect(notes.put(USER, 'tx', TXID_A, { label: 'x'.repeat(256) })).rejects.toMatchObject({
      status: 400,
      extra: { errors: [{ field: 'label', code: 'label_too_long' }] },
    });
    await expect(notes.put(USER, 'tx', TXID_A, { label: 'x', spendable: true })).rejects.toMatchObject({
      extra: { errors: [{ field: 'spendable', code: 'spendable_not_allowed' }] },
    });
    await expect(notes.get(USER, 'tx', 'zz')).rejects.toMatchObject({ status: 400 });
    await expect(notes.list(USER, { q: 'x'.repeat(256) })).rejects.toMatchObject({ status: 400, extra: { errors: [{ field: 'q' }] } });
    await expect(notes.list(USER, { q: 'a\u0000b' })).rejects.toMatchObject({ status: 400 });
    await expect(notes.list(USER, { type: 'block' })).rejects.toMatchObject({ status: 400 });
  });

  it('keeps origin and spendable when a PUT does not give them', async () => {
    const { notes } = service();
    await notes.put(USER, 'output', `${TXID_A}:1`, { label: 'a', origin: "wpkh([d34db33f/84'/0'/0'])", spendable: false });
    const { note } = await notes.put(USER, 'output', `${TXID_A}:1`, { label: 'b' });
    expect(note).toMatchObject({ label: 'b', origin: "wpkh([d34db33f/84'/0'/0'])", spendable: false });
  });

  it('imports each format and exports CSV and BIP-329', async () => {
    const { notes, store } = service();
    expect(await notes.import(USER, streamOf(`txid,note\n${TXID_A},csv\n`), { format: 'csv' })).toMatchObject({ imported: 1 });
    expect(await notes.import(USER, streamOf(`{"type":"addr","ref":"${ADDRESS}","label":"jsonl"}\n`), { format: 'bip329' })).toMatchObject({ imported: 1 });
    expect(await notes.import(USER, streamOf(`{"${TXID_A}":"electrum"}`), { format: 'electrum' })).toMatchObject({ updated: 1 });
    expect(store.all(USER).map((n) => n.label)).toEqual(['electrum', 'jsonl']);
    let csv = '';
    for await (const chunk of notes.export(USER, 'csv')) csv += chunk;
    expect(csv).toBe(`type,ref,label\r\ntx,${TXID_A},electrum\r\naddr,${ADDRESS},jsonl\r\n`);
    let jsonl = '';
    for await (const chunk of notes.export(USER, 'bip329', { type: 'addr' })) jsonl += chunk;
    expect(jsonl).toBe(`{"type":"addr","ref":"${ADDRESS}","label":"jsonl"}\n`);
  });
});
