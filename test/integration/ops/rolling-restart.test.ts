/**
 * Issue 9: several instances behind nginx. Two real `satchel serve` processes, started as
 * deploy/systemd/satchel@.service starts them, on one PostgreSQL and one redis-server, behind Debian's
 * nginx running deploy/nginx/satchel.conf (test/helpers/nginx.ts). A rolling restart (SIGTERM, start
 * again, the next one) under a mixed load loses no request; the client address and the scheme reach
 * Satchel from nginx only (TRUST_PROXY).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import Fastify from 'fastify';
import { httpDrainer, peerMatcher } from '../../../src/http/drain.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresServerUrl, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { createTestDatabase, dropTestDatabase } from '../../helpers/postgres-server.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { SHIPPED_NGINX_CONF, startNginx, startServeProcess, type NginxHandle, type ServeProcess } from '../../helpers/nginx.js';
import { selfSignedCertificate, type TestCertificate } from '../../helpers/test-tls.js';
import { Client, GOOD_PASSWORD, startInstance } from '../accounts/harness.js';
import type { Satchel } from '../../../src/main.js';

const ADDRESS = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
/** nginx's fail_timeout in deploy/nginx/satchel.conf: how long it leaves an instance alone after a failure. */
const FAIL_TIMEOUT_MS = Number(/fail_timeout=(\d+)s/.exec(readFileSync(SHIPPED_NGINX_CONF, 'utf8'))?.[1] ?? 2) * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  label: string;
  status: number;
  error?: string;
}

/** A fetch loop of `concurrency` workers cycling through the mix until stopped. */
function startLoad(base: string, token: string, concurrency: number) {
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const mix: Array<{ label: string; ok: number; init: () => [string, RequestInit] }> = [
    { label: 'GET /api/health', ok: 200, init: () => ['/api/health', {}] },
    { label: 'GET /api/wallets', ok: 200, init: () => ['/api/wallets?limit=20', { headers: auth }] },
    {
      label: 'POST /api/validate',
      ok: 200,
      init: () => ['/api/validate', { method: 'POST', headers: json, body: JSON.stringify({ type: 'address', value: ADDRESS }) }],
    },
    {
      label: 'POST /api/lightning/invoices',
      ok: 201,
      init: () => ['/api/lightning/invoices', { method: 'POST', headers: json, body: JSON.stringify({ amountSat: 1000, memo: 'rolling restart' }) }],
    },
  ];
  const outcomes: Outcome[] = [];
  let running = true;
  let next = 0;
  const worker = async () => {
    while (running) {
      const entry = mix[next++ % mix.length]!;
      const [path, init] = entry.init();
      try {
        const response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
        const body = await response.text();
        outcomes.push({ label: entry.label, status: response.status, ...(response.status === entry.ok ? {} : { error: body.slice(0, 200) }) });
      } catch (error) {
        outcomes.push({ label: entry.label, status: 0, error: String((error as Error).cause ?? error) });
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(workers);
      return outcomes;
    },
  };
}

/** Requests the instance has answered besides its own health and metrics (its /metrics, read directly). */
async function loadServed(instance: ServeProcess): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  let served = 0;
  for (const [, labels, count] of text.matchAll(/^satchel_http_request_duration_seconds_count\{([^}]*)\} (\d+)/gm)) {
    if (!/route="\/(metrics|api\/health)"/.test(labels!)) served += Number(count);
  }
  return served;
}

async function waitUntil(condition: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

async function api(base: string, method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => null)) as Record<string, unknown> };
}

/** HTTPS through nginx's TLS listener, trusting only the test certificate. */
function tlsPost(url: string, path: string, body: unknown, certificate: TestCertificate) {
  return new Promise<{ status: number; setCookie: string[] }>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpsRequest(
      `${url}${path}`,
      { method: 'POST', ca: certificate.cert, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [] }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('the shipped nginx config', () => {
  it('passes nginx -t as a whole (the TLS example included) with a certificate in place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'satchel-nginx-t-'));
    try {
      const certificate = selfSignedCertificate('a');
      writeFileSync(join(dir, 'cert.pem'), certificate.cert);
      writeFileSync(join(dir, 'key.pem'), certificate.key);
      const shipped = readFileSync(SHIPPED_NGINX_CONF, 'utf8')
        .replace(/\/etc\/letsencrypt\/live\/satchel\.example\.org\/fullchain\.pem/, join(dir, 'cert.pem'))
        .replace(/\/etc\/letsencrypt\/live\/satchel\.example\.org\/privkey\.pem/, join(dir, 'key.pem'));
      writeFileSync(join(dir, 'satchel.conf'), shipped);
      writeFileSync(
        join(dir, 'nginx.conf'),
        `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  client_body_temp_path ${dir}/cb;\n  proxy_temp_path ${dir}/p;\n  include ${dir}/satchel.conf;\n}\n`,
      );
      const output = execFileSync('/usr/sbin/nginx', ['-t', '-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(output).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('two instances behind nginx on one PostgreSQL and one Redis', () => {
  let redis: RedisServerHandle;
  let serverUrl: string;
  let databaseUrl: string;
  let dataDir: string;
  let instances: ServeProcess[] = [];
  let nginx: NginxHandle;
  const certificate = selfSignedCertificate('a');
  let token = '';

  beforeAll(async () => {
    redis = await startRedis();
    serverUrl = await postgresServerUrl();
    databaseUrl = await createTestDatabase(serverUrl);
    dataDir = mkdtempSync(join(tmpdir(), 'satchel-rolling-'));
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      TRUST_PROXY: '127.0.0.1',
      DATA_DIR: dataDir,
      CHAIN_BACKEND: 'none',
      LOG_LEVEL: 'warn',
    };
    // Both at once: the migrations run under a lock, the second instance waits for them.
    instances = await Promise.all([startServeProcess({ env }), startServeProcess({ env })]);
    nginx = await startNginx({ upstreamPorts: instances.map((instance) => instance.port), tls: certificate });
    expect((await api(nginx.url, 'POST', '/api/auth/register', { username: 'admin', password: GOOD_PASSWORD })).status).toBe(201);
    const login = await api(nginx.url, 'POST', '/api/auth/login', { username: 'admin', password: GOOD_PASSWORD });
    token = login.body.token as string;
    expect((await api(nginx.url, 'POST', '/api/wallets', { name: 'cold', source: ADDRESS }, token)).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(instances.map((instance) => instance.stop('SIGTERM')));
    await redis?.stop();
    if (databaseUrl) await dropTestDatabase(serverUrl, databaseUrl);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('restarts both instances one after the other under load: 0 failed requests, nothing created twice', async () => {
    const load = startLoad(nginx.url, token, 8);
    await sleep(1000);
    for (const instance of instances) {
      const ended = await instance.stop('SIGTERM');
      expect(ended, instance.output()).toMatchObject({ code: 0, signal: null });
      // Drained within nginx's upstream keepalive_timeout (4 s) plus the requests in flight.
      expect(ended.ms).toBeLessThan(9000);
      await instance.start();
      // The documented procedure: nginx leaves a failed instance alone for fail_timeout; only then is
      // it sure to send it requests again, so the next instance may go. On a loaded machine that may
      // take longer: also wait until the instance has answered some of the load through nginx.
      const before = await loadServed(instance);
      await sleep(FAIL_TIMEOUT_MS + 500);
      await waitUntil(async () => (await loadServed(instance)) >= before + 20, 20_000, `load reaching ${instance.url} through nginx`);
    }
    const outcomes = await load.stop();

    const failed = outcomes.filter((outcome) => outcome.error !== undefined);
    expect(failed).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(200);
    // Every 201 is one stored invoice, and no stored invoice lacks its 201 (no request replayed).
    const created = outcomes.filter((outcome) => outcome.label === 'POST /api/lightning/invoices').length;
    let stored = 0;
    let cursor: string | undefined;
    do {
      const page = await api(nginx.url, 'GET', `/api/lightning/invoices?limit=500${cursor ? `&cursor=${cursor}` : ''}`, undefined, token);
      expect(page.status).toBe(200);
      stored += (page.body.items as unknown[]).length;
      cursor = page.body.next as string | undefined;
    } while (cursor);
    expect(stored).toBe(created);
  }, 90_000);

  it('marks the session cookie Secure only for requests that came over TLS to nginx', async () => {
    const overTls = await tlsPost(nginx.tlsUrl!, '/api/auth/login', { username: 'admin', password: GOOD_PASSWORD }, certificate);
    expect(overTls.status).toBe(200);
    expect(overTls.setCookie.join('\n')).toMatch(/satchel_session=[^;]+;.*Secure/);
    const plain = await fetch(`${nginx.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ username: 'admin', password: GOOD_PASSWORD }),
    });
    expect(plain.status).toBe(200);
    // nginx replaces the client's X-Forwarded-Proto with its own scheme.
    expect(plain.headers.getSetCookie().join('\n')).not.toMatch(/Secure/);
  });

  // Last: it locks 127.0.0.1 out of signing in for the throttle window.
  it('keys login throttling by the address nginx saw, whatever X-Forwarded-For the client forges', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const response = await fetch(`${nginx.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i + 1}` },
        body: JSON.stringify({ username: `nobody_${i}`, password: 'not the right password at all' }),
      });
      statuses.push(response.status);
    }
    // 20 failures per client address and window (LOGIN_THROTTLE_POLICY), then 429: one client, not 21.
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
  });
});

describe('X-Forwarded-For and -Proto from a peer not in TRUST_PROXY', () => {
  let database: TestDatabase;
  let satchel: Satchel;
  beforeAll(async () => {
    database = await openTestDatabase('sqlite');
    satchel = await startInstance({
      database,
      env: { TRUST_PROXY: '127.0.0.1' },
      throttlePolicy: { accountLimit: 100, clientLimit: 3, windowMs: 60_000 },
    });
    await new Client(satchel.app).register('alice');
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
  });

  const failLogin = (client: Client, forwardedFor: string, i: number) =>
    client.request('POST', '/api/auth/login', {
      payload: { username: `nobody_${i}`, password: 'not the right password at all' },
      headers: { 'x-forwarded-for': forwardedFor },
    });

  it('are ignored: a client forging a new X-Forwarded-For each time is still one client to the throttle', async () => {
    const client = new Client(satchel.app, '203.0.113.7');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await failLogin(client, `198.51.100.${i + 1}`, i)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('are believed from the trusted proxy: each forwarded client has its own throttle bucket', async () => {
    const proxy = new Client(satchel.app, '127.0.0.1');
    const distinct = [];
    for (let i = 0; i < 4; i++) distinct.push((await failLogin(proxy, `192.0.2.${i + 1}`, 10 + i)).statusCode);
    expect(distinct).toEqual([401, 401, 401, 401]);
    const same = [];
    for (let i = 0; i < 4; i++) same.push((await failLogin(proxy, '192.0.2.200', 20 + i)).statusCode);
    expect(same).toEqual([401, 401, 401, 429]);
  });

  it('do not make the cookie Secure', async () => {
    const response = await new Client(satchel.app, '203.0.113.8').request('POST', '/api/auth/login', {
      payload: { username: 'alice', password: GOOD_PASSWORD },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['set-cookie'])).not.toMatch(/Secure/);
  });
});

describe('graceful stop of the HTTP server (src/http/drain.ts)', () => {
  const get = (port: number, path: string, options: { agent?: Agent | false; localAddress?: string } = {}) =>
    new Promise<IncomingMessage & { text: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, agent: options.agent ?? false, ...(options.localAddress ? { localAddress: options.localAddress } : {}) }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(Object.assign(res, { text })));
      });
      req.on('error', reject);
      req.end();
    });
  const idleSocket = (agent: Agent) => Object.values(agent.freeSockets).flat()[0] as Socket;
  const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

  async function server() {
    const app = Fastify();
    app.get('/fast', async () => ({ ok: true }));
    app.get('/slow', async () => {
      await sleep(300);
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    return { app, port, drainer: httpDrainer(app.server) };
  }

  it('refuses new connections, answers on open ones with Connection: close and finishes what is in flight', async () => {
    const { app, port, drainer } = await server();
    const pooled = new Agent({ keepAlive: true, maxSockets: 1 });
    const busy = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await get(port, '/fast', { agent: pooled })).headers.connection).toBe('keep-alive');
      const slow = get(port, '/slow', { agent: busy });
      await sleep(50);
      const drained = drainer.drain({ idleWaitMs: 5000, isProxy: () => true, inFlightWaitMs: 5000 });
      await expect(get(port, '/fast')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      const onPooled = await get(port, '/fast', { agent: pooled });
      expect([onPooled.statusCode, onPooled.headers.connection]).toEqual([200, 'close']);
      const inFlight = await slow;
      expect([inFlight.statusCode, inFlight.text, inFlight.headers.connection]).toEqual([200, '{"ok":true}', 'close']);
      // Every connection was closed after its answer: nothing left to wait for.
      expect(await drained).toMatchObject({ clean: true });
      expect((await drained).ms).toBeLessThan(2000);
    } finally {
      pooled.destroy();
      busy.destroy();
      await app.close();
    }
  });

  it("leaves the proxy's idle connections for it to close and closes other peers' at once", async () => {
    const { app, port, drainer } = await server();
    const fromProxy = new Agent({ keepAlive: true });
    const fromOther = new Agent({ keepAlive: true });
    try {
      await get(port, '/fast', { agent: fromProxy });
      await get(port, '/fast', { agent: fromOther, localAddress: '127.0.0.2' });
      const proxySocket = idleSocket(fromProxy);
      const otherSocket = idleSocket(fromOther);
      const drained = drainer.drain({ idleWaitMs: 5000, isProxy: peerMatcher(['127.0.0.1']), inFlightWaitMs: 1000 });
      await closed(otherSocket);
      await sleep(300);
      expect(proxySocket.destroyed).toBe(false);
      proxySocket.destroy(); // what nginx does after its keepalive_timeout
      expect(await drained).toMatchObject({ clean: true });
    } finally {
      fromProxy.destroy();
      fromOther.destroy();
      await app.close();
    }
  });

  it('matches TRUST_PROXY entries: addresses, CIDRs, names and IPv4-mapped peers', () => {
    const isProxy = peerMatcher(['10.0.0.0/8', '192.0.2.7', 'loopback', 'fd00::/8']);
    expect(['10.1.2.3', '192.0.2.7', '127.0.0.1', '::1', '::ffff:10.9.9.9', 'fd12::1'].map(isProxy)).toEqual([true, true, true, true, true, true]);
    expect(['11.0.0.1', '192.0.2.8', '2001:db8::1', undefined].map(isProxy)).toEqual([false, false, false, false]);
    expect(peerMatcher([])('127.0.0.1')).toBe(false);
  });
});
