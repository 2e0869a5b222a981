/**
 * Notes over HTTP (SPEC: Notes) with the real accounts, validator and database, on SQLite and
 * PostgreSQL: one note by (type, ref), search, owner isolation, streamed imports (messy CSV with exact
 * error lines, atomic rollback, wrong header, 413, 415), BIP-329 import → export round trip, and async
 * imports through jobs kept in the database (including a stale job failed at start-up).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { startSatchel, type Satchel } from '../../../src/main.js';
import { ABANDONED_ERROR } from '../../../src/domain/jobs/job-service.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { expectProblem, fastHasher, signedIn, type Client } from '../accounts/harness.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const txid = (i: number): string => i.toString(16).padStart(64, '0');
const ADDRESS = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
const IMPORT_LIMIT = 64 * 1024;

async function start(database: TestDatabase, instanceId = 'notes-a'): Promise<Satchel> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satchel-notes-'));
  const config = {
    ...loadConfig({ DATA_DIR: dataDir, CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent', INSTANCE_ID: instanceId }),
    storage: database.config,
  };
  const satchel = await startSatchel(config, {
    webRoot: null,
    passwordHasher: fastHasher(),
    noteImportBodyLimit: IMPORT_LIMIT,
    jobTimings: { heartbeatMs: 50, staleMs: 2_000, progressMs: 0 },
  });
  satchel.app.addHook('onClose', async () => rmSync(dataDir, { recursive: true, force: true }));
  return satchel;
}

describe.each(DIALECTS)('notes over HTTP (%s)', (dialect) => {
  let database: TestDatabase;
  let satchel: Satchel;
  let alice: { client: Client; token: string; user: { id: string } };
  let bob: { client: Client; token: string; user: { id: string } };

  const as = (who: typeof alice) => ({
    put: (url: string, payload: unknown) => who.client.request('PUT', url, { bearer: who.token, payload }),
    get: (url: string) => who.client.request('GET', url, { bearer: who.token }),
    del: (url: string) => who.client.request('DELETE', url, { bearer: who.token }),
    upload: (url: string, body: string, type = 'text/csv') =>
      who.client.request('POST', url, { bearer: who.token, payload: body, headers: { 'content-type': type } }),
  });

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

  it('puts, gets, lists and deletes a note; refs are normalized; bad input names the field', async () => {
    const a = as(alice);
    const created = await a.put(`/api/notes/tx/${txid(1).toUpperCase()}`, { note: 'rent' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ type: 'tx', ref: txid(1), note: 'rent' });
    expect((await a.put(`/api/notes/tx/${txid(1)}`, { note: 'rent paid' })).statusCode).toBe(200);
    expect((await a.get(`/api/notes/tx/${txid(1)}`)).json()).toMatchObject({ note: 'rent paid' });
    expect((await a.put(`/api/notes/addr/${ADDRESS}`, { note: 'cold storage' })).statusCode).toBe(201);

    const search = await a.get('/api/notes?q=COLD');
    expect(search.json().items.map((n: { ref: string }) => n.ref)).toEqual([ADDRESS]);
    const byType = await a.get('/api/notes?type=tx&limit=1');
    expect(byType.json()).toMatchObject({ items: [{ ref: txid(1) }] });

    expect(expectProblem(await a.put('/api/notes/tx/nothex', { note: 'x' }), 400, 'invalid_input').errors[0].field).toBe('ref');
    expect(expectProblem(await a.put('/api/notes/memo/abc', { note: 'x' }), 400).errors[0].field).toBe('type');
    expect(expectProblem(await a.put(`/api/notes/tx/${txid(1)}`, { note: 5 }), 400).errors[0].field).toBe('note');
    expect(expectProblem(await a.put(`/api/notes/tx/${txid(1)}`, { note: 'x'.repeat(256) }), 400).errors[0]).toMatchObject({ field: 'label', code: 'label_too_long' });
    expectProblem(await a.get('/api/notes?limit=501'), 400);

    expect((await a.del(`/api/notes/addr/${ADDRESS}`)).statusCode).toBe(204);
    expectProblem(await a.get(`/api/notes/addr/${ADDRESS}`), 404, 'not_found');
    expectProblem(await a.del(`/api/notes/addr/${ADDRESS}`), 404, 'not_found');
  });

  it("keeps owners apart: another user's note is 404 and never listed", async () => {
    const a = as(alice);
    const b = as(bob);
    await a.put(`/api/notes/tx/${txid(2)}`, { note: 'alice secret' });
    expectProblem(await b.get(`/api/notes/tx/${txid(2)}`), 404, 'not_found');
    expectProblem(await b.del(`/api/notes/tx/${txid(2)}`), 404, 'not_found');
    expect((await b.get('/api/notes?q=secret')).json().items).toEqual([]);
    const exported = await b.get('/api/notes/export?format=csv');
    expect(exported.body).not.toContain('alice secret');
    expect((await a.get(`/api/notes/tx/${txid(2)}`)).json().note).toBe('alice secret');
    expectProblem(await satchel.app.inject({ method: 'GET', url: '/api/notes' }), 401);
  });

  it('imports a messy CSV with exact error lines', async () => {
    const csv = [
      '\uFEFFDate,Transaction ID,Label,Amount',
      `2024-01-01,${txid(10)},"lunch, with ""friends""",1`,
      '2024-01-02,not-a-txid,bad,2',
      `2024-01-03,${txid(11)},"multi`,
      `line",3`,
      `2024-01-04,${txid(12)},${'y'.repeat(300)},4`,
      `2024-01-05,${txid(10)},lunch again,5`,
      '',
    ].join('\r\n');
    const response = await as(bob).upload('/api/notes/import?format=csv', csv);
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({ imported: 2, updated: 1, unchanged: 0, failed: 2 });
    expect(report.errors.map((e: { line: number; field?: string; code: string }) => [e.line, e.field, e.code])).toEqual([
      [3, 'ref', expect.any(String)],
      [6, 'label', 'label_too_long'],
    ]);
    expect((await as(bob).get(`/api/notes/tx/${txid(10)}`)).json().note).toBe('lunch again');
    expect((await as(bob).get(`/api/notes/tx/${txid(11)}`)).json().note).toBe('multi\r\nline');
  });

  it('atomic mode stores nothing when the last row is bad', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${txid(1000 + i)},atomic ${i}`);
    const csv = ['txid,note', ...rows, 'zz,broken'].join('\n');
    const response = await as(bob).upload('/api/notes/import?format=csv&mode=atomic', csv);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ imported: 0, failed: 1, rolledBack: true, errors: [{ line: 52 }] });
    expect((await as(bob).get('/api/notes?q=atomic')).json().items).toEqual([]);
  });

  it('answers 400 naming the expected header, 415 for another content type, 413 over the limit', async () => {
    const header = expectProblem(await as(bob).upload('/api/notes/import?format=csv', 'foo,bar\n1,2\n'), 400, 'invalid_input');
    expect(header.detail).toMatch(/txid/);
    expect(header.detail).toMatch(/note/);
    expect(header.errors[0]).toMatchObject({ line: 1, code: 'csv_header' });

    expectProblem(await as(bob).upload('/api/notes/import?format=csv', 'txid,note\n', 'text/plain'), 415, 'unsupported_media_type');
    expectProblem(await as(bob).upload('/api/notes/import?format=nope', 'txid,note\n'), 400, 'invalid_input');

    const big = 'txid,note\n' + `${txid(5)},${'z'.repeat(200)}\n`.repeat(Math.ceil(IMPORT_LIMIT / 200) + 10);
    expectProblem(await as(bob).upload('/api/notes/import?format=csv', big), 413, 'payload_too_large');
  });

  it('round-trips BIP-329 through HTTP: import → export gives the same set', async () => {
    const records = [
      { type: 'tx', ref: txid(77), label: 'bip329 tx' },
      { type: 'addr', ref: ADDRESS, label: 'bip329 addr' },
      { type: 'output', ref: `${txid(78)}:1`, label: 'bip329 out', spendable: false },
      { type: 'input', ref: `${txid(79)}:0`, label: 'bip329 in' },
    ];
    const carol = await signedIn(satchel.app, 'carol');
    const c = as(carol);
    const jsonl = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const imported = await c.upload('/api/notes/import?format=bip329', jsonl, 'application/jsonl');
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toMatchObject({ imported: 4, failed: 0 });

    const exported = await c.get('/api/notes/export?format=bip329');
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-disposition']).toMatch(/^attachment; filename="satchel-notes-.*\.jsonl"$/);
    const back = exported.body.trim().split('\n').map((line) => JSON.parse(line) as object);
    const key = (r: object) => JSON.stringify(Object.entries(r).sort());
    expect(back.map(key).sort()).toEqual(records.map(key).sort());

    const csv = await c.get('/api/notes/export?format=csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[0]).toBe('type,ref,label');
  });

  it('imports asynchronously: 202 {jobId}, polled to completion, owner-scoped', async () => {
    const csv = ['txid,note', ...Array.from({ length: 200 }, (_, i) => `${txid(5000 + i)},async ${i}`), 'bad,row'].join('\n');
    const accepted = await as(bob).upload('/api/notes/import?format=csv&async=1', csv);
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { jobId } = accepted.json() as { jobId: string };
    let job: { state: string; processed: number; total?: number; report?: { imported: number; failed: number; errors: unknown[] } };
    const deadline = Date.now() + 20_000;
    do {
      const polled = await as(bob).get(`/api/jobs/${jobId}`);
      expect(polled.statusCode, polled.body).toBe(200);
      job = polled.json();
      if (job.state === 'completed' || job.state === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } while (Date.now() < deadline);
    expect(job).toMatchObject({ state: 'completed', processed: Buffer.byteLength(csv), total: Buffer.byteLength(csv) });
    expect(job.report).toMatchObject({ imported: 200, failed: 1, errors: [{ line: 202 }] });
    expectProblem(await as(alice).get(`/api/jobs/${jobId}`), 404, 'not_found');
  });

  it('fails a job left running by a dead instance when an instance starts', async () => {
    const now = Date.now();
    const row = { user_id: bob.user.id, kind: 'notes-import', processed: 10, total: 100, created_at: now - 600_000, updated_at: now - 600_000 };
    await satchel.database.db
      .insertInto('jobs')
      .values([
        { ...row, id: 'stale-job', state: 'running', heartbeat_at: now - 600_000, instance: 'dead-instance' },
        { ...row, id: 'live-job', state: 'running', heartbeat_at: now + 60_000, instance: 'other-live-instance' },
      ])
      .execute();
    const second = await start(database, 'notes-b');
    try {
      const states = await second.database.db.selectFrom('jobs').select(['id', 'state', 'error']).where('id', 'in', ['stale-job', 'live-job']).orderBy('id').execute();
      expect(states).toEqual([
        { id: 'live-job', state: 'running', error: null },
        { id: 'stale-job', state: 'failed', error: ABANDONED_ERROR },
      ]);
      const viewed = await second.app.inject({ method: 'GET', url: '/api/jobs/stale-job', headers: { authorization: `Bearer ${bob.token}` } });
      expect(viewed.json()).toMatchObject({ state: 'failed', error: ABANDONED_ERROR });
    } finally {
      await second.close();
    }
  });
});
