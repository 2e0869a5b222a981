/**
 * `satchel import-notes FILE --user NAME [--format csv|bip329|electrum] [--mode partial|atomic]`
 * (SPEC: Command line): imports a notes file straight into the database of DATA_DIR / DATABASE_URL,
 * with a progress bar on stderr (bytes read / file size) and the report as JSON on stdout.
 * Exit code: 0 all rows imported, 1 some rows failed (or an atomic import was rolled back),
 * 2 bad usage (unknown user, missing file, wrong flag, unreadable header).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { createDatabase } from '../adapters/db/database.js';
import { migrateToLatest } from '../adapters/db/migrator.js';
import { SqlNoteStore } from '../adapters/db/note-store.js';
import { SqlNoteHistoryStore } from '../adapters/db/note-history-store.js';
import { findUserByUsername } from '../adapters/db/repositories/users.js';
import { TieredCache } from '../cache/index.js';
import { validateRefsWith } from '../domain/notes/note-refs.js';
import { NOTE_IMPORT_FORMATS, NoteService, type NoteImportFormat } from '../domain/notes/note-service.js';
import { CachedValidator } from '../domain/validation/cached-validator.js';
import { importReportView } from '../http/routes/notes/presenters.js';

export interface ImportNotesIo {
  config: Config;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Tests: read this instead of opening FILE (its size is then `totalBytes`). */
  input?: Readable;
  totalBytes?: number;
  /** Minimum time between progress redraws (default 100 ms). */
  redrawMs?: number;
}

const FORMAT_BY_EXTENSION: Record<string, NoteImportFormat> = { '.csv': 'csv', '.jsonl': 'bip329', '.json': 'electrum' };

function megabytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function progressLine(bytes: number, total: number | undefined, width = 30): string {
  if (!total) return `imported ${megabytes(bytes)}`;
  const share = Math.min(bytes / total, 1);
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${megabytes(bytes)} / ${megabytes(total)}`;
}

class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly onBytes: (bytes: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
    callback(null, chunk);
  }
}

export async function importNotesCommand(
  flags: Record<string, string | boolean | undefined>,
  positionals: string[],
  io: ImportNotesIo,
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const fail = (message: string) => (stderr.write(`satchel import-notes: ${message}\n`), 2);

  const file = positionals[0];
  if (!file && !io.input) return fail('give the file to import: satchel import-notes FILE --user NAME');
  const username = flags.user;
  if (typeof username !== 'string' || username === '') return fail('--user NAME is required');
  const format = flags.format ?? (file ? FORMAT_BY_EXTENSION[extname(file).toLowerCase()] : undefined) ?? 'csv';
  if (typeof format !== 'string' || !(NOTE_IMPORT_FORMATS as readonly string[]).includes(format)) {
    return fail(`--format must be one of ${NOTE_IMPORT_FORMATS.join('|')}`);
  }
  const mode = flags.mode ?? 'partial';
  if (mode !== 'partial' && mode !== 'atomic') return fail('--mode must be partial or atomic');

  let totalBytes = io.totalBytes;
  if (!io.input) {
    try {
      const info = await stat(file!);
      if (!info.isFile()) return fail(`${file} is not a file`);
      totalBytes = info.size;
    } catch {
      return fail(`cannot read ${file}`);
    }
  }

  const database = await createDatabase(io.config.storage);
  const cache = new TieredCache({});
  try {
    await migrateToLatest(database);
    const user = await findUserByUsername(database.db, username.trim());
    if (!user) return fail(`no user named ${JSON.stringify(username)}`);
    const notes = new NoteService({
      store: new SqlNoteStore(database.db, database.dialect),
      validateRefs: validateRefsWith(new CachedValidator(cache)),
      // Recorded in the note history like the server's imports: the report's importId can be undone.
      history: new SqlNoteHistoryStore(database.db, database.dialect),
    });

    const redrawMs = io.redrawMs ?? 100;
    let lastDraw = 0;
    const draw = (bytes: number, force = false) => {
      const now = Date.now();
      if (!force && now - lastDraw < redrawMs) return;
      lastDraw = now;
      stderr.write(`\r${progressLine(bytes, totalBytes)}`);
    };
    const counter = new ByteCounter((bytes) => draw(bytes));
    const source = io.input ?? createReadStream(file!);
    source.on('error', (error: Error) => counter.destroy(error));
    draw(0, true);
    let report;
    try {
      report = await notes.import(user.id, source.pipe(counter), {
        format: format as NoteImportFormat,
        mode,
        ...(totalBytes === undefined ? {} : { totalBytes }),
        actor: { via: 'api', username: user.username },
      });
    } catch (error) {
      stderr.write('\n');
      if (error instanceof AppError && error.status < 500) {
        const detail = (error.extra.errors ?? [])
          .filter((e) => e.message !== error.detail)
          .map((e) => `\n  line ${e.line ?? '?'}: ${e.message}`)
          .join('');
        return fail(`${error.detail ?? error.title}${detail}`);
      }
      throw error;
    }
    draw(counter.bytes, true);
    stderr.write('\n');
    stdout.write(`${JSON.stringify(importReportView(report))}\n`);
    return report.failed > 0 || report.rolledBack ? 1 : 0;
  } finally {
    await cache.close();
    await database.close();
  }
}
