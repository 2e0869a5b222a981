/**
 * POST /api/notes/import/preview (issue 10): the start of a file in, what its import would do out —
 * header, column mapping (detected or chosen), the first rows as parsed and the errors so far — storing
 * nothing. Registered by routes.ts inside the import's context, where every body arrives as a stream.
 * Also the `?refColumn=&noteColumn=&typeColumn=` options both routes take.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../errors.js';
import { CSV_COLUMN_OPTIONS, type CsvColumnChoice } from '../../../domain/notes/csv-import.js';
import { MAX_PREVIEW_BYTES } from '../../../domain/notes/import-preview.js';
import type { NoteImportFormat, NoteService } from '../../../domain/notes/note-service.js';
import { noteImportPreviewQuery } from './schemas.js';

export type CsvColumnQuery = { refColumn?: string; noteColumn?: string; typeColumn?: string };

/** The CSV columns a query chose, or undefined; a column option on another format is a 400 naming it. */
export function csvColumnChoiceOf(query: CsvColumnQuery, format: NoteImportFormat): CsvColumnChoice | undefined {
  const choice: CsvColumnChoice = {};
  for (const option of CSV_COLUMN_OPTIONS) {
    const value = query[option];
    if (value === undefined) continue;
    if (format !== 'csv') {
      throw new AppError('invalid_input', `${option} applies to CSV imports only`, {
        errors: [{ field: option, code: 'not_allowed', message: `${option} applies to CSV imports only, not ${format}` }],
      });
    }
    choice[option] = value;
  }
  return Object.keys(choice).length > 0 ? choice : undefined;
}

async function readSample(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) {
      body.resume(); // drained, not destroyed: the 413 goes out on this socket
      throw tooLarge(limit);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `A preview takes the first ${limit} bytes of a file at most; send its start only`);
}

type PreviewQuery = CsvColumnQuery & { format?: NoteImportFormat; truncated?: string };

export interface NotePreviewRouteOptions {
  notes: NoteService;
  /** Content types an import body may have, and the format each implies when `?format=` is absent. */
  mediaTypes: readonly string[];
  defaultFormatOf: Readonly<Record<string, NoteImportFormat>>;
}

export function registerNotePreviewRoute(files: FastifyInstance, options: NotePreviewRouteOptions): void {
  files.post<{ Querystring: PreviewQuery; Body: Readable }>(
    '/api/notes/import/preview',
    // Stores nothing, but it is a step of an import: the same scope as the import.
    { schema: { querystring: noteImportPreviewQuery }, bodyLimit: MAX_PREVIEW_BYTES, config: { access: 'user', scope: 'write' } },
    async (request) => {
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!options.mediaTypes.includes(mediaType)) {
        throw new AppError('unsupported_media_type', `Send the file as ${options.mediaTypes.join(', ')} (got ${mediaType || 'none'})`);
      }
      const length = Number(request.headers['content-length']);
      if (Number.isSafeInteger(length) && length > MAX_PREVIEW_BYTES) throw tooLarge(MAX_PREVIEW_BYTES);
      const format = request.query.format ?? options.defaultFormatOf[mediaType]!;
      const columns = csvColumnChoiceOf(request.query, format);
      const body = request.body instanceof Readable ? request.body : Readable.from([]);
      const sample = await readSample(body, MAX_PREVIEW_BYTES);
      const truncated = request.query.truncated === '1' || request.query.truncated === 'true';
      return options.notes.preview(sample, { format, truncated, ...(columns ? { columns } : {}) });
    },
  );
}
