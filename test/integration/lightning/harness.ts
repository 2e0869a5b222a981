/**
 * What the Lightning HTTP tests share: a Satchel on a test database (dev Lightning node, fast argon2),
 * a signed-in user with a bearer token, and small request helpers over app.inject().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../../src/config.js';
import { startSatchel, type Satchel, type StartOptions } from '../../../src/main.js';
import type { TestDatabase } from '../../helpers/dialects.js';
import { fastHasher, signedIn } from '../accounts/harness.js';

export async function startLightningInstance(database: TestDatabase, options: StartOptions = {}, dataDir?: string, env: Record<string, string> = {}): Promise<Satchel> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'satchel-lightning-'));
  const config: Config = {
    ...loadConfig({ DATA_DIR: dir, CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent', NETWORK: 'regtest', ...env }),
    storage: database.config,
  };
  const satchel = await startSatchel(config, { webRoot: null, passwordHasher: fastHasher(), ...options });
  if (!dataDir) satchel.app.addHook('onClose', async () => rmSync(dir, { recursive: true, force: true }));
  return satchel;
}

export interface Caller {
  userId: string;
  token: string;
  post(url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  put(url: string, payload: unknown): Promise<LightMyRequestResponse>;
  delete(url: string): Promise<LightMyRequestResponse>;
}

export function callerOn(app: FastifyInstance, token: string, userId: string): Caller {
  const auth = { authorization: `Bearer ${token}` };
  return {
    userId,
    token,
    post: (url, payload, headers = {}) =>
      app.inject({
        method: 'POST',
        url,
        headers: { ...auth, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
      }),
    get: (url) => app.inject({ method: 'GET', url, headers: auth }),
    put: (url, payload) => app.inject({ method: 'PUT', url, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(payload) }),
    delete: (url) => app.inject({ method: 'DELETE', url, headers: auth }),
  };
}

export async function signedInCaller(app: FastifyInstance, username: string): Promise<Caller> {
  const { token, user } = await signedIn(app, username);
  return callerOn(app, token, user.id);
}

/** Polls `probe` until it returns true, every 50 ms, for at most `ms`. */
export async function eventually(probe: () => Promise<boolean>, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
