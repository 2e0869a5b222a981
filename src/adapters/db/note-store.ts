/**
 * The notes domain's NoteStore port on Kysely (SQLite or PostgreSQL). Thin: each method is one
 * repository call; `transaction(fn)` hands `fn` a store bound to the transaction (an atomic import).
 */
import type {
  Note,
  NoteDraft,
  NoteListQuery,
  NotePage,
  NoteSearchQuery,
  NoteStore,
  NoteType,
  UpsertOutcome,
} from '../../domain/notes/types.js';
import type { NoteChangeRef } from '../../domain/notes/history.js';
import type { DialectName } from './dialect.js';
import { deleteNoteRecorded } from './repositories/note-history.js';
import { deleteNote, getNote, listNotes, streamNotes, upsertNotes } from './repositories/notes.js';
import type { Db } from './schema.js';

/**
 * SQLite: rows per import commit. Each commit writes every index page it dirtied to the WAL, and
 * random txids dirty about one unique-index page per row at 5,000 rows; at 20,000 a page takes
 * several rows, so the raw insert of 1,000,000 random txids runs ~2× faster (bench/results/notes-import.json).
 * The price: other requests of this process wait for such a commit, ~0.5 s at 1,000,000 notes on this VM.
 * PostgreSQL commits a batch at a time: its writers do not queue behind one connection.
 */
export const SQLITE_ROWS_PER_COMMIT = 20_000;

export class SqlNoteStore implements NoteStore {
  readonly rowsPerCommit: number | undefined;

  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
    private readonly clock: () => number = Date.now,
  ) {
    this.rowsPerCommit = dialect === 'sqlite' ? SQLITE_ROWS_PER_COMMIT : undefined;
  }

  upsert(userId: string, rows: readonly NoteDraft[], change?: NoteChangeRef): Promise<UpsertOutcome[]> {
    return upsertNotes(this.db, this.dialect, userId, rows, this.clock(), change?.id);
  }

  get(userId: string, type: NoteType, ref: string): Promise<Note | null> {
    return getNote(this.db, userId, type, ref);
  }

  delete(userId: string, type: NoteType, ref: string, change?: NoteChangeRef): Promise<boolean> {
    return change ? deleteNoteRecorded(this.db, userId, type, ref, change.id) : deleteNote(this.db, userId, type, ref);
  }

  list(userId: string, query: NoteListQuery): Promise<NotePage> {
    return listNotes(this.db, this.dialect, userId, query);
  }

  search(userId: string, query: NoteSearchQuery): Promise<NotePage> {
    return listNotes(this.db, this.dialect, userId, query);
  }

  streamAll(userId: string, options: { type?: NoteType } = {}): AsyncIterable<Note> {
    return streamNotes(this.db, userId, options);
  }

  transaction<T>(fn: (store: NoteStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new SqlNoteStore(trx, this.dialect, this.clock)));
  }
}
