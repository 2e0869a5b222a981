/** The notes domain's NoteHistoryStore port on Kysely (SQLite or PostgreSQL); SQL in repositories/note-history.ts. */
import type {
  ImportUndoResult,
  NewNoteChange,
  NoteChangeRef,
  NoteHistoryEntry,
  NoteHistoryPage,
  NoteHistoryStore,
  NoteImportRecord,
} from '../../domain/notes/history.js';
import type { DialectName } from './dialect.js';
import { discardChange, findImport, findJobImport, getNoteHistoryEntry, insertChange, listNoteHistory, undoImport } from './repositories/note-history.js';
import type { Db } from './schema.js';

export class SqlNoteHistoryStore implements NoteHistoryStore {
  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
  ) {}

  async begin(userId: string, change: NewNoteChange, now: number): Promise<NoteChangeRef> {
    // A job is run again from the start when its instance died: the rerun records into the same import,
    // so one undo reverses both runs' writes.
    if (change.kind === 'import' && change.jobId !== undefined) {
      const earlier = await findJobImport(this.db, userId, change.jobId);
      if (earlier) return earlier;
    }
    return insertChange(this.db, userId, change, now);
  }

  discard(userId: string, change: NoteChangeRef): Promise<void> {
    return discardChange(this.db, userId, change.id);
  }

  list(userId: string, noteId: number, query: { cursor?: string; limit: number }): Promise<NoteHistoryPage> {
    return listNoteHistory(this.db, userId, noteId, query);
  }

  entry(userId: string, noteId: number, entryId: number): Promise<NoteHistoryEntry | null> {
    return getNoteHistoryEntry(this.db, userId, noteId, entryId);
  }

  findImport(userId: string, importId: number): Promise<NoteImportRecord | null> {
    return findImport(this.db, userId, importId);
  }

  undoImport(userId: string, importId: number, undo: NewNoteChange, now: number): Promise<ImportUndoResult | null> {
    return undoImport(this.db, this.dialect, userId, importId, undo, now);
  }
}
