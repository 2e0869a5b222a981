/**
 * /api/notes/* (SPEC: Notes): one note by (type, ref), the owner's list and search, streamed import
 * (CSV, BIP-329 JSONL, Electrum JSON) up to a body limit, and streamed export. `?async=1` spools the
 * upload into the database and imports it in a job (GET /api/jobs/:id, GET /api/jobs/:id/events).
 * Thin: the note service and the job service decide.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../../errors.js';
import type { NoteExportFormat, NoteImportFormat, NoteService } from '../../../domain/notes/note-service.js';
import type { ImportMode, NoteType } from '../../../domain/notes/types.js';
import type { JobService } from '../../../domain/jobs/job-service.js';
import { pageRequest, type PageQuery } from '../../paging.js';
import { principalOf } from '../auth/routes.js';
import { pageView } from '../auth/presenters.js';
import type { NoteHistoryService } from '../../../domain/notes/note-history-service.js';
import { noteActorOf, registerNoteHistoryRoutes } from './history.js';
import { importReportView, noteView } from './presenters.js';
import { registerJobRoutes } from './job-routes.js';
import { csvColumnChoiceOf, registerNotePreviewRoute, type CsvColumnQuery } from './preview.js';
import { noteBody, noteExportQuery, noteImportQuery, noteListQuery, noteParams } from './schemas.js';

/** SPEC: imports up to 200 MB. */
export const NOTE_IMPORT_BODY_LIMIT = 200 * 1024 * 1024;

/** Content types an import body may have; the format comes from `?format=`. */
const IMPORT_MEDIA_TYPES = ['text/csv', 'application/jsonl', 'application/x-ndjson', 'application/json'];
const DEFAULT_FORMAT_OF: Record<string, NoteImportFormat> = {
  'text/csv': 'csv',
  'application/jsonl': 'bip329',
  'application/x-ndjson': 'bip329',
  'application/json': 'electrum',
};

export interface NoteRoutesOptions {
  notes: NoteService;
  /** Async imports (`?async=1`) and GET /api/jobs/:id; without it `async=1` is refused. */
  jobs?: JobService;
  /** Largest import body in bytes (default 200 MB); tests use a small one. */
  importBodyLimit?: number;
  /** Note history (issue 10): GET …/history, restore, import undo; changes are recorded with it. */
  history?: NoteHistoryService;
}

function tooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `The import file is larger than ${limit} bytes`);
}

/** Passes bytes through and fails with a 413 past `limit` (a chunked upload has no Content-Length). */
class ByteLimit extends Transform {
  bytes = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) callback(tooLarge(this.limit));
    else callback(null, chunk);
  }
}

function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

type ImportQuery = CsvColumnQuery & { format?: NoteImportFormat; mode?: ImportMode; async?: string };

export function noteRoutes(options: NoteRoutesOptions) {
  const { notes, jobs } = options;
  const limit = options.importBodyLimit ?? NOTE_IMPORT_BODY_LIMIT;

  return async function noteRoutesPlugin(app: FastifyInstance): Promise<void> {
    const read = { access: 'user', scope: 'read' } as const;
    const write = { access: 'user', scope: 'write' } as const;

    app.put<{ Params: { type: NoteType; ref: string }; Body: { note: string; origin?: string; spendable?: boolean } }>(
      '/api/notes/:type/:ref',
      { schema: { params: noteParams, body: noteBody }, config: write },
      async (request, reply) => {
        const { note: label, origin, spendable } = request.body;
        const input = { label, ...(origin === undefined ? {} : { origin }), ...(spendable === undefined ? {} : { spendable }) };
        const { note, outcome } = await notes.put(principalOf(request).userId, request.params.type, request.params.ref, input, noteActorOf(request));
        return reply.code(outcome === 'inserted' ? 201 : 200).send(noteView(note));
      },
    );

    app.get<{ Params: { type: NoteType; ref: string } }>(
      '/api/notes/:type/:ref',
      { schema: { params: noteParams }, config: read },
      async (request) => noteView(await notes.get(principalOf(request).userId, request.params.type, request.params.ref)),
    );

    app.delete<{ Params: { type: NoteType; ref: string } }>(
      '/api/notes/:type/:ref',
      { schema: { params: noteParams }, config: write },
      async (request, reply) => {
        await notes.delete(principalOf(request).userId, request.params.type, request.params.ref, noteActorOf(request));
        return reply.code(204).send();
      },
    );

    if (options.history) registerNoteHistoryRoutes(app, options.history);

    app.get<{ Querystring: PageQuery & { type?: NoteType; q?: string } }>(
      '/api/notes',
      { schema: { querystring: noteListQuery }, config: read },
      async (request) => {
        const { type, q } = request.query;
        const page = await notes.list(principalOf(request).userId, {
          ...pageRequest(request.query),
          ...(type === undefined ? {} : { type }),
          ...(q === undefined ? {} : { q }),
        });
        return pageView(page, noteView);
      },
    );

    app.get<{ Querystring: { format?: NoteExportFormat; type?: NoteType } }>(
      '/api/notes/export',
      { schema: { querystring: noteExportQuery }, config: read },
      async (request, reply) => {
        const format = request.query.format ?? 'csv';
        const { type } = request.query;
        const chunks = notes.export(principalOf(request).userId, format, type === undefined ? {} : { type });
        const stamp = new Date().toISOString().slice(0, 10);
        const [ext, mediaType] = format === 'csv' ? ['csv', 'text/csv; charset=utf-8'] : ['jsonl', 'application/jsonl; charset=utf-8'];
        reply.header('content-disposition', `attachment; filename="satchel-notes-${stamp}.${ext}"`);
        reply.header('cache-control', 'no-store');
        reply.type(mediaType);
        return reply.send(Readable.from(chunks));
      },
    );

    // The import route lives in its own context: every body is handed over as a stream, unread.
    await app.register(async (files) => {
      files.removeAllContentTypeParsers();
      files.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

      files.post<{ Querystring: ImportQuery; Body: Readable }>(
        '/api/notes/import',
        { schema: { querystring: noteImportQuery }, bodyLimit: limit, config: write },
        async (request, reply) => {
          const mediaType = mediaTypeOf(request);
          if (!IMPORT_MEDIA_TYPES.includes(mediaType)) {
            throw new AppError('unsupported_media_type', `Send the file as ${IMPORT_MEDIA_TYPES.join(', ')} (got ${mediaType || 'none'})`);
          }
          const length = declaredLength(request);
          if (length !== undefined && length > limit) throw tooLarge(limit);
          const body = request.body instanceof Readable ? request.body : Readable.from([]);
          const format = request.query.format ?? DEFAULT_FORMAT_OF[mediaType]!;
          const mode = request.query.mode ?? 'partial';
          const columns = csvColumnChoiceOf(request.query, format);
          const userId = principalOf(request).userId;
          const counted = new ByteLimit(limit);

          if (request.query.async === '1' || request.query.async === 'true') {
            if (!jobs) throw new AppError('invalid_input', 'Async imports are not available on this server', { errors: [{ field: 'async', code: 'not_allowed', message: 'async imports are not available' }] });
            // The upload is spooled into the database before the 202: any instance can run the job, and it
            // survives the restart of this one.
            body.on('error', (error) => counted.destroy(error));
            const jobId = await jobs.submitNoteImport({ userId, body: body.pipe(counted), format, mode, ...(columns ? { columns } : {}), actor: noteActorOf(request) });
            return reply.code(202).send({ jobId });
          }

          body.on('error', (error) => counted.destroy(error));
          const report = await notes.import(userId, body.pipe(counted), {
            format,
            mode,
            ...(length === undefined ? {} : { totalBytes: length }),
            ...(columns ? { columns } : {}),
            actor: noteActorOf(request),
          });
          return importReportView(report);
        },
      );

      registerNotePreviewRoute(files, { notes, mediaTypes: IMPORT_MEDIA_TYPES, defaultFormatOf: DEFAULT_FORMAT_OF });
    });

    if (jobs) registerJobRoutes(app, jobs);
  };
}
