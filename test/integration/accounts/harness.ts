/**
 * What the accounts integration tests share: a real Satchel (startSatchel, no listen) on a fresh test
 * database, and a small cookie-keeping client over app.inject() that behaves like a browser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { loadConfig, type Config } from '../../../src/config.js';
import { Argon2PasswordHasher } from '../../../src/adapters/password/argon2-hasher.js';
import type { ThrottlePolicy } from '../../../src/domain/accounts/policy.js';
import type { PasswordHasher } from '../../../src/domain/accounts/ports.js';
import { LOG_REDACT } from '../../../src/http/app.js';
import { startSatchel, type Satchel, type StartOptions } from '../../../src/main.js';
import type { TestDatabase } from '../../helpers/dialects.js';

/**
 * Tests only: argon2id at 1 MiB, t=1 so hundreds of test hashes stay fast. The production parameters
 * (m=19 MiB, t=2, p=1) are used by the tests that say `production argon2` in their name.
 */
export const FAST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
export const fastHasher = (): PasswordHasher => new Argon2PasswordHasher(FAST_ARGON2);

export const GOOD_PASSWORD = 'correct horse battery staple 42';

export interface InstanceOptions {
  database: TestDatabase;
  env?: Record<string, string>;
  /** Default: the fast test hasher. */
  hasher?: PasswordHasher | 'production';
  throttlePolicy?: ThrottlePolicy;
  /** Collects every log line at trace level (as the production logger, with its redaction). */
  logLines?: string[];
  /** More start options (test timings). */
  start?: StartOptions;
}

export async function startInstance(options: InstanceOptions): Promise<Satchel> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satchel-accounts-'));
  const config: Config = {
    ...loadConfig({ DATA_DIR: dataDir, CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent', ...options.env }),
    storage: options.database.config,
  };
  const satchel = await startSatchel(config, {
    webRoot: null,
    ...options.start,
    ...(options.hasher === 'production' ? {} : { passwordHasher: options.hasher ?? fastHasher() }),
    ...(options.throttlePolicy ? { throttlePolicy: options.throttlePolicy } : {}),
    ...(options.logLines
      ? {
          logger: {
            level: 'trace',
            redact: { paths: LOG_REDACT, censor: '[redacted]' },
            stream: { write: (line: string) => void options.logLines!.push(line) },
          },
        }
      : {}),
  });
  satchel.app.addHook('onClose', async () => rmSync(dataDir, { recursive: true, force: true }));
  return satchel;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  payload?: unknown;
  headers?: Record<string, string>;
  /** Send the CSRF token (fetched once from GET /api/auth/csrf) on this write. */
  csrf?: boolean;
  bearer?: string;
}

/** A browser over app.inject(): keeps cookies (HttpOnly ones too, as a browser does) between requests. */
export class Client {
  readonly jar = new Map<string, string>();
  private csrfToken: string | undefined;

  constructor(
    private readonly app: FastifyInstance,
    readonly ip = '127.0.0.1',
  ) {}

  async request(method: Method, url: string, options: RequestOptions = {}): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    // First: fetching the token may set the cookie that holds its secret.
    if (options.csrf) headers['x-csrf-token'] = await this.csrf();
    if (this.jar.size) headers.cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    let payload: string | undefined;
    if (typeof options.payload === 'string') payload = options.payload;
    else if (options.payload !== undefined) {
      payload = JSON.stringify(options.payload);
      headers['content-type'] ??= 'application/json';
    }
    const response = await this.app.inject({
      method,
      url,
      headers,
      remoteAddress: this.ip,
      ...(payload === undefined ? {} : { payload }),
    });
    for (const cookie of response.cookies as Array<{ name: string; value: string; expires?: Date; maxAge?: number }>) {
      const expired = cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now());
      if (expired || cookie.value === '') this.jar.delete(cookie.name);
      else this.jar.set(cookie.name, cookie.value);
    }
    return response;
  }

  async csrf(): Promise<string> {
    if (!this.csrfToken) {
      const response = await this.request('GET', '/api/auth/csrf');
      expect(response.statusCode).toBe(200);
      this.csrfToken = response.json().token as string;
    }
    return this.csrfToken;
  }

  register(username: string, password = GOOD_PASSWORD, options: RequestOptions = {}) {
    return this.request('POST', '/api/auth/register', { ...options, payload: { username, password } });
  }

  login(username: string, password = GOOD_PASSWORD) {
    return this.request('POST', '/api/auth/login', { payload: { username, password } });
  }
}

/** Registers and signs in; returns the client (cookie set) and the login token. */
export async function signedIn(app: FastifyInstance, username: string, password = GOOD_PASSWORD, ip?: string) {
  const client = new Client(app, ip);
  const registered = await client.register(username, password);
  expect([201, 409]).toContain(registered.statusCode);
  const login = await client.login(username, password);
  expect(login.statusCode).toBe(200);
  const body = login.json() as { user: { id: string; username: string; role: string }; token: string; expiresAt: string };
  return { client, user: body.user, token: body.token };
}

export function expectProblem(response: LightMyRequestResponse, status: number, code?: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json();
  if (code) expect(body.type).toBe(`urn:satchel:problem:${code}`);
  expect(response.body).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|select |insert into/i);
  return body;
}
