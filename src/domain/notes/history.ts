/**
 * Note history (issue 10): every change of a note's text is kept — old text, new text, who, when and
 * how (`ui` = a browser session, `api` = a bearer token, `import` = an import, with its job) — and an
 * earlier text can be restored; a whole import can be undone. These are the types and the storage port;
 * the SQL lives in src/adapters/db/repositories/note-history.ts. History covers the label (the note's
 * text): BIP-329 `origin`/`spendable` changes are not versioned.
 */

export type NoteChangeSource = 'ui' | 'api' | 'import';
export type NoteChangeKind = 'edit' | 'delete' | 'import' | 'restore' | 'undo';

/** Who asks for a change, as the HTTP layer (or the CLI) saw it. */
export interface NoteActor {
  /** `ui`: a browser session (cookie); `api`: a bearer token (a login token or a named API token). */
  via: 'ui' | 'api';
  username: string;
  /** The named API token, when one was used. */
  tokenId?: string;
}

/** What the store's writes are recorded under (an id of `note_changes`). */
export interface NoteChangeRef {
  id: number;
}

export interface NewNoteChange {
  kind: NoteChangeKind;
  source: NoteChangeSource;
  actor: string | null;
  tokenId?: string;
  jobId?: string;
  /** An undo: the import it reverses. */
  undoes?: number;
}

export interface NoteHistoryEntry {
  id: number;
  kind: NoteChangeKind;
  source: NoteChangeSource;
  actor: string | null;
  /** null: the change created the note. */
  oldNote: string | null;
  /** null: the change deleted the note. */
  newNote: string | null;
  /** The import this entry belongs to (kind import) or undid (kind undo). */
  importId?: number;
  jobId?: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface NoteHistoryPage {
  items: NoteHistoryEntry[];
  next?: string;
}

export interface NoteImportRecord {
  id: number;
  jobId: string | null;
  undoneBy: number | null;
  createdAt: number;
}

/** A note an undo left alone because someone changed it after the import. */
export interface SkippedNote {
  type: string;
  ref: string;
  note: string;
}

export interface ImportUndoResult {
  importId: number;
  undoId: number;
  /** Notes put back to their text before the import. */
  restored: number;
  /** Notes the import had created, deleted. */
  deleted: number;
  /** Notes changed since the import (or deleted since): left as they are. */
  skipped: number;
  /** The first MAX_SKIPPED_LISTED of them that still exist. */
  skippedNotes: SkippedNote[];
}

export const MAX_SKIPPED_LISTED = 1_000;

/** The storage port. Every call is owner-scoped. */
export interface NoteHistoryStore {
  /** Records one act; the note store's writes given its ref write their history rows under it. */
  begin(userId: string, change: NewNoteChange, now: number): Promise<NoteChangeRef>;
  /** Drops an act that changed nothing (an unchanged PUT). */
  discard(userId: string, change: NoteChangeRef): Promise<void>;
  /** A note's history, newest first, keyset-paged. */
  list(userId: string, noteId: number, query: { cursor?: string; limit: number }): Promise<NoteHistoryPage>;
  entry(userId: string, noteId: number, entryId: number): Promise<NoteHistoryEntry | null>;
  findImport(userId: string, importId: number): Promise<NoteImportRecord | null>;
  /**
   * Puts every note the import changed back to its text before it and deletes the notes it created,
   * skipping notes changed since by anything else; recorded under `undo`. One transaction. null: the
   * import was undone already (also by a concurrent call).
   */
  undoImport(userId: string, importId: number, undo: NewNoteChange, now: number): Promise<ImportUndoResult | null>;
}

/** The source a request's changes are recorded with. */
export function sourceOf(actor: NoteActor): NoteChangeSource {
  return actor.via;
}
