/**
 * Note history (issue 10) over HTTP with the real accounts and database, on SQLite and PostgreSQL:
 * changes made from the UI (cookie + CSRF), the API (bearer) and imports (sync and async jobs) are kept
 * with who/when/source; an earlier text can be restored; an import can be undone as a whole, skipping
 * (and reporting) notes changed since; everything is owner-scoped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { startSatchel, type Satchel } from '../../../src/main.js';
import { undoImport } from '../../../src/adapters/db/repositories/note-history.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { expectProblem, fastHasher, signedIn, type Client } from '../accounts/harness.js';

const txid = (i: number): string => i.toString(16).padStart(64, '0');

interface Entry {
  id: string;
  kind: string;
  oldNote: string | null;
  newNote: string | null;
  source: string;
  actor: string | null;
  jobId?: string;
  importId?: string;
  at: string;
}

async function start(database: TestDatabase): Promise<Satchel> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satchel-history-'));
  const config = {
    ...loadConfig({ DATA_DIR: dataDir, CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent', INSTANCE_ID: 'history' }),
    storage: database.config,
  };
  const satchel = await startSatchel(config, {
    webRoot: null,
    passwordHasher: fastHasher(),
    jobTimings: { heartbeatMs: 50, staleMs: 2_000, progressMs: 0 },
  });
  satchel.app.addHook('onClose', async () => rmSync(dataDir, { recursive: true, force: true }));
  return satchel;
}

describe.each(DIALECTS)('note history (%s)', (dialect) => {
  let database: TestDatabase;
  let satchel: Satchel;
  let alice: { client: Client; token: string; user: { id: string } };
  let bob: { client: Client; token: string; user: { id: string } };

  const api = (who: typeof alice) => ({
    put: (ref: string, note: string) => who.client.request('PUT', `/api/notes/tx/${ref}`, { bearer: who.token, payload: { note } }),
    get: (url: string) => who.client.request('GET', url, { bearer: who.token }),
    post: (url: string) => who.client.request('POST', url, { bearer: who.token }),
    upload: (url: string, body: string) => who.client.request('POST', url, { bearer: who.token, payload: body, headers: { 'content-type': 'text/csv' } }),
  });
  const history = async (who: typeof alice, ref: string, query = ''): Promise<{ items: Entry[]; next?: string }> => {
    const response = await api(who).get(`/api/notes/tx/${ref}/history${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const noteOf = async (who: typeof alice, ref: string): Promise<string | null> => {
    const response = await api(who).get(`/api/notes/tx/${ref}`);
    return response.statusCode === 404 ? null : (response.json().note as string);
  };

  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    satchel = await start(database);
    alice = await signedIn(satchel.app, 'alice');
    bob = await signedIn(satchel.app, 'bob');
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
  });

  it('keeps every change from the UI (cookie + CSRF) and the API (bearer) with who, when and source', async () => {
    const ref = txid(1);
    const fromUi = await alice.client.request('PUT', `/api/notes/tx/${ref}`, { csrf: true, payload: { note: 'rent' } });
    expect(fromUi.statusCode, fromUi.body).toBe(201);
    expect((await api(alice).put(ref, 'rent paid')).statusCode).toBe(200);
    expect((await api(alice).put(ref, 'rent paid')).statusCode).toBe(200); // unchanged: no entry

    const page = await history(alice, ref);
    expect(page.items).toMatchObject([
      { kind: 'edit', oldNote: 'rent', newNote: 'rent paid', source: 'api', actor: 'alice' },
      { kind: 'edit', oldNote: null, newNote: 'rent', source: 'ui', actor: 'alice' },
    ]);
    expect(page.next).toBeUndefined();
    expect(Date.parse(page.items[0]!.at)).toBeGreaterThan(Date.now() - 60_000);

    // Keyset pages: every entry exactly once, newest first.
    const first = await history(alice, ref, '?limit=1');
    expect(first.items.map((e) => e.newNote)).toEqual(['rent paid']);
    const second = await history(alice, ref, `?limit=1&cursor=${first.next}`);
    expect(second.items.map((e) => e.newNote)).toEqual(['rent']);
    expect(second.next).toBeUndefined();
    expectProblem(await api(alice).get(`/api/notes/tx/${ref}/history?cursor=nope`), 400, 'invalid_cursor');

    // Owner-scoped: bob sees no such note, nor its history.
    expectProblem(await api(bob).get(`/api/notes/tx/${ref}/history`), 404, 'not_found');
  });

  it('restores an earlier text, recorded as a change itself; other users and unknown entries get 404', async () => {
    const ref = txid(2);
    await api(alice).put(ref, 'v1');
    await api(alice).put(ref, 'v2');
    await api(alice).put(ref, 'v3');
    const v1 = (await history(alice, ref)).items.find((e) => e.newNote === 'v1')!;

    const restored = await alice.client.request('POST', `/api/notes/tx/${ref}/history/${v1.id}/restore`, { csrf: true });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json()).toMatchObject({ note: { ref, note: 'v1' }, changed: true });
    expect(await noteOf(alice, ref)).toBe('v1');
    expect((await history(alice, ref)).items[0]).toMatchObject({ kind: 'restore', oldNote: 'v3', newNote: 'v1', source: 'ui', actor: 'alice' });

    await api(bob).put(ref, 'bob owns this ref too');
    expectProblem(await api(bob).post(`/api/notes/tx/${ref}/history/${v1.id}/restore`), 404, 'not_found');
    expect(await noteOf(bob, ref)).toBe('bob owns this ref too');
    expectProblem(await api(alice).post(`/api/notes/tx/${ref}/history/999999/restore`), 404, 'not_found');
    expectProblem(await api(alice).post(`/api/notes/tx/${ref}/history/abc/restore`), 404, 'not_found');
  });

  it('records an import per changed row and undoes it, skipping and reporting notes changed since', async () => {
    const [a, b, c, d, e] = [txid(10), txid(11), txid(12), txid(13), txid(14)];
    await api(alice).put(a, 'before A');
    await api(alice).put(b, 'before B');
    await api(alice).put(e, 'same E');
    const csv = ['txid,note', `${a},import A`, `${b},import B`, `${c},import C`, `${d},import D`, `${e},same E`].join('\n');
    const imported = await api(alice).upload('/api/notes/import?format=csv', csv);
    expect(imported.statusCode, imported.body).toBe(200);
    const report = imported.json();
    expect(report).toMatchObject({ imported: 2, updated: 2, unchanged: 1, failed: 0 });
    expect(report.importId).toMatch(/^[0-9]+$/);

    expect((await history(alice, a)).items[0]).toMatchObject({ kind: 'import', source: 'import', actor: 'alice', importId: report.importId, oldNote: 'before A', newNote: 'import A' });
    expect((await history(alice, c)).items).toMatchObject([{ kind: 'import', oldNote: null, newNote: 'import C' }]);
    expect((await history(alice, e)).items).toHaveLength(1); // the unchanged row wrote no history

    // After the import, B is edited in the UI: the undo must leave it alone.
    await alice.client.request('PUT', `/api/notes/tx/${b}`, { csrf: true, payload: { note: 'edited B' } });
    await api(alice).put(d, 'import D'); // a no-op PUT is no change: D is still the import's

    expectProblem(await api(bob).post(`/api/notes/imports/${report.importId}/undo`), 404, 'not_found');
    const undone = await api(alice).post(`/api/notes/imports/${report.importId}/undo`);
    expect(undone.statusCode, undone.body).toBe(200);
    expect(undone.json()).toMatchObject({ importId: report.importId, restored: 1, deleted: 2, skipped: 1, skippedNotes: [{ type: 'tx', ref: b, note: 'edited B' }] });

    expect(await noteOf(alice, a)).toBe('before A');
    expect(await noteOf(alice, b)).toBe('edited B');
    expect(await noteOf(alice, c)).toBeNull();
    expect(await noteOf(alice, d)).toBeNull();
    expect(await noteOf(alice, e)).toBe('same E');
    expect((await history(alice, a)).items[0]).toMatchObject({ kind: 'undo', source: 'api', importId: report.importId, oldNote: 'import A', newNote: 'before A' });

    expectProblem(await api(alice).post(`/api/notes/imports/${report.importId}/undo`), 409, 'conflict');
    expectProblem(await api(alice).post('/api/notes/imports/12x/undo'), 404, 'not_found');
  });

  it('undoes an async import job from its report, from the UI; a rolled-back import undoes nothing', async () => {
    const [a, b] = [txid(20), txid(21)];
    await api(alice).put(a, 'kept A');
    const csv = ['txid,note', `${a},job A`, `${b},job B`].join('\n');
    const accepted = await api(alice).upload('/api/notes/import?format=csv&async=1', csv);
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { jobId } = accepted.json() as { jobId: string };
    let job: { state: string; report?: { importId?: string; imported: number; updated: number } };
    const deadline = Date.now() + 20_000;
    do {
      job = (await api(alice).get(`/api/jobs/${jobId}`)).json();
      if (job.state === 'completed' || job.state === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    } while (Date.now() < deadline);
    expect(job).toMatchObject({ state: 'completed', report: { imported: 1, updated: 1 } });
    const importId = job.report!.importId!;
    expect((await history(alice, a)).items[0]).toMatchObject({ source: 'import', jobId, importId, newNote: 'job A' });

    const undone = await alice.client.request('POST', `/api/notes/imports/${importId}/undo`, { csrf: true });
    expect(undone.statusCode, undone.body).toBe(200);
    expect(undone.json()).toMatchObject({ restored: 1, deleted: 1, skipped: 0 });
    expect(await noteOf(alice, a)).toBe('kept A');
    expect(await noteOf(alice, b)).toBeNull();
    expect((await history(alice, a)).items[0]).toMatchObject({ kind: 'undo', source: 'ui', newNote: 'kept A' });

    const atomic = await api(alice).upload('/api/notes/import?format=csv&mode=atomic', ['txid,note', `${a},atomic A`, 'bad,row'].join('\n'));
    expect(atomic.json()).toMatchObject({ rolledBack: true });
    const nothing = await api(alice).post(`/api/notes/imports/${atomic.json().importId}/undo`);
    expect(nothing.json()).toMatchObject({ restored: 0, deleted: 0, skipped: 0 });
    expect(await noteOf(alice, a)).toBe('kept A');
  });

  it('undoes a large import a chunk of notes at a time, with the same counts and skipped list as in one go', async () => {
    // 9 notes in chunks of 2 (the app uses 2,000, so that no statement of a 100,000-note undo passes PostgreSQL's 4 s timeout).
    const refs = Array.from({ length: 9 }, (_, i) => txid(40 + i));
    for (const i of [0, 3, 6]) await api(alice).put(refs[i]!, `before ${i}`);
    const imported = await api(alice).upload('/api/notes/import?format=csv', ['txid,note', ...refs.map((ref, i) => `${ref},import ${i}`)].join('\n'));
    const importId = Number(imported.json().importId);
    for (const i of [1, 4, 8]) await api(alice).put(refs[i]!, `edited ${i}`); // changed since: skipped, in three different chunks

    const result = await undoImport(satchel.database.db, dialect, alice.user.id, importId, { kind: 'undo', source: 'api', actor: 'alice' }, Date.now(), 2);
    expect(result).toMatchObject({ importId, restored: 3, deleted: 3, skipped: 3 });
    expect(result!.skippedNotes).toEqual([1, 4, 8].map((i) => ({ type: 'tx', ref: refs[i], note: `edited ${i}` })));
    for (const [i, ref] of refs.entries()) {
      const expected = [0, 3, 6].includes(i) ? `before ${i}` : [1, 4, 8].includes(i) ? `edited ${i}` : null;
      expect(await noteOf(alice, ref)).toBe(expected);
    }
    expect((await history(alice, refs[3]!)).items[0]).toMatchObject({ kind: 'undo', importId: String(importId), oldNote: 'import 3', newNote: 'before 3' });
    expectProblem(await api(alice).post(`/api/notes/imports/${importId}/undo`), 409, 'conflict');
  });

  it('records a deletion; a note created again under the same ref starts a new history', async () => {
    const ref = txid(30);
    await api(alice).put(ref, 'old life');
    expect((await alice.client.request('DELETE', `/api/notes/tx/${ref}`, { bearer: alice.token })).statusCode).toBe(204);
    await api(alice).put(ref, 'new life');
    expect((await history(alice, ref)).items).toMatchObject([{ oldNote: null, newNote: 'new life' }]);
  });

  it('needs the write scope to restore or undo', async () => {
    const created = await alice.client.request('POST', '/api/auth/tokens', { bearer: alice.token, payload: { name: 'reader', scopes: ['read'] } });
    expect(created.statusCode, created.body).toBe(201);
    const reader = created.json().token as string;
    const ref = txid(40);
    await api(alice).put(ref, 'x');
    const [entry] = (await history(alice, ref)).items;
    expect((await alice.client.request('GET', `/api/notes/tx/${ref}/history`, { bearer: reader })).statusCode).toBe(200);
    expectProblem(await alice.client.request('POST', `/api/notes/tx/${ref}/history/${entry!.id}/restore`, { bearer: reader }), 403, 'insufficient_scope');
    expectProblem(await alice.client.request('POST', '/api/notes/imports/1/undo', { bearer: reader }), 403, 'insufficient_scope');
  });
});
