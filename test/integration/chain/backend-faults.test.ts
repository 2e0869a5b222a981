/**
 * Fault modes of both backends against their local servers: a dead or hung server is a typed
 * ChainUnavailableError within the timeout (never a hang), garbage is a ChainProtocolError,
 * 429 waits for Retry-After and then succeeds, 500 is retried, the circuit opens after repeated
 * failures, Electrum reconnects after a dropped connection, and TLS works with a pinned CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ElectrumBackend } from '../../../src/adapters/chain/electrum.js';
import { EsploraBackend } from '../../../src/adapters/chain/esplora.js';
import { ChainProtocolError, ChainUnavailableError, type ChainBackend } from '../../../src/domain/wallets/chain.js';
import { startElectrumServer, type ElectrumServer } from '../../helpers/chain/electrum-server.js';
import { startEsploraServer, type EsploraServer } from '../../helpers/chain/esplora-server.js';
import { FakeChain } from '../../helpers/chain/fake-chain.js';

const FAST = { attemptTimeoutMs: 300, maxAttempts: 2, backoffMs: 10, breakerThreshold: 100, breakerHalfOpenMs: 60_000 };
let chain: FakeChain;
let esplora: EsploraServer;
let electrum: ElectrumServer;
const opened: ChainBackend[] = [];

function esploraBackend(options: Partial<typeof FAST> = {}): EsploraBackend {
  const backend = new EsploraBackend({ baseUrl: esplora.url, ...FAST, ...options });
  opened.push(backend);
  return backend;
}

function electrumBackend(options: Partial<typeof FAST> = {}): ElectrumBackend {
  const backend = new ElectrumBackend({ url: electrum.url, ...FAST, ...options });
  opened.push(backend);
  return backend;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function timed<T>(promise: Promise<T>): Promise<{ ms: number; error?: unknown; value?: T }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

beforeAll(async () => {
  chain = new FakeChain();
  chain.mine(2);
  esplora = await startEsploraServer(chain);
  electrum = await startElectrumServer(chain);
});

afterEach(async () => {
  esplora.faults.set(undefined);
  electrum.faults.set(undefined);
  await Promise.all(opened.splice(0).map((b) => b.close()));
});

afterAll(async () => {
  await Promise.all([esplora?.close(), electrum?.close()]);
});

describe.each([
  ['esplora', () => esploraBackend(), () => esplora.faults],
  ['electrum', () => electrumBackend(), () => electrum.faults],
] as const)('%s faults', (_kind, make, faults) => {
  it('a server that never answers is ChainUnavailableError within the attempt timeouts', async () => {
    const backend = make();
    faults().set({ mode: 'hang' });
    const { ms, error } = await timed(backend.tipHeight());
    expect(error).toBeInstanceOf(ChainUnavailableError);
    expect((error as Error).message).toMatch(/timed out/);
    expect(ms).toBeLessThan(2 * FAST.attemptTimeoutMs + 1_000);
  });

  it('malformed JSON is a ChainProtocolError, not retried', async () => {
    const backend = make();
    if (_kind === 'electrum') await backend.tipHeight(); // handshake first, then garbage
    faults().set({ mode: 'malformed' });
    const { error } = await timed(backend.tipHeight());
    expect(error).toBeInstanceOf(ChainProtocolError);
    expect((error as ChainProtocolError).status).toBe(502);
  });

  it('recovers once the server is well again', async () => {
    const backend = make();
    faults().set({ mode: 'hang', times: 1 });
    expect(await backend.tipHeight()).toBe(chain.tipHeight);
  });
});

describe('esplora HTTP faults', () => {
  it('429 with Retry-After waits that long, then succeeds', async () => {
    const backend = esploraBackend({ attemptTimeoutMs: 3_000 });
    esplora.faults.set({ mode: 'rate-limit', times: 1, retryAfterS: 1 });
    const { ms, value } = await timed(backend.tipHeight());
    expect(value).toBe(chain.tipHeight);
    expect(ms).toBeGreaterThanOrEqual(950);
  });

  it('a Retry-After beyond the budget fails at once as unavailable', async () => {
    const backend = esploraBackend();
    esplora.faults.set({ mode: 'rate-limit', times: 1, retryAfterS: 3600 });
    const { ms, error } = await timed(backend.tipHeight());
    expect(error).toBeInstanceOf(ChainUnavailableError);
    expect((error as Error).message).toMatch(/rate limited for 3600 s/);
    expect(ms).toBeLessThan(500);
  });

  it('one 500 is retried; 500 on every attempt is ChainUnavailableError (503)', async () => {
    const backend = esploraBackend();
    esplora.faults.set({ mode: 'error', times: 1 });
    expect(await backend.tipHeight()).toBe(chain.tipHeight);
    esplora.faults.set({ mode: 'error' });
    const before = esplora.requests.length;
    const { error } = await timed(backend.tipHeight());
    expect(error).toBeInstanceOf(ChainUnavailableError);
    expect((error as ChainUnavailableError).status).toBe(503);
    expect(esplora.requests.length - before).toBe(FAST.maxAttempts);
  });

  it('opens the circuit after consecutive failures and then fails fast', async () => {
    const backend = esploraBackend({ breakerThreshold: 2, maxAttempts: 1 });
    esplora.faults.set({ mode: 'error' });
    await expect(backend.tipHeight()).rejects.toBeInstanceOf(ChainUnavailableError);
    await expect(backend.tipHeight()).rejects.toBeInstanceOf(ChainUnavailableError);
    const before = esplora.requests.length;
    const { error, ms } = await timed(backend.tipHeight());
    expect((error as Error).message).toMatch(/circuit open/);
    expect(esplora.requests.length).toBe(before);
    expect(ms).toBeLessThan(50);
  });

  it('a refused connection is ChainUnavailableError', async () => {
    const backend = new EsploraBackend({ baseUrl: `http://127.0.0.1:${await closedPort()}`, ...FAST });
    const { error } = await timed(backend.tipHeight());
    expect(error).toBeInstanceOf(ChainUnavailableError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});

describe('electrum connection faults', () => {
  it('reconnects after the server drops the connection', async () => {
    const backend = electrumBackend();
    await backend.tipHeight();
    const connections = electrum.connections;
    electrum.faults.set({ mode: 'disconnect', times: 1 });
    expect(await backend.tipHeight()).toBe(chain.tipHeight);
    expect(electrum.connections).toBe(connections + 1);
  });

  it('a JSON-RPC error answer is a ChainProtocolError', async () => {
    const backend = electrumBackend();
    await backend.tipHeight();
    electrum.faults.set({ mode: 'error', times: 1 });
    await expect(backend.tipHeight()).rejects.toBeInstanceOf(ChainProtocolError);
  });

  it('a refused connection is ChainUnavailableError', async () => {
    const backend = new ElectrumBackend({ url: `tcp://127.0.0.1:${await closedPort()}`, ...FAST });
    const { error } = await timed(backend.tipHeight());
    expect(error).toBeInstanceOf(ChainUnavailableError);
    await backend.close();
  });
});

describe('electrum over TLS', () => {
  let dir: string;
  let tlsServer: ElectrumServer;
  let cert: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'satchel-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    tlsServer = await startElectrumServer(chain, { tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert } });
  });

  afterAll(async () => {
    await tlsServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('speaks the protocol over ssl:// with a pinned CA', async () => {
    const backend = new ElectrumBackend({ url: tlsServer.url, tls: { ca: cert }, ...FAST });
    opened.push(backend);
    expect(await backend.tipHeight()).toBe(chain.tipHeight);
    expect(backend.serverVersion).toEqual(['FakeElectrum 1.0', '1.4']);
  });

  it('refuses an untrusted certificate as unavailable', async () => {
    const backend = new ElectrumBackend({ url: tlsServer.url, ...FAST });
    opened.push(backend);
    await expect(backend.tipHeight()).rejects.toBeInstanceOf(ChainUnavailableError);
  });
});
