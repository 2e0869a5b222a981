/**
 * The notes use cases (SPEC: Notes), owner-scoped by user id: another user's note is simply not
 * found. Routes and jobs call these; storage and validation come in through the ports.
 */
import type { Readable } from 'node:stream';
import { AppError, type ProblemItem } from '../../errors.js';
import { importBip329Notes, exportBip329 } from './bip329.js';
import { exportNotesCsv } from './csv-export.js';
import { importCsvNotes, type CsvColumnChoice } from './csv-import.js';
import { importElectrumLabels } from './electrum-json.js';
import { previewNoteImport, type NoteImportPreview, type PreviewRequest } from './import-preview.js';
import type { NoteImportOptions } from './import-pipeline.js';
import type { NoteActor, NoteChangeKind, NoteChangeRef, NoteHistoryStore } from './history.js';
import { checkNoteFields } from './note-fields.js';
import { checkRefs } from './note-refs.js';
import {
  isNoteType,
  type ImportCheckpoint,
  type ImportMode,
  type ImportProgress,
  type Note,
  type NoteImportReport,
  type NotePage,
  type NoteStore,
  type NoteType,
  type UpsertOutcome,
  type ValidateRefs,
} from './types.js';

export const NOTE_IMPORT_FORMATS = ['csv', 'bip329', 'electrum'] as const;
export type NoteImportFormat = (typeof NOTE_IMPORT_FORMATS)[number];
export const NOTE_EXPORT_FORMATS = ['csv', 'bip329'] as const;
export type NoteExportFormat = (typeof NOTE_EXPORT_FORMATS)[number];

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;
/** Labels are ≤ 255 characters, so a longer query cannot match anything. */
export const MAX_QUERY_LENGTH = 255;

export interface NoteServiceDeps {
  store: NoteStore;
  validateRefs: ValidateRefs;
  /** Note history (history.ts); without it changes are not recorded. */
  history?: NoteHistoryStore;
  now?: () => number;
}

/** PUT sets the label; origin and spendable are changed only when given. */
export interface PutNoteInput {
  label: string;
  origin?: string;
  spendable?: boolean;
}

export interface ImportRequest {
  format: NoteImportFormat;
  mode?: ImportMode;
  totalBytes?: number;
  onProgress?: (progress: ImportProgress) => void;
  batchSize?: number;
  /** CSV only: the columns the user chose (import preview); the rest are detected. */
  columns?: CsvColumnChoice;
  /** Who imports (note history). */
  actor?: NoteActor;
  /** The job running the import (note history). */
  jobId?: string;
  /** Stops the import between batches (a job released on shutdown). */
  signal?: AbortSignal;
  /** Partial mode: where an earlier run of this import stopped (its last commit). */
  resume?: ImportCheckpoint;
  /** Partial mode: called after each commit with where the import stands. */
  onCommit?: (checkpoint: ImportCheckpoint) => Promise<void>;
}

function invalid(detail: string, errors: ProblemItem[]): AppError {
  return new AppError('invalid_input', detail, { errors });
}

export class NoteService {
  constructor(private readonly deps: NoteServiceDeps) {}

  private noteType(type: string): NoteType {
    if (isNoteType(type)) return type;
    throw invalid(`unknown note type ${JSON.stringify(type.slice(0, 40))}`, [
      { field: 'type', code: 'unknown_type', message: 'type must be one of tx, addr, pubkey, input, output, xpub' },
    ]);
  }

  /** The stored form of a ref (lower-case txid, canonical vout, normalized address) or a 400. */
  async normalizeRef(type: string, ref: string): Promise<{ type: NoteType; ref: string }> {
    const noteType = this.noteType(type);
    if (ref.length === 0) throw invalid('ref is empty', [{ field: 'ref', code: 'empty', message: 'ref is empty' }]);
    const [answer] = await checkRefs(this.deps.validateRefs, [{ type: noteType, ref }]);
    if (answer?.ref === undefined) throw invalid(`invalid ${noteType} ref`, answer?.problems ?? []);
    return { type: noteType, ref: answer.ref };
  }

  /** Records an act in the note history (when kept); the store's writes are recorded under it. */
  private async beginChange(userId: string, kind: NoteChangeKind, actor: NoteActor | undefined, jobId?: string): Promise<NoteChangeRef | undefined> {
    const { history } = this.deps;
    if (!history) return undefined;
    return history.begin(
      userId,
      {
        kind,
        source: kind === 'import' ? 'import' : (actor?.via ?? 'api'),
        actor: actor?.username ?? null,
        ...(actor?.tokenId === undefined ? {} : { tokenId: actor.tokenId }),
        ...(jobId === undefined ? {} : { jobId }),
      },
      (this.deps.now ?? Date.now)(),
    );
  }

  /** PUT /api/notes/:type/:ref — creates or replaces the note (`restore`: an earlier text put back). */
  async put(
    userId: string,
    type: string,
    ref: string,
    input: PutNoteInput,
    actor?: NoteActor,
    kind: 'edit' | 'restore' = 'edit',
  ): Promise<{ note: Note; outcome: UpsertOutcome }> {
    const checked = checkNoteFields({ type, ref, ...input });
    if (!checked.fields) throw invalid('the note is not valid', checked.problems);
    const normalized = await this.normalizeRef(type, ref);
    const draft = { ...checked.fields, ref: normalized.ref };
    const change = await this.beginChange(userId, kind, actor);
    const [outcome] = await this.deps.store.upsert(userId, [draft], change);
    // The act is dropped when it changed no text (an unchanged PUT, or origin/spendable only).
    if (change && outcome !== 'inserted') await this.deps.history?.discard(userId, change);
    const note = await this.deps.store.get(userId, draft.type, draft.ref);
    if (!note || !outcome) throw new Error('note vanished right after it was written');
    return { note, outcome };
  }

  async get(userId: string, type: string, ref: string): Promise<Note> {
    const key = await this.normalizeRef(type, ref);
    const note = await this.deps.store.get(userId, key.type, key.ref);
    if (!note) throw new AppError('not_found', 'no such note');
    return note;
  }

  async delete(userId: string, type: string, ref: string, actor?: NoteActor): Promise<void> {
    const key = await this.normalizeRef(type, ref);
    const change = await this.beginChange(userId, 'delete', actor);
    if (!(await this.deps.store.delete(userId, key.type, key.ref, change))) {
      if (change) await this.deps.history?.discard(userId, change);
      throw new AppError('not_found', 'no such note');
    }
  }

  /** GET /api/notes?type=&q=&cursor=&limit= — a search when `q` is non-empty, else the newest notes. */
  async list(userId: string, query: { type?: string; q?: string; cursor?: string; limit?: number }): Promise<NotePage> {
    const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const base = {
      limit,
      ...(query.type === undefined ? {} : { type: this.noteType(query.type) }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    };
    const q = query.q ?? '';
    if (q.length > MAX_QUERY_LENGTH) {
      throw invalid('search query too long', [{ field: 'q', code: 'too_long', message: `q is longer than ${MAX_QUERY_LENGTH} characters` }]);
    }
    if (q.includes('\u0000')) {
      throw invalid('search query contains NUL', [{ field: 'q', code: 'invalid_characters', message: 'q contains a NUL character' }]);
    }
    return q === '' ? this.deps.store.list(userId, base) : this.deps.store.search(userId, { ...base, q });
  }

  async import(userId: string, input: Readable, request: ImportRequest): Promise<NoteImportReport> {
    // Every import is one act in the note history; its id is the report's importId (undo). A resumed
    // run goes on writing under the act its first run began.
    const resumed = request.resume?.changeId;
    const change = resumed !== undefined && this.deps.history ? { id: resumed } : await this.beginChange(userId, 'import', request.actor, request.jobId);
    const report = await this.importRecorded(userId, input, request, change);
    return change ? { ...report, importId: String(change.id) } : report;
  }

  private importRecorded(userId: string, input: Readable, request: ImportRequest, change: NoteChangeRef | undefined): Promise<NoteImportReport> {
    const options: NoteImportOptions & { batchSize?: number } = {
      userId,
      ...(change ? { change } : {}),
      mode: request.mode ?? 'partial',
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      ...(request.totalBytes === undefined ? {} : { totalBytes: request.totalBytes }),
      ...(request.batchSize === undefined ? {} : { batchSize: request.batchSize }),
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.resume ? { resume: request.resume } : {}),
      ...(request.onCommit ? { onCommit: request.onCommit } : {}),
    };
    switch (request.format) {
      case 'csv':
        return importCsvNotes(input, this.deps, request.columns ? { ...options, columns: request.columns } : options);
      case 'bip329':
        return importBip329Notes(input, this.deps, options);
      case 'electrum':
        return importElectrumLabels(input, this.deps, options);
    }
  }

  /** POST /api/notes/import/preview — what an import of the file whose start this is would do; stores nothing. */
  preview(sample: Buffer, request: PreviewRequest): Promise<NoteImportPreview> {
    return previewNoteImport(sample, request, this.deps.validateRefs);
  }

  /** The owner's notes as a stream of text chunks (CSV or BIP-329 JSONL). */
  export(userId: string, format: NoteExportFormat, options: { type?: NoteType } = {}): AsyncGenerator<string> {
    const notes = this.deps.store.streamAll(userId, options);
    return format === 'csv' ? exportNotesCsv(notes) : exportBip329(notes);
  }
}
