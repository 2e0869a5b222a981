/**
 * On SQLite, WAL checkpoints run on a worker thread's own connection (src/adapters/db/sqlite-checkpointer.ts),
 * so that no commit on the main thread waits for one. The app's connection only checkpoints by itself past
 * 10,000 WAL pages (~40 MB); every write here stays far below that, so what reaches the database file got
 * there through the worker.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../../src/adapters/db/database.js';
import { startSqliteCheckpointer } from '../../../src/adapters/db/sqlite-checkpointer.js';

const dirs: string[] = [];
const open: Database[] = [];
afterEach(async () => {
  for (const database of open.splice(0)) await database.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function fresh(): Promise<{ database: Database; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'satchel-checkpoint-'));
  dirs.push(dir);
  const file = join(dir, 'satchel.db');
  const database = await createDatabase({ kind: 'sqlite', file });
  open.push(database);
  await sql`create table blobs (id integer primary key, body blob not null)`.execute(database.db);
  return { database, file };
}

/** Commits `megabytes` of incompressible rows in one transaction. */
async function write(database: Database, megabytes: number): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    for (let i = 0; i < megabytes * 256; i++) {
      await sql`insert into blobs (body) values (randomblob(4000))`.execute(trx);
    }
  });
}

const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);

async function eventually(check: () => boolean, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe('SQLite checkpoints in the background', () => {
  it('copies committed pages into the database file without another write', async () => {
    const { database, file } = await fresh();
    await write(database, 8);
    expect(size(`${file}-wal`)).toBeGreaterThan(8_000_000);
    expect(await eventually(() => size(file) > 8_000_000)).toBe(true);
  });

  it('keeps the WAL to the size of one burst: between bursts it starts over', async () => {
    const { database, file } = await fresh();
    for (let burst = 0; burst < 6; burst++) {
      await write(database, 2);
      // Copied: the next write begins the WAL again from its start instead of appending.
      expect(await eventually(() => size(file) > (burst + 1) * 2_000_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    // Six bursts of 2 MB: appended one after another the WAL would hold 12 MB.
    expect(size(`${file}-wal`)).toBeLessThan(5_000_000);
    expect(Number((await sql<{ n: number }>`select count(*) as n from blobs`.execute(database.db)).rows[0]!.n)).toBe(6 * 512);
  });

  it('closes with the database: the app connection closes last and folds the WAL back', async () => {
    const { database, file } = await fresh();
    await write(database, 1);
    open.splice(open.indexOf(database), 1);
    await database.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(size(file)).toBeGreaterThan(1_000_000);
  });

  it('stops at once even when its database file is gone, and never keeps the process alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'satchel-checkpoint-'));
    dirs.push(dir);
    const checkpointer = startSqliteCheckpointer(join(dir, 'missing.db'));
    const started = Date.now();
    await checkpointer.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
