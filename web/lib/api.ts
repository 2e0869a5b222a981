/**
 * fetch for the Satchel API: JSON in and out, problem+json errors as ApiError, and the CSRF token on
 * every write (SPEC: cookie-authenticated writes are CSRF-protected). The session itself is an HttpOnly
 * cookie: nothing here reads or stores credentials.
 */

/** Header the server reads the CSRF token from (src/http/plugins/auth.ts CSRF_HEADER). */
export const CSRF_HEADER = 'x-csrf-token';
/** A script-readable cookie carrying the token, used when the server sets one. */
export const CSRF_COOKIE = 'satchel_csrf';
/** Otherwise the token comes from here (`{token}`), fetched once and kept in memory. */
export const CSRF_ENDPOINT = '/api/auth/csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** An item of problem+json `errors` (SPEC: `{field?, index?, line?, code, message}`). */
export interface ApiProblemItem {
  field?: string;
  index?: number;
  line?: number;
  code: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: ApiProblemItem[];
  /** The stable problem code (`urn:satchel:problem:<code>`), when the server sent one. */
  readonly code: string | undefined;
  /** From Retry-After on 429 and 503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    status: number;
    title: string;
    detail?: string | undefined;
    errors?: ApiProblemItem[] | undefined;
    type?: string | undefined;
    retryAfterSeconds?: number | undefined;
    cause?: unknown;
  }) {
    super(init.detail ?? init.title, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ApiError';
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.errors = init.errors ?? [];
    this.code = init.type?.startsWith('urn:satchel:problem:') ? init.type.slice('urn:satchel:problem:'.length) : undefined;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** What to show a person: the detail, else the title. */
  get userMessage(): string {
    return this.detail ?? this.title;
  }
}

export interface ApiRequest {
  method?: string;
  /** Sent as JSON when given. */
  body?: unknown;
  /** Sent as it is (a file), with the `content-type` given in `headers`; instead of `body`. */
  rawBody?: Blob | string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problemItems(value: unknown): ApiProblemItem[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((item) => {
    const out: ApiProblemItem = {
      code: typeof item.code === 'string' ? item.code : 'invalid',
      message: typeof item.message === 'string' ? item.message : '',
    };
    if (typeof item.field === 'string') out.field = item.field;
    if (typeof item.index === 'number') out.index = item.index;
    if (typeof item.line === 'number') out.line = item.line;
    return out;
  });
}

function retryAfterOf(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** A failed response → ApiError; a body that is not problem+json still gives status and status text. */
export async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = isJson(response) ? await response.json() : undefined;
  } catch {
    body = undefined;
  }
  const problem = isRecord(body) ? body : {};
  return new ApiError({
    status: response.status,
    title: typeof problem.title === 'string' ? problem.title : response.statusText || `HTTP ${response.status}`,
    detail: typeof problem.detail === 'string' ? problem.detail : undefined,
    errors: problemItems(problem.errors),
    type: typeof problem.type === 'string' ? problem.type : undefined,
    retryAfterSeconds: retryAfterOf(response),
  });
}

function isJson(response: Response): boolean {
  return /\bjson\b/i.test(response.headers.get('content-type') ?? '');
}

export function readCookie(name: string): string | undefined {
  if (typeof document === 'undefined') return undefined;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

let csrfToken: string | undefined;
let csrfRequest: Promise<string | undefined> | undefined;

/** Forget the token, e.g. after sign-out or when the server refused it. */
export function resetCsrfToken(): void {
  csrfToken = undefined;
  csrfRequest = undefined;
}

async function fetchCsrfToken(): Promise<string | undefined> {
  try {
    const response = await fetch(CSRF_ENDPOINT, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (!response.ok || !isJson(response)) return undefined;
    const body: unknown = await response.json();
    if (!isRecord(body)) return undefined;
    const token = body.token ?? body.csrfToken;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}

async function currentCsrfToken(): Promise<string | undefined> {
  const fromCookie = readCookie(CSRF_COOKIE);
  if (fromCookie) return fromCookie;
  if (csrfToken) return csrfToken;
  csrfRequest ??= fetchCsrfToken().then((token) => {
    csrfToken = token;
    csrfRequest = undefined; // a failed fetch is tried again on the next write
    return token;
  });
  return csrfRequest;
}

async function send(path: string, request: ApiRequest, method: string): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...request.headers };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (!SAFE_METHODS.has(method)) {
    const token = await currentCsrfToken();
    if (token) headers[CSRF_HEADER] = token;
  }
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (request.body !== undefined) init.body = JSON.stringify(request.body);
  else if (request.rawBody !== undefined) init.body = request.rawBody;
  if (request.signal) init.signal = request.signal;
  try {
    return await fetch(path, init);
  } catch (error) {
    if (request.signal?.aborted) throw error;
    throw new ApiError({ status: 0, title: 'Network error', detail: 'Could not reach the Satchel server', cause: error });
  }
}

/** Calls the API; resolves with the parsed JSON body (undefined for 204), rejects with ApiError. */
export async function apiFetch<T>(path: string, request: ApiRequest = {}): Promise<T> {
  const method = (request.method ?? 'GET').toUpperCase();
  let response = await send(path, request, method);
  if (response.status === 403 && !SAFE_METHODS.has(method)) {
    const error = await toApiError(response.clone());
    if (error.code !== 'csrf_rejected') throw error;
    // The token may have been rotated (new session): fetch a fresh one and try once more.
    resetCsrfToken();
    response = await send(path, request, method);
  }
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204 || !isJson(response)) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string, init?: Omit<ApiRequest, 'method' | 'body'>) => apiFetch<T>(path, { ...init, method: 'GET' }),
  post: <T>(path: string, body?: unknown, init?: Omit<ApiRequest, 'method' | 'body'>) =>
    apiFetch<T>(path, { ...init, method: 'POST', body }),
  put: <T>(path: string, body?: unknown, init?: Omit<ApiRequest, 'method' | 'body'>) =>
    apiFetch<T>(path, { ...init, method: 'PUT', body }),
  patch: <T>(path: string, body?: unknown, init?: Omit<ApiRequest, 'method' | 'body'>) =>
    apiFetch<T>(path, { ...init, method: 'PATCH', body }),
  delete: <T>(path: string, init?: Omit<ApiRequest, 'method' | 'body'>) => apiFetch<T>(path, { ...init, method: 'DELETE' }),
};
