/** `satchel import-notes FILE --user NAME` against a temp SQLite DATA_DIR: report JSON, progress bar, exit codes. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../src/config.js';
import { createDatabase } from '../../../src/adapters/db/database.js';
import { migrateToLatest } from '../../../src/adapters/db/migrator.js';
import { countNotes, getNote } from '../../../src/adapters/db/repositories/notes.js';
import { importNotesCommand, progressLine } from '../../../src/cli/import-notes-command.js';
import { createUser } from '../../helpers/storage-fixtures.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const txid = (i: number): string => i.toString(16).padStart(64, '0');

function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, text: () => text };
}

describe('satchel import-notes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'satchel-import-notes-'));
  let config: Config;
  let userId = '';
  const file = join(dataDir, 'notes.csv');

  beforeAll(async () => {
    config = loadConfig({ DATA_DIR: dataDir, CHAIN_BACKEND: 'none' });
    const database = await createDatabase(config.storage);
    await migrateToLatest(database);
    userId = (await createUser(database.db, { username: 'dana' })).id;
    await database.close();
    const rows = Array.from({ length: 300 }, (_, i) => `2024-01-01,${txid(i + 1)},"cli note ${i}",1`);
    writeFileSync(file, ['Date,Tx_Hash,Memo,Amount', ...rows, '2024-01-02,nope,bad,1'].join('\r\n'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('imports a file, draws progress on stderr and prints the report as JSON', async () => {
    const out = sink();
    const err = sink();
    const code = await importNotesCommand({ user: 'DANA' }, [file], { config, stdout: out.stream, stderr: err.stream, redrawMs: 0 });
    expect(code).toBe(1); // one row failed
    const report = JSON.parse(out.text().trim());
    expect(report).toMatchObject({ imported: 300, updated: 0, unchanged: 0, failed: 1, errors: [{ line: 302, field: 'ref' }] });
    expect(err.text()).toMatch(/\r\[#{30}\] 100% /);
    expect(err.text()).toMatch(/\[-{30}\]\s+0%/);

    const database = await createDatabase(config.storage);
    try {
      expect(await countNotes(database.db, userId)).toBe(300);
      expect(await getNote(database.db, userId, 'tx', txid(300))).toMatchObject({ label: 'cli note 299' });
    } finally {
      await database.close();
    }
  });

  it('reads a given stream in atomic mode and refuses bad usage with exit code 2', async () => {
    const input = new PassThrough();
    input.end(`txid,note\n${txid(9999)},streamed\nbad,row\n`);
    const out = sink();
    const code = await importNotesCommand({ user: 'dana', mode: 'atomic' }, [], { config, input, stdout: out.stream, stderr: sink().stream });
    expect(code).toBe(1);
    expect(JSON.parse(out.text())).toMatchObject({ imported: 0, rolledBack: true });

    const err = sink();
    expect(await importNotesCommand({ user: 'nobody' }, [file], { config, stderr: err.stream, stdout: sink().stream })).toBe(2);
    expect(err.text()).toMatch(/no user named "nobody"/);
    expect(await importNotesCommand({ user: 'dana', format: 'xml' }, [file], { config, stderr: sink().stream })).toBe(2);
    expect(await importNotesCommand({ user: 'dana' }, [join(dataDir, 'missing.csv')], { config, stderr: sink().stream })).toBe(2);
    const header = sink();
    const headerInput = new PassThrough();
    headerInput.end('a,b\n1,2\n');
    expect(await importNotesCommand({ user: 'dana' }, [], { config, input: headerInput, stderr: header.stream, stdout: sink().stream })).toBe(2);
    expect(header.text()).toMatch(/expected/);
  });

  it('draws a bar of bytes read over the file size', () => {
    expect(progressLine(512 * 1024, 1024 * 1024, 10)).toBe('[#####-----]  50% 512.0 KB / 1.0 MB');
  });

  it('runs from the command line', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'import-notes', file, '--user', 'dana', '--format', 'csv'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, CHAIN_BACKEND: 'none' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ imported: 0, unchanged: 300, failed: 1 });
    expect(stderr).toContain('100%');
  });
});
