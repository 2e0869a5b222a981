/**
 * Every error leaves as application/problem+json (SPEC: HTTP API). Fastify's own errors (schema,
 * body parsing, size, media type) are mapped onto the catalogue; anything unexpected becomes a bare 500
 * whose body carries no stack, SQL or secret — the log keeps the cause.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { databaseUnavailable } from '../../adapters/db/unavailable.js';
import { AppError, problemBody, type ProblemItem } from '../../errors.js';

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/values/3` → field "values[3]"; a missing or unknown property names itself. */
function fieldOf(error: AjvError, context: string): string {
  const path = (error.instancePath ?? '')
    .split('/')
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
  const property =
    (error.params?.missingProperty as string | undefined) ?? (error.params?.additionalProperty as string | undefined);
  const base = property ? (path ? `${path}.${property}` : property) : path;
  return base || context;
}

const KEYWORD_CODES: Record<string, string> = {
  required: 'required',
  additionalProperties: 'unknown_property',
  type: 'wrong_type',
  enum: 'not_allowed',
  maxItems: 'too_many_items',
  minItems: 'too_few_items',
  maxLength: 'too_long',
  minLength: 'too_short',
  maximum: 'out_of_range',
  minimum: 'out_of_range',
  pattern: 'invalid_format',
  format: 'invalid_format',
};

function schemaProblem(error: FastifyError & { validation: AjvError[]; validationContext?: string }): AppError {
  const items: ProblemItem[] = error.validation.map((v) => {
    const field = fieldOf(v, error.validationContext ?? 'body');
    const code = KEYWORD_CODES[v.keyword ?? ''] ?? 'invalid';
    let message = `${field} ${v.message ?? 'is invalid'}`;
    if (v.keyword === 'additionalProperties') message = `${field} is not a known property`;
    if (v.keyword === 'enum' && Array.isArray(v.params?.allowedValues)) {
      message = `${field} must be one of ${(v.params.allowedValues as unknown[]).join(', ')}`;
    }
    return { field, code, message };
  });
  const first = items[0];
  return new AppError('invalid_input', first ? first.message : 'The request does not match its schema', { errors: items });
}

/** The database cannot serve right now (restart, outage, pool exhausted): a fast 503 the client may retry. */
function databaseDown(error: unknown): AppError | undefined {
  if (!databaseUnavailable(error)) return undefined;
  return new AppError('dependency_down', 'The database is unavailable right now; try again shortly', {
    cause: error,
    headers: { 'retry-after': '2' },
  });
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return (error.code === 'internal' && databaseDown(error.extra.cause)) || error;
  const down = databaseDown(error);
  if (down) return down;
  const e = error as FastifyError & { validation?: AjvError[]; validationContext?: string; type?: string };
  if (e && Array.isArray(e.validation)) return schemaProblem(e as FastifyError & { validation: AjvError[] });
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The request body is larger than this route accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_json', 'The JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('invalid_json', 'The body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_TYPE':
      return new AppError('unsupported_media_type', 'The Content-Type header is not valid');
    case 'FST_ERR_NOT_FOUND':
      return new AppError('not_found');
    default:
      break;
  }
  if (typeof e?.code === 'string' && e.code.startsWith('FST_CSRF_')) {
    return new AppError('csrf_rejected', `Send the token from GET /api/auth/csrf in the ${'x-csrf-token'} header`);
  }
  if (e instanceof SyntaxError || e?.type === 'entity.parse.failed') {
    return new AppError('invalid_json', 'The body is not valid JSON');
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status === 429) return new AppError('rate_limited', 'Too many requests; try again later');
  if (status === 413) return new AppError('payload_too_large');
  if (status === 415) return new AppError('unsupported_media_type');
  if (status === 404) return new AppError('not_found');
  if (status >= 400 && status < 500) return new AppError('invalid_input', 'The request could not be understood');
  return new AppError('internal', 'Something went wrong on our side; it has been logged', { cause: error });
}

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.extra.headers) reply.headers(error.extra.headers);
  return reply.code(error.status).type('application/problem+json').send(problemBody(error));
}

async function problemErrors(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toAppError(error);
    if (problem.code === 'dependency_down') request.log.warn({ err: error }, 'request failed: dependency down');
    else if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.debug({ code: problem.code }, 'request refused');
    return sendProblem(reply, problem);
  });
}

export default fp(problemErrors, { name: 'problem-errors' });
