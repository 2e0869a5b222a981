/**
 * Notes CSV import end to end: a generated CSV of N rows (1,000,000; 100,000 with BENCH_QUICK=1) is
 * streamed — never held in memory — through the import pipeline (csv-parse → field checks → cached
 * txid validation → batched upserts) into a fresh SQLite database, and compared with the raw batched
 * upsert rate of the same engine on the same rows in the same run (upsertNotes with ready-made rows:
 * no parsing, no validation). PostgreSQL too when its binaries are installed.
 *
 * Txids are random (as real ones are), so every insert lands at a random place in the unique index —
 * the realistic and the slow case for a B-tree; a sequential-key run is shown for comparison.
 * Targets: SQLite ≥ 100,000 rows/s; pipeline/raw ≥ 0.5; peak RSS ≤ 300 MB; PostgreSQL ≥ 50,000 rows/s.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CompiledQuery, sql } from 'kysely';
import { createDatabase, type Database, type DatabaseConfig } from '../../src/adapters/db/database.js';
import { migrateToLatest } from '../../src/adapters/db/migrator.js';
import { SQLITE_ROWS_PER_COMMIT, SqlNoteStore } from '../../src/adapters/db/note-store.js';
import { SqlNoteHistoryStore } from '../../src/adapters/db/note-history-store.js';
import { countNotes, getNote, upsertNotes } from '../../src/adapters/db/repositories/notes.js';
import { rowsPerUpsert, upsertStatement } from '../../src/adapters/db/repositories/notes-dialect.js';
import { insertUser } from '../../src/adapters/db/repositories/users.js';
import { TieredCache } from '../../src/cache/index.js';
import { importCsvNotes } from '../../src/domain/notes/csv-import.js';
import { validateRefsWith } from '../../src/domain/notes/note-refs.js';
import type { NoteDraft } from '../../src/domain/notes/types.js';
import { CachedValidator } from '../../src/domain/validation/cached-validator.js';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres-server.js';
import { check } from '../lib/measure.js';
import { fmt, target, writeReport, type Target } from '../lib/report.js';

const quick = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_NOTES_ROWS ?? (quick ? 100_000 : 1_000_000));
const BATCH = Number(process.env.BENCH_NOTES_BATCH ?? 5_000);
const USER = 'bench-user';
/** Imports record their note history (issue 10), as the server's do; BENCH_NOTES_HISTORY=0 measures without. */
const HISTORY = process.env.BENCH_NOTES_HISTORY !== '0';

type Keys = 'random' | 'sequential';
/** BENCH_NOTES_KEYS=random skips the sequential-key comparison run. */
const KEYS: Keys[] = process.env.BENCH_NOTES_KEYS === 'random' ? ['random'] : ['random', 'sequential'];

/** The ref of row i: random hex, or a counter in hex (then inserts append at the end of the index). */
function refs(count: number, start: number, keys: Keys): string[] {
  if (keys === 'sequential') return Array.from({ length: count }, (_, k) => (start + k).toString(16).padStart(64, '0'));
  const hex = randomBytes(32 * count).toString('hex');
  return Array.from({ length: count }, (_, k) => hex.slice(k * 64, k * 64 + 64));
}

const label = (i: number): string => `Payment ${i} to supplier, invoice #${(i * 7919) % 100_000}`;

/** A wallet-history-like CSV (extra columns are ignored by the importer), ~64 KB per chunk. */
async function* csvChunks(rows: number, keys: Keys): AsyncGenerator<string> {
  let chunk = 'Date,Label,Value,TXID\n';
  for (let start = 0; start < rows; start += 1_000) {
    const count = Math.min(1_000, rows - start);
    const ids = refs(count, start, keys);
    for (let k = 0; k < count; k++) {
      const i = start + k;
      chunk += `2024-03-01 12:00,"${label(i)}",-0.001,${i % 10 === 0 ? ids[k]!.toUpperCase() : ids[k]}\n`;
    }
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

interface Engine {
  name: 'sqlite' | 'postgres';
  open(): Promise<{ database: Database; dispose: () => Promise<void> }>;
}

function sqliteEngine(): Engine {
  return {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'satchel-bench-notes-'));
      const database = await createDatabase({ kind: 'sqlite', file: join(dir, 'notes.db') });
      return { database, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  };
}

function postgresEngine(server: PostgresServer): Engine {
  let counter = 0;
  return {
    name: 'postgres',
    async open() {
      const name = `bench_notes_${process.pid}_${++counter}`;
      const admin = await createDatabase({ kind: 'postgres', url: server.url });
      await sql.raw(`create database ${name}`).execute(admin.db);
      await admin.close();
      const config: DatabaseConfig = { kind: 'postgres', url: server.url.replace(/\/[^/]+$/, `/${name}`) };
      const database = await createDatabase(config, { statementTimeoutMs: 0 });
      return { database, dispose: async () => {} };
    },
  };
}

async function prepare(engine: Engine): Promise<{ database: Database; dispose: () => Promise<void> }> {
  const opened = await engine.open();
  await migrateToLatest(opened.database);
  await insertUser(opened.database.db, { id: USER, username: 'bench', passwordHash: 'x', role: 'user', createdAt: Date.now() });
  return opened;
}

/** Peak RSS while `fn` runs, sampled every 20 ms (the import awaits between batches, so samples land). */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakRssMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

async function pipelineRun(engine: Engine, rows: number, keys: Keys): Promise<{ rowsPerSec: number; peakRssMb: number }> {
  const { database, dispose } = await prepare(engine);
  try {
    const store = new SqlNoteStore(database.db, database.dialect);
    const validateRefs = validateRefsWith(new CachedValidator(new TieredCache({})));
    global.gc?.();
    const t0 = performance.now();
    const change = HISTORY ? await new SqlNoteHistoryStore(database.db, database.dialect).begin(USER, { kind: 'import', source: 'import', actor: 'bench' }, Date.now()) : undefined;
    const { value: report, peakRssMb } = await withPeakRss(() =>
      importCsvNotes(Readable.from(csvChunks(rows, keys)), { store, validateRefs }, { userId: USER, mode: 'partial', batchSize: BATCH, ...(change ? { change } : {}) }),
    );
    const seconds = (performance.now() - t0) / 1000;
    check(report.imported === rows && report.failed === 0, `pipeline imported ${report.imported}/${rows}, ${report.failed} failed`);
    check((await countNotes(database.db, USER)) === rows, 'pipeline: row count in the database');
    if (change) {
      const history = await database.db.selectFrom('note_history').select((eb) => eb.fn.countAll<number>().as('n')).where('change_id', '=', change.id).executeTakeFirstOrThrow();
      check(Number(history.n) === rows, `pipeline: one history row per created note (${history.n})`);
    }
    return { rowsPerSec: rows / seconds, peakRssMb };
  } finally {
    await database.close();
    await dispose();
  }
}

/**
 * The engine's own rate on the same rows: `raw` runs the dialect's batched INSERT … ON CONFLICT
 * statement directly; `repository` goes through upsertNotes (which also reads the batch's stored rows
 * to tell inserted/updated/unchanged). Both commit as the import does: a batch at a time, or
 * rowsPerCommit rows at a time where the store asks for that (SQLite).
 */
async function engineRun(engine: Engine, rows: number, keys: Keys, via: 'raw' | 'repository'): Promise<{ rowsPerSec: number }> {
  const { database, dispose } = await prepare(engine);
  try {
    const step = rowsPerUpsert(database.dialect);
    const perCommit = Math.max(BATCH, new SqlNoteStore(database.db, database.dialect).rowsPerCommit ?? 0);
    let ms = 0;
    for (let start = 0; start < rows; start += perCommit) {
      const batches: NoteDraft[][] = [];
      for (let at = start; at < Math.min(rows, start + perCommit); at += BATCH) {
        const count = Math.min(BATCH, rows - at);
        batches.push(refs(count, at, keys).sort().map((ref, k) => ({ type: 'tx', ref, label: label(at + k) })));
      }
      const t0 = performance.now();
      await database.db.transaction().execute(async (trx) => {
        for (const drafts of batches) {
          if (via === 'repository') {
            await upsertNotes(trx, database.dialect, USER, drafts);
            continue;
          }
          for (let i = 0; i < drafts.length; i += step) {
            const chunk = drafts.slice(i, i + step).map((d) => ({ type: d.type, ref: d.ref, label: d.label ?? '', origin: null, spendable: null }));
            const statement = upsertStatement(database.dialect, USER, chunk, Date.now());
            await trx.executeQuery(CompiledQuery.raw(statement.sql, statement.parameters));
          }
        }
      });
      ms += performance.now() - t0;
    }
    check((await countNotes(database.db, USER)) === rows, `${via}: row count in the database`);
    return { rowsPerSec: rows / (ms / 1000) };
  } finally {
    await database.close();
    await dispose();
  }
}

/** Before timing: a small import must store exactly what the file says, normalized. */
async function verify(engine: Engine): Promise<void> {
  const { database, dispose } = await prepare(engine);
  try {
    const store = new SqlNoteStore(database.db, database.dialect);
    const validateRefs = validateRefsWith(new CachedValidator(new TieredCache({})));
    const report = await importCsvNotes(Readable.from(csvChunks(1_000, 'sequential')), { store, validateRefs }, { userId: USER });
    check(report.imported === 1_000 && report.failed === 0, `verify: imported ${report.imported}`);
    const note = await getNote(database.db, USER, 'tx', (10).toString(16).padStart(64, '0'));
    check(note?.label === label(10), 'verify: row 10 stored with its label (its txid was upper-case in the file)');
    const again = await importCsvNotes(Readable.from(csvChunks(1_000, 'sequential')), { store, validateRefs }, { userId: USER });
    check(again.unchanged === 1_000 && again.imported === 0, 'verify: a second import changes nothing');
  } finally {
    await database.close();
    await dispose();
  }
}

async function main(): Promise<void> {
  const baselineRssMb = process.memoryUsage().rss / 2 ** 20;
  const engines: Engine[] = [sqliteEngine()];
  let server: PostgresServer | undefined;
  const notes: string[] = [
    `${fmt(N)} rows of a 4-column wallet-history CSV (~100 bytes a row, 10% upper-case txids); batches of ${fmt(BATCH)} rows, partial mode.`,
    'raw insert = the engine\'s batched INSERT … ON CONFLICT statement on ready-made rows, committed as the import commits (no CSV, no validation, no read-back); upsertNotes = the repository call the import makes. Each run on a fresh database.',
    `Commits: SQLite every ${fmt(SQLITE_ROWS_PER_COMMIT)} rows (SqlNoteStore.rowsPerCommit), PostgreSQL every batch.`,
    `Peak RSS is the whole process (${fmt(baselineRssMb)} MB before the first run: Node, tsx, the modules).`,
    'Both engines keep a trigram index in step with every insert (SQLite FTS5 via triggers, PostgreSQL pg_trgm GIN) and check the users foreign key.',
    HISTORY
      ? 'The import records its note history (one row per created or changed note, written set-wise per batch) as the server does; the raw insert does not.'
      : 'BENCH_NOTES_HISTORY=0: the import records no note history.',
  ];
  try {
    if (process.env.BENCH_SKIP_PG === '1') throw new Error('BENCH_SKIP_PG=1');
    server = await startPostgres();
    engines.push(postgresEngine(server));
  } catch (error) {
    notes.push(`PostgreSQL not measured: ${(error as Error).message.split('\n')[0]}`);
  }

  const rows: Array<Record<string, string | number>> = [];
  const targets: Target[] = [];
  const results: Partial<Record<Keys, { pipeline: { rowsPerSec: number; peakRssMb: number }; raw: { rowsPerSec: number } }>> = {};
  try {
    for (const engine of engines) {
      await verify(engine);
      for (const keys of KEYS) {
        const count = keys === 'random' ? N : Math.min(N, 200_000);
        const pipeline = await pipelineRun(engine, count, keys);
        const raw = await engineRun(engine, count, keys, 'raw');
        const repository = await engineRun(engine, count, keys, 'repository');
        results[keys] = { pipeline, raw };
        rows.push({
          engine: engine.name,
          keys,
          rows: fmt(count),
          'import rows/s': fmt(pipeline.rowsPerSec),
          'raw insert rows/s': fmt(raw.rowsPerSec),
          'upsertNotes rows/s': fmt(repository.rowsPerSec),
          'import / raw': fmt(pipeline.rowsPerSec / raw.rowsPerSec),
          'peak RSS MB': fmt(pipeline.peakRssMb),
        });
        console.log(
          `  ${engine.name} ${keys} keys: import ${fmt(pipeline.rowsPerSec)} rows/s, raw insert ${fmt(raw.rowsPerSec)}, ` +
            `upsertNotes ${fmt(repository.rowsPerSec)}, peak RSS ${fmt(pipeline.peakRssMb)} MB`,
        );
      }
      const { pipeline, raw } = results.random!;
      const goal = engine.name === 'sqlite' ? 100_000 : 50_000;
      targets.push(
        target(`${engine.name} import rows/s (random txids)`, pipeline.rowsPerSec, { atLeast: goal }, ' rows/s'),
        target(`${engine.name} import / raw insert`, pipeline.rowsPerSec / raw.rowsPerSec, { atLeast: 0.5 }),
        target(`${engine.name} peak RSS during import`, pipeline.peakRssMb, { atMost: 300 }, ' MB'),
      );
    }
  } finally {
    await server?.stop();
  }
  writeReport({
    name: 'notes-import',
    description: 'Streaming CSV note import through the pipeline vs raw batched upserts, per storage engine.',
    rows,
    targets,
    notes,
  });
}

await main();
