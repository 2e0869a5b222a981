/**
 * The error catalogue: every stable problem code defined once with its HTTP status and title.
 * Domain code throws AppError with a code; the HTTP layer turns it into application/problem+json
 * (SPEC: `{type, title, status, detail, errors?}`). test/unit/errors.test.ts checks every code is documented.
 */

export const PROBLEMS = {
  invalid_input: { status: 400, title: 'Invalid input' },
  invalid_json: { status: 400, title: 'Malformed JSON body' },
  invalid_cursor: { status: 400, title: 'Invalid cursor' },
  unauthorized: { status: 401, title: 'Not signed in' },
  invalid_credentials: { status: 401, title: 'Wrong username or password' },
  forbidden: { status: 403, title: 'Not allowed' },
  csrf_rejected: { status: 403, title: 'Missing or invalid CSRF token' },
  insufficient_scope: { status: 403, title: 'Token scope does not allow this' },
  registration_closed: { status: 403, title: 'Registration is closed' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  request_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still running' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_key_reused: { status: 422, title: 'Idempotency-Key reused with another request' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  bad_gateway: { status: 502, title: 'Upstream answered badly' },
  dependency_down: { status: 503, title: 'A dependency is unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** One item-level reason inside a problem (SPEC: `errors: [{field?, index?, line?, code, message}]`). */
export interface ProblemItem {
  field?: string;
  index?: number;
  line?: number;
  code: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    readonly extra: { errors?: ProblemItem[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail ?? PROBLEMS[code].title, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'AppError';
    this.status = PROBLEMS[code].status;
    this.title = PROBLEMS[code].title;
  }
}

export function problemType(code: string): string {
  return `urn:satchel:problem:${code}`;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: ProblemItem[];
}

export function problemBody(error: AppError): ProblemBody {
  const body: ProblemBody = { type: problemType(error.code), title: error.title, status: error.status };
  if (error.detail) body.detail = error.detail;
  if (error.extra.errors?.length) body.errors = error.extra.errors;
  return body;
}
