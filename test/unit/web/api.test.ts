import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, apiFetch, CSRF_ENDPOINT, CSRF_HEADER, resetCsrfToken } from '../../../web/lib/api.js';

interface Call {
  url: string;
  init: RequestInit;
}

let calls: Call[];

function respond(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? headers : { 'content-type': type, ...headers },
  });
}

function stubFetch(handler: (url: string, init: RequestInit) => Response): void {
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    calls.push({ url, init });
    return handler(url, init);
  });
}

function headerOf(call: Call | undefined, name: string): string | undefined {
  return (call?.init.headers as Record<string, string> | undefined)?.[name];
}

beforeEach(() => {
  calls = [];
  resetCsrfToken();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('apiFetch', () => {
  it('sends JSON with the session cookie and parses the JSON answer', async () => {
    stubFetch((url) => (url === CSRF_ENDPOINT ? respond(200, { token: 't' }) : respond(201, { user: { id: '1' } })));
    await expect(api.post('/api/auth/register', { username: 'alice' })).resolves.toEqual({ user: { id: '1' } });
    const call = calls.at(-1);
    expect(call?.init.method).toBe('POST');
    expect(call?.init.credentials).toBe('same-origin');
    expect(call?.init.body).toBe('{"username":"alice"}');
    expect(headerOf(call, 'content-type')).toBe('application/json');
  });

  it('turns problem+json into an ApiError with status, title, detail, errors and code', async () => {
    stubFetch(() =>
      respond(
        400,
        {
          type: 'urn:satchel:problem:invalid_input',
          title: 'Invalid input',
          status: 400,
          detail: 'body/username is too short',
          errors: [{ field: 'username', code: 'too_short', message: 'At least 3 characters' }, 'junk'],
        },
        { 'retry-after': '7' },
      ),
    );
    const error = await api.get('/api/anything').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      title: 'Invalid input',
      detail: 'body/username is too short',
      code: 'invalid_input',
      retryAfterSeconds: 7,
      errors: [{ field: 'username', code: 'too_short', message: 'At least 3 characters' }],
    });
  });

  it('gives an ApiError with the status text when the error body is not JSON', async () => {
    stubFetch(() => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(api.get('/api/x')).rejects.toMatchObject({ status: 502, title: 'Bad Gateway', errors: [] });
  });

  it('reports an unreachable server as status 0', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.get('/api/x')).rejects.toMatchObject({ status: 0, title: 'Network error' });
  });

  it('resolves undefined for 204', async () => {
    stubFetch((url) => (url === CSRF_ENDPOINT ? respond(404, { title: 'Not found' }) : respond(204)));
    await expect(api.delete('/api/wallets/1')).resolves.toBeUndefined();
  });
});

describe('CSRF token', () => {
  it('is fetched once and sent on writes only', async () => {
    stubFetch((url) => (url === CSRF_ENDPOINT ? respond(200, { token: 'tok-1' }) : respond(200, {})));
    await api.get('/api/wallets');
    await api.post('/api/wallets', {});
    await api.put('/api/notes/tx/ab', {});
    expect(calls.map((c) => c.url)).toEqual(['/api/wallets', CSRF_ENDPOINT, '/api/wallets', '/api/notes/tx/ab']);
    expect(headerOf(calls[0], CSRF_HEADER)).toBeUndefined();
    expect(headerOf(calls[2], CSRF_HEADER)).toBe('tok-1');
    expect(headerOf(calls[3], CSRF_HEADER)).toBe('tok-1');
  });

  it('is fetched again and the write retried once when the server refuses it', async () => {
    let issued = 0;
    stubFetch((url, init) => {
      if (url === CSRF_ENDPOINT) return respond(200, { token: `tok-${++issued}` });
      const sent = (init.headers as Record<string, string>)[CSRF_HEADER];
      return sent === 'tok-2'
        ? respond(200, { ok: true })
        : respond(403, { type: 'urn:satchel:problem:csrf_rejected', title: 'Missing or invalid CSRF token', status: 403 });
    });
    await expect(apiFetch('/api/wallets', { method: 'POST', body: {} })).resolves.toEqual({ ok: true });
    expect(issued).toBe(2);
  });

  it('does not retry other 403 answers', async () => {
    stubFetch((url) =>
      url === CSRF_ENDPOINT
        ? respond(200, { token: 't' })
        : respond(403, { type: 'urn:satchel:problem:forbidden', title: 'Not allowed', status: 403 }),
    );
    await expect(api.post('/api/admin/users/bulk', {})).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    expect(calls.filter((c) => c.url !== CSRF_ENDPOINT)).toHaveLength(1);
  });
});
