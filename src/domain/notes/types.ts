/**
 * Notes on transactions, addresses, keys and outputs (BIP-329 labels) and the ports their use cases
 * need. Nothing here knows about SQL, HTTP or CSV: the store adapter lives in
 * src/adapters/db/repositories/notes.ts, the validator is the cached validator.
 */

/** BIP-329 record types. `input`/`output` refs are `txid:vout`; `pubkey` is 33-byte compressed hex. */
import type { NoteChangeRef } from './history.js';

export const NOTE_TYPES = ['tx', 'addr', 'pubkey', 'input', 'output', 'xpub'] as const;
export type NoteType = (typeof NOTE_TYPES)[number];

export function isNoteType(value: unknown): value is NoteType {
  return typeof value === 'string' && (NOTE_TYPES as readonly string[]).includes(value);
}

/**
 * A note ready to store: the ref is normalized (lower-case txid, canonical vout, normalized address).
 * A field left undefined keeps the stored value (BIP-329: "if the label or spendable properties are
 * omitted, the importing wallet should not alter these values"); a new note gets '' / null for it.
 */
export interface NoteDraft {
  type: NoteType;
  ref: string;
  label?: string;
  /** BIP-329 `origin`: the key origin / descriptor prefix the ref was derived under. */
  origin?: string;
  /** BIP-329 `spendable`: only ever set on `output` notes. */
  spendable?: boolean;
}

/** The stored values of a note. */
export interface NoteValues {
  /** '' when the note has no label. */
  label: string;
  origin: string | null;
  spendable: boolean | null;
}

/** What a draft makes of the stored values (undefined fields keep them). */
export function applyDraft(stored: NoteValues | undefined, draft: NoteDraft): NoteValues {
  return {
    label: draft.label ?? stored?.label ?? '',
    origin: draft.origin ?? stored?.origin ?? null,
    spendable: draft.spendable ?? stored?.spendable ?? null,
  };
}

export function sameValues(a: NoteValues, b: NoteValues): boolean {
  return a.label === b.label && a.origin === b.origin && a.spendable === b.spendable;
}

export interface Note extends NoteValues {
  type: NoteType;
  ref: string;
  id: number;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/** What one upsert did to one row; `unchanged` leaves `updated_at` alone. */
export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

export interface NotePage {
  items: Note[];
  next?: string;
}

export interface NoteListQuery {
  type?: NoteType;
  /** Opaque keyset cursor made by the store. */
  cursor?: string;
  limit: number;
}

export interface NoteSearchQuery extends NoteListQuery {
  /** Substring of the label, case-insensitive. */
  q: string;
}

/** The storage port. Every call is scoped to one owner; another user's notes are invisible. */
export interface NoteStore {
  /**
   * Inserts or updates many notes. Rows are applied in order, so a later row for the same
   * (type, ref) wins, also within one call; the answer has one outcome per input row, as if the rows
   * had been written one after another. A draft's undefined fields keep the stored values.
   * With `change`, the notes created and the labels changed are recorded in the note history under it.
   */
  upsert(userId: string, rows: readonly NoteDraft[], change?: NoteChangeRef): Promise<UpsertOutcome[]>;
  get(userId: string, type: NoteType, ref: string): Promise<Note | null>;
  delete(userId: string, type: NoteType, ref: string, change?: NoteChangeRef): Promise<boolean>;
  /** Newest first. */
  list(userId: string, query: NoteListQuery): Promise<NotePage>;
  /** Newest first; `q` of any length (short ones are scanned rather than indexed). */
  search(userId: string, query: NoteSearchQuery): Promise<NotePage>;
  /** Every note of the owner, oldest first, read in bounded batches (exports). */
  streamAll(userId: string, options?: { type?: NoteType }): AsyncIterable<Note>;
  /** Runs `fn` in one transaction: everything it wrote is rolled back if it throws. */
  transaction<T>(fn: (store: NoteStore) => Promise<T>): Promise<T>;
  /**
   * How many rows a partial import should write per transaction, when more than one batch pays:
   * the import then keeps checked batches until it holds this many and writes them in one
   * transaction. Undefined: one transaction per batch.
   */
  readonly rowsPerCommit?: number;
}

/** The validator types a note ref is checked with (the rest — vout, pubkey — is checked here). */
export type RefCheckType = 'txid' | 'address' | 'xpub';

export interface RefCheckResult {
  valid: boolean;
  normalized?: string;
  errors?: ReadonlyArray<{ code: string; message: string }>;
}

/**
 * The validation port: the cached validator's batch API. One result per value, in order; values are
 * checked exactly as given, on any network.
 */
export type ValidateRefs = (
  type: RefCheckType,
  values: readonly string[],
) => Promise<readonly RefCheckResult[]> | readonly RefCheckResult[];

/** One reason a row of an import was refused (SPEC: `errors:[{line, field?, code, message}]`). */
export interface NoteImportError {
  /** Physical line of the file where the record starts (1-based); entry number for Electrum JSON. */
  line: number;
  field?: string;
  code: string;
  message: string;
}

export type ImportMode = 'partial' | 'atomic';

export interface NoteImportReport {
  imported: number;
  updated: number;
  unchanged: number;
  /** Rows refused (a row with two problems counts once here, twice in errorCount). */
  failed: number;
  /** The first MAX_REPORTED_ERRORS problems, in file order. */
  errors: NoteImportError[];
  errorCount: number;
  /** Atomic mode with at least one bad row: nothing was stored, the counts above are 0. */
  rolledBack: boolean;
  /** The import's id in the note history (POST /api/notes/imports/:id/undo), when history is kept. */
  importId?: string;
}

/**
 * Where a partial import stood at its last commit, so a run cut short (a job released on shutdown, an
 * instance killed) resumes after it instead of from the start, and its report counts as one run's
 * would. Batches are counted, so a resume needs the same batch size (else it starts over).
 */
export interface ImportCheckpoint extends Pick<NoteImportReport, 'imported' | 'updated' | 'unchanged' | 'failed' | 'errors' | 'errorCount'> {
  /** Batches read and settled: written, or failed. */
  batches: number;
  batchSize: number;
  /** Rows read and bytes consumed by then (progress). */
  rows: number;
  bytes: number;
  /** The import's act in the note history: a resumed run writes under it (undo takes both runs). */
  changeId?: number;
}

export function isImportCheckpoint(value: unknown): value is ImportCheckpoint {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const counts = ['batches', 'batchSize', 'rows', 'bytes', 'imported', 'updated', 'unchanged', 'failed', 'errorCount'];
  return counts.every((k) => Number.isSafeInteger(c[k]) && (c[k] as number) >= 0) && Array.isArray(c.errors) &&
    (c.changeId === undefined || Number.isSafeInteger(c.changeId));
}

export interface ImportProgress {
  /** Rows read so far (good and bad). */
  rows: number;
  /** Bytes of the input consumed so far. */
  bytes: number;
  /** Size of the whole input when the caller knows it (Content-Length, file size). */
  totalBytes?: number;
}

export const MAX_REPORTED_ERRORS = 1_000;
