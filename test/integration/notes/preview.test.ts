/**
 * Issue 10 over HTTP, on SQLite and PostgreSQL with the real accounts, validator and database:
 * POST /api/notes/import/preview (the start of a file → header, mapping, first rows, errors so far;
 * stores nothing) and the column mapping (`refColumn`, `noteColumn`, `typeColumn`) on the preview and
 * on the import, sync and async, each refused with a 400 naming the option when it does not fit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { MAX_PREVIEW_BYTES } from '../../../src/domain/notes/import-preview.js';
import { startSatchel, type Satchel } from '../../../src/main.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { expectProblem, fastHasher, signedIn, type Client } from '../accounts/harness.js';

const txid = (i: number): string => i.toString(16).padStart(64, '0');
const ADDRESS = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
// A history export whose columns match no SPEC alias: ref in "Transaction", note in "Comment".
const OTHER_WALLET = [
  'Date,Transaction,Comment,Amount',
  ...Array.from({ length: 25 }, (_, i) => (i === 2 ? '2024-01-03,not-a-txid,broken,1' : `2024-01-${String(i + 1).padStart(2, '0')},${txid(100 + i)},"payment ${i}, ok",${i}`)),
].join('\r\n');

describe.each(DIALECTS)('notes import preview and column mapping over HTTP (%s)', (dialect) => {
  let database: TestDatabase;
  let satchel: Satchel;
  let dataDir: string;
  let alice: { client: Client; token: string };

  const post = (url: string, body: string | Buffer, type = 'text/csv') =>
    alice.client.request('POST', url, { bearer: alice.token, payload: body as string, headers: { 'content-type': type } });
  const notes = async () => ((await alice.client.request('GET', '/api/notes?limit=100', { bearer: alice.token })).json() as { items: Array<{ type: string; ref: string; note: string }> }).items;

  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    dataDir = mkdtempSync(join(tmpdir(), 'satchel-preview-'));
    const config = { ...loadConfig({ DATA_DIR: dataDir, CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent' }), storage: database.config };
    satchel = await startSatchel(config, { webRoot: null, passwordHasher: fastHasher(), jobTimings: { heartbeatMs: 50, staleMs: 2_000, progressMs: 0 } });
    alice = await signedIn(satchel.app, 'alice');
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('previews another wallet’s export: header, what was found, no rows until the ref column is chosen; stores nothing', async () => {
    const detected = await post('/api/notes/import/preview?format=csv', OTHER_WALLET);
    expect(detected.statusCode, detected.body).toBe(200);
    expect(detected.json()).toEqual({
      format: 'csv',
      columns: ['Date', 'Transaction', 'Comment', 'Amount'],
      mapping: {},
      rows: [],
      errors: [{ line: 1, code: 'csv_header', message: expect.stringMatching(/lacks ref and note columns/) }],
      errorCount: 1,
      rowsRead: 0,
    });

    const chosen = await post('/api/notes/import/preview?format=csv&refColumn=transaction&noteColumn=2', OTHER_WALLET);
    expect(chosen.statusCode, chosen.body).toBe(200);
    const body = chosen.json();
    expect(body).toMatchObject({ mapping: { ref: 1, note: 2 }, rowsRead: 25, errorCount: 1 });
    expect(body.rows).toHaveLength(20);
    expect(body.rows[0]).toEqual({ line: 2, type: 'tx', ref: txid(100), note: 'payment 0, ok', ok: true });
    expect(body.rows[2]).toMatchObject({ line: 4, ref: 'not-a-txid', ok: false, errors: [{ field: 'ref' }] });
    expect(body.errors).toEqual([{ line: 4, field: 'ref', code: expect.any(String), message: expect.any(String) }]);
    expect(await notes()).toEqual([]);
  });

  it('imports with the mapping the preview showed, and reports the same errors', async () => {
    const preview = (await post('/api/notes/import/preview?refColumn=Transaction&noteColumn=Comment', OTHER_WALLET)).json();
    const imported = await post('/api/notes/import?format=csv&refColumn=Transaction&noteColumn=Comment', OTHER_WALLET);
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toMatchObject({ imported: 24, failed: 1 });
    expect(imported.json().errors).toEqual(preview.errors);
    const stored = await notes();
    expect(stored).toHaveLength(24);
    expect(stored.find((n) => n.ref === txid(100))).toMatchObject({ type: 'tx', note: 'payment 0, ok' });
  });

  it('imports asynchronously with a chosen type column', async () => {
    const csv = `Kind,Id,Text\naddr,${ADDRESS},cold storage\ntx,${txid(7)},rent\n`;
    const accepted = await post('/api/notes/import?format=csv&async=1&refColumn=Id&noteColumn=Text&typeColumn=Kind', csv);
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { jobId } = accepted.json() as { jobId: string };
    await satchel.jobs.drain();
    let job: { state: string; report?: unknown } = { state: 'queued' };
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && job.state !== 'completed' && job.state !== 'failed'; ) {
      job = (await alice.client.request('GET', `/api/jobs/${jobId}`, { bearer: alice.token })).json();
      if (job.state !== 'completed') await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(job).toMatchObject({ state: 'completed', report: { imported: 2, failed: 0 } });
    expect((await notes()).find((n) => n.ref === ADDRESS)).toMatchObject({ type: 'addr', note: 'cold storage' });
  });

  it('refuses a mapping that does not fit the header with a 400 naming the option: preview, import and async import', async () => {
    for (const url of ['/api/notes/import/preview?refColumn=Hash', '/api/notes/import?refColumn=Hash', '/api/notes/import?async=1&refColumn=Hash']) {
      const problem = expectProblem(await post(url, OTHER_WALLET), 400, 'invalid_input');
      expect(problem.errors, url).toEqual([{ line: 1, field: 'refColumn', code: 'unknown_column', message: expect.stringMatching(/"Hash" names no cell of the header; found "date", "transaction"/) }]);
    }
    const outOfRange = expectProblem(await post('/api/notes/import/preview?refColumn=1&noteColumn=4', OTHER_WALLET), 400);
    expect(outOfRange.errors[0]).toMatchObject({ field: 'noteColumn', code: 'unknown_column', message: expect.stringContaining('the header has 4 (0 to 3)') });
    const same = expectProblem(await post('/api/notes/import/preview?refColumn=1&noteColumn=Transaction', OTHER_WALLET), 400);
    expect(same.errors[0]).toMatchObject({ field: 'noteColumn', code: 'same_column' });
    const notCsv = expectProblem(await post('/api/notes/import/preview?format=bip329&noteColumn=label', '{}', 'application/jsonl'), 400);
    expect(notCsv.errors[0]).toMatchObject({ field: 'noteColumn', code: 'not_allowed' });
    const empty = expectProblem(await post('/api/notes/import?typeColumn=', OTHER_WALLET), 400);
    expect(empty.errors[0]).toMatchObject({ field: 'typeColumn' });
    expect(await notes()).toHaveLength(26); // nothing from these
  });

  it('ignores the cut last line of a sample marked truncated, and reports it in a whole file', async () => {
    const sample = `txid,label\n${txid(1)},one\n${txid(2)},"two\nlines`;
    expect((await post('/api/notes/import/preview?truncated=1', sample)).json()).toMatchObject({ rowsRead: 1, errors: [] });
    expect((await post('/api/notes/import/preview', sample)).json()).toMatchObject({ rowsRead: 2, errors: [{ line: 3, code: 'csv_malformed' }] });
  });

  it('previews BIP-329 and Electrum files by their content type', async () => {
    const electrum = (await post('/api/notes/import/preview', `{"${txid(3)}": "coffee", "x": 5}`, 'application/json')).json();
    expect(electrum).toMatchObject({ format: 'electrum', mapping: null, rows: [{ type: 'tx', ref: txid(3), note: 'coffee', ok: true }], errors: [{ field: 'label', code: 'wrong_type' }] });
    const bip329 = (await post('/api/notes/import/preview', `{"type":"addr","ref":"${ADDRESS}","label":"a"}\n`, 'application/jsonl')).json();
    expect(bip329).toMatchObject({ format: 'bip329', rows: [{ type: 'addr', ok: true }], errors: [] });
  });

  it('refuses a sample over the preview limit (413), an unknown content type (415), an empty CSV (400) and anonymous callers (401)', async () => {
    expectProblem(await post('/api/notes/import/preview', Buffer.alloc(MAX_PREVIEW_BYTES + 1, 'a')), 413, 'payload_too_large');
    expectProblem(await post('/api/notes/import/preview', 'txid,note\n', 'text/plain'), 415, 'unsupported_media_type');
    expectProblem(await post('/api/notes/import/preview', ''), 400, 'invalid_input');
    const anonymous = await satchel.app.inject({ method: 'POST', url: '/api/notes/import/preview', payload: 'txid,note\n', headers: { 'content-type': 'text/csv' } });
    expect(anonymous.statusCode).toBe(401);
  });
});
