/**
 * Note history routes (issue 10): a note's history, restoring an earlier text, undoing an import.
 * Registered by the notes route plugin; thin: NoteHistoryService decides. A change's source is the
 * credential that made it: a browser session cookie is `ui`, a bearer token `api`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ImportUndoResult, NoteActor, NoteHistoryEntry } from '../../../domain/notes/history.js';
import type { NoteHistoryService } from '../../../domain/notes/note-history-service.js';
import type { NoteType } from '../../../domain/notes/types.js';
import { pageQueryProperties, pageRequest, type PageQuery } from '../../paging.js';
import { principalOf } from '../auth/routes.js';
import { pageView } from '../auth/presenters.js';
import { noteView } from './presenters.js';
import { noteParams } from './schemas.js';

/** Who makes the change, for the note history. */
export function noteActorOf(request: FastifyRequest): NoteActor {
  const principal = principalOf(request);
  return {
    via: principal.via === 'cookie' ? 'ui' : 'api',
    username: principal.username,
    ...(principal.tokenId === undefined ? {} : { tokenId: principal.tokenId }),
  };
}

export function historyEntryView(entry: NoteHistoryEntry) {
  return {
    id: String(entry.id),
    kind: entry.kind,
    oldNote: entry.oldNote,
    newNote: entry.newNote,
    source: entry.source,
    actor: entry.actor,
    ...(entry.jobId === undefined ? {} : { jobId: entry.jobId }),
    ...(entry.importId === undefined ? {} : { importId: String(entry.importId) }),
    at: new Date(entry.at).toISOString(),
  };
}

export function importUndoView(result: ImportUndoResult) {
  return {
    importId: String(result.importId),
    undoId: String(result.undoId),
    restored: result.restored,
    deleted: result.deleted,
    skipped: result.skipped,
    skippedNotes: result.skippedNotes,
  };
}

const numericId = { type: 'string', minLength: 1, maxLength: 20 } as const;

const historyQuery = { type: 'object', additionalProperties: false, properties: { ...pageQueryProperties } } as const;

const entryParams = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'ref', 'id'],
  properties: { ...noteParams.properties, id: numericId },
} as const;

const importParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: numericId } } as const;

export function registerNoteHistoryRoutes(app: FastifyInstance, history: NoteHistoryService): void {
  const read = { access: 'user', scope: 'read' } as const;
  const write = { access: 'user', scope: 'write' } as const;

  app.get<{ Params: { type: NoteType; ref: string }; Querystring: PageQuery }>(
    '/api/notes/:type/:ref/history',
    { schema: { params: noteParams, querystring: historyQuery }, config: read },
    async (request) => {
      const { type, ref } = request.params;
      return pageView(await history.list(principalOf(request).userId, type, ref, pageRequest(request.query)), historyEntryView);
    },
  );

  app.post<{ Params: { type: NoteType; ref: string; id: string } }>(
    '/api/notes/:type/:ref/history/:id/restore',
    { schema: { params: entryParams }, config: write },
    async (request) => {
      const { type, ref, id } = request.params;
      const { note, changed } = await history.restore(principalOf(request).userId, type, ref, id, noteActorOf(request));
      return { note: noteView(note), changed };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/notes/imports/:id/undo',
    { schema: { params: importParams }, config: write },
    async (request) => importUndoView(await history.undoImport(principalOf(request).userId, request.params.id, noteActorOf(request))),
  );
}
