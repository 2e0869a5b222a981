/**
 * What the wallet integration tests share: a real Satchel (startSatchel, no listen) on a test database,
 * optionally with a chain backend built by the test (short timeouts against the local servers) and a
 * KeyCrypto that counts derivations; and a bearer-token client over app.inject().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { loadConfig, type Config } from '../../../src/config.js';
import { defaultKeyCrypto } from '../../../src/adapters/crypto/native-key-crypto.js';
import type { ChainBackend } from '../../../src/domain/wallets/chain.js';
import type { KeyCrypto } from '../../../src/domain/wallets/key-crypto.js';
import { startSatchel, type Satchel } from '../../../src/main.js';
import type { TestDatabase } from '../../helpers/dialects.js';
import { Client, fastHasher, signedIn } from '../accounts/harness.js';

export { expectProblem } from '../accounts/harness.js';

/** Retries off the happy path quickly; the breaker stays closed so one test's faults do not leak. */
export const FAST_CHAIN = { attemptTimeoutMs: 2_000, maxAttempts: 2, backoffMs: 10, breakerThreshold: 1_000, breakerHalfOpenMs: 60_000 };

export interface WalletInstanceOptions {
  database: TestDatabase;
  env?: Record<string, string>;
  chainBackend?: ChainBackend;
  keyCrypto?: KeyCrypto;
}

export async function startWalletInstance(options: WalletInstanceOptions): Promise<Satchel> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satchel-wallets-'));
  const config: Config = {
    ...loadConfig({ DATA_DIR: dataDir, CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent', WALLET_SYNC_INTERVAL_S: '0', ...options.env }),
    storage: options.database.config,
  };
  const satchel = await startSatchel(config, {
    webRoot: null,
    passwordHasher: fastHasher(),
    ...(options.chainBackend ? { chainBackend: options.chainBackend } : {}),
    ...(options.keyCrypto ? { keyCrypto: options.keyCrypto } : {}),
  });
  satchel.app.addHook('onClose', async () => rmSync(dataDir, { recursive: true, force: true }));
  return satchel;
}

/** The fastest KeyCrypto, with a count of point additions (one per derived child key). */
export function countingKeyCrypto(): KeyCrypto & { calls: number } {
  const inner = defaultKeyCrypto();
  const counting = {
    name: `counting ${inner.name}`,
    calls: 0,
    publicKeyTweakAdd(publicKey: Uint8Array, tweak: Uint8Array) {
      counting.calls++;
      return inner.publicKeyTweakAdd(publicKey, tweak);
    },
    hmacSha512: inner.hmacSha512,
    sha256: inner.sha256,
    hash160: inner.hash160,
  };
  return counting;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A signed-in user calling the API with a bearer token. */
export class ApiUser {
  constructor(
    readonly client: Client,
    readonly token: string,
    readonly id: string,
  ) {}

  static async create(satchel: Satchel, username: string): Promise<ApiUser> {
    const { client, token, user } = await signedIn(satchel.app, username);
    return new ApiUser(client, token, user.id);
  }

  call(method: Method, url: string, payload?: unknown): Promise<LightMyRequestResponse> {
    return this.client.request(method, url, { bearer: this.token, ...(payload === undefined ? {} : { payload }) });
  }

  async createWallet(body: Record<string, unknown>): Promise<WalletView> {
    const response = await this.call('POST', '/api/wallets', body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as WalletView;
  }

  async json<T = any>(method: Method, url: string, payload?: unknown, status = 200): Promise<T> {
    const response = await this.call(method, url, payload);
    expect(response.statusCode, response.body).toBe(status);
    return response.json() as T;
  }
}

export interface WalletView {
  id: string;
  name: string;
  kind: string;
  network: string;
  scriptType: string;
  descriptor: string;
  ranged: boolean;
  chains: string[];
  gapLimit: { receive: number; change: number };
  balanceSat: { confirmed: number; unconfirmed: number };
  txCount: number;
  usedAddresses: number;
  lastSyncedAt: string | null;
  rescanPending: boolean;
}
