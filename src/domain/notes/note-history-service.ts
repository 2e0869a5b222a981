/**
 * The note-history use cases (issue 10): a note's history, restoring an earlier text, undoing an import.
 * Owner-scoped like every notes use case: another user's note, entry or import is simply not found.
 * Recording happens where notes are written (NoteService put/delete/import → the store).
 */
import { AppError } from '../../errors.js';
import type { ImportUndoResult, NoteActor, NoteHistoryPage, NoteHistoryStore } from './history.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type NoteService } from './note-service.js';
import type { Note } from './types.js';

export interface NoteHistoryServiceDeps {
  notes: NoteService;
  history: NoteHistoryStore;
  now?: () => number;
}

/** Ids are the database's integers, handed out as strings; anything else is simply not found. */
function idOf(value: string, what: string): number {
  const id = /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(id)) throw new AppError('not_found', `no such ${what}`);
  return id;
}

export class NoteHistoryService {
  constructor(private readonly deps: NoteHistoryServiceDeps) {}

  /** GET /api/notes/:type/:ref/history — newest first. */
  async list(userId: string, type: string, ref: string, query: { cursor?: string; limit?: number }): Promise<NoteHistoryPage> {
    const note = await this.deps.notes.get(userId, type, ref);
    const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    return this.deps.history.list(userId, note.id, { limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) });
  }

  /** POST /api/notes/:type/:ref/history/:id/restore — the note gets that entry's text back (a change itself). */
  async restore(userId: string, type: string, ref: string, entryId: string, actor: NoteActor): Promise<{ note: Note; changed: boolean }> {
    const current = await this.deps.notes.get(userId, type, ref);
    const entry = await this.deps.history.entry(userId, current.id, idOf(entryId, 'history entry'));
    if (!entry) throw new AppError('not_found', 'no such history entry');
    if (entry.newNote === null) {
      throw new AppError('conflict', 'That entry deleted the note: restore an entry that set a text', {
        errors: [{ field: 'id', code: 'nothing_to_restore', message: 'this history entry has no text' }],
      });
    }
    const { note, outcome } = await this.deps.notes.put(userId, current.type, current.ref, { label: entry.newNote }, actor, 'restore');
    return { note, changed: outcome !== 'unchanged' };
  }

  /** POST /api/notes/imports/:id/undo — every note the import changed back to its text before it. */
  async undoImport(userId: string, importId: string, actor: NoteActor): Promise<ImportUndoResult> {
    const id = idOf(importId, 'import');
    const record = await this.deps.history.findImport(userId, id);
    if (!record) throw new AppError('not_found', 'no such import');
    const undo = {
      kind: 'undo' as const,
      source: actor.via,
      actor: actor.username,
      ...(actor.tokenId === undefined ? {} : { tokenId: actor.tokenId }),
    };
    const result = record.undoneBy === null ? await this.deps.history.undoImport(userId, id, undo, (this.deps.now ?? Date.now)()) : null;
    if (!result) throw new AppError('conflict', 'This import has been undone already');
    return result;
  }
}
