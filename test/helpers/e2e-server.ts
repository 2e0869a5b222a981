/**
 * The set-up every browser test shares: the built web app (built here when web/dist is missing),
 * served either by a real Satchel on a temporary data directory or, with `api`, by a static server
 * whose /api is a stub; a free loopback port; one Chromium. `close()` undoes it all, the browser first
 * (an open event stream would otherwise keep the server's close waiting).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startSatchel, type Satchel } from '../../src/main.js';
import { launchChromium } from './browser.js';
import { startStaticServer, type ApiHandler } from './static-server.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const webRoot = join(repoRoot, 'web', 'dist');

export interface E2eServer {
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

export interface SatchelE2eServer extends E2eServer {
  satchel: Satchel;
  dataDir: string;
}

export interface SatchelE2eOptions {
  /** Names the temporary data directory (`satchel-e2e-<name>-…`). */
  name: string;
  /** Settings over the defaults (loopback, port 0, no chain backend, silent log). */
  env?: Record<string, string>;
}

export interface StubE2eOptions {
  /** Answers /api/*: the app runs against this stub instead of a Satchel. */
  api: ApiHandler;
}

export function startE2eServer(options: StubE2eOptions): Promise<E2eServer>;
export function startE2eServer(options: SatchelE2eOptions): Promise<SatchelE2eServer>;
export async function startE2eServer(options: SatchelE2eOptions | StubE2eOptions): Promise<E2eServer | SatchelE2eServer> {
  ensureWebBuilt();
  if ('api' in options) {
    const server = await startStaticServer({ root: webRoot, api: options.api });
    const browser = await launchChromium().catch(async (error: unknown) => {
      await server.close();
      throw error;
    });
    return {
      baseUrl: server.url,
      browser,
      close: async () => {
        await browser.close();
        await server.close();
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), `satchel-e2e-${options.name}-`));
  let satchel: Satchel | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await satchel?.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent', ...options.env };
    satchel = await startSatchel(loadConfig(env), { listen: true, webRoot });
    const address = satchel.app.server.address();
    if (!address || typeof address === 'string') throw new Error('server has no TCP address');
    browser = await launchChromium();
    return { baseUrl: `http://127.0.0.1:${address.port}`, browser, satchel, dataDir, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Registers an account and signs in through the API: the session cookie lands in `context`. */
export async function signUp(context: BrowserContext, credentials: { username: string; password: string }): Promise<{ token: string }> {
  expect((await context.request.post('/api/auth/register', { data: credentials })).status()).toBe(201);
  const login = await context.request.post('/api/auth/login', { data: credentials });
  expect(login.status()).toBe(200);
  return { token: ((await login.json()) as { token: string }).token };
}

/** The JSON body of a fetch() answer; throws with the status and body when it is not 2xx. */
export async function jsonOk(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${response.status}: ${JSON.stringify(body)}`);
  return body;
}

const registeredAdmins = new Set<string>();

/**
 * Registers the first account of the server at `baseUrl` (the admin) once per run, and signs in over
 * HTTP: the bearer token and the session cookie, for a browser context and for fetch() alike.
 */
export async function signInAdmin(baseUrl: string, credentials: { username: string; password: string }): Promise<{ token: string; cookie: string }> {
  const headers = { 'content-type': 'application/json' };
  const body = JSON.stringify(credentials);
  const key = `${baseUrl} ${credentials.username}`;
  if (!registeredAdmins.has(key)) {
    const registered = await jsonOk(await fetch(`${baseUrl}/api/auth/register`, { method: 'POST', headers, body }));
    expect(registered.user).toMatchObject({ username: credentials.username, role: 'admin' });
    registeredAdmins.add(key);
  }
  const response = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers, body });
  const cookie = response.headers
    .getSetCookie()
    .map((c) => /^satchel_session=([^;]+)/.exec(c)?.[1])
    .find(Boolean);
  const login = await jsonOk(response);
  if (!cookie || typeof login.token !== 'string') throw new Error('login gave no session cookie or token');
  return { token: login.token, cookie };
}

/**
 * A 1280 × 900 page signed in with the session `cookie`, and the problems it shows: every page error,
 * and every console error `expectedConsole` does not let through. Close `context` when done.
 */
export async function openSignedInPage(
  browser: Browser,
  baseUrl: string,
  cookie: string,
  options: { expectedConsole?: (text: string) => boolean } = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies([{ name: 'satchel_session', value: cookie, url: baseUrl, httpOnly: true, sameSite: 'Lax' }]);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !options.expectedConsole?.(message.text())) problems.push(`console: ${message.text()}`);
  });
  return { context, page, problems };
}

function ensureWebBuilt(): void {
  if (!existsSync(join(webRoot, 'index.html'))) {
    execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], { cwd: repoRoot, stdio: 'ignore' });
  }
}
