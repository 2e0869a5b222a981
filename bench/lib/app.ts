/**
 * What the HTTP benchmarks share: a real, listening Satchel on a free loopback port with SQLite in a
 * fresh temp DATA_DIR (production argon2 unless told otherwise), a JSON client over fetch, and a
 * promise around autocannon. Autocannon runs in a child process, so the load generator shares neither
 * the server's event loop nor its CPU account (it still shares this machine's two cores: compare
 * ratios, not absolutes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AutocannonOptions, AutocannonResult } from 'autocannon';
import { loadConfig } from '../../src/config.js';
import { startSatchel, type Satchel, type StartOptions } from '../../src/main.js';
import { check } from './measure.js';

export interface BenchApp {
  satchel: Satchel;
  url: string;
  /** Closes the app (HTTP, storage, cache) and removes its DATA_DIR. */
  close(): Promise<void>;
}

export async function startBenchApp(options: Omit<StartOptions, 'listen' | 'webRoot' | 'logger'> = {}, env: Record<string, string> = {}): Promise<BenchApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'satchel-bench-'));
  try {
    const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent', ...env });
    const satchel = await startSatchel(config, { ...options, listen: true, webRoot: null, logger: false });
    const address = satchel.app.server.address();
    check(typeof address === 'object' && address !== null, 'app must listen on a TCP port');
    const url = `http://127.0.0.1:${(address as { port: number }).port}`;
    return {
      satchel,
      url,
      close: async () => {
        await satchel.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export interface JsonResponse {
  status: number;
  body: any;
}

export async function postJson(url: string, payload: unknown, bearer?: string): Promise<JsonResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(payload),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Registers the first account (the admin on a fresh install) and signs it in; returns its login token. */
export async function adminToken(app: BenchApp, username = 'bench_admin', password = 'bench admin passphrase 1'): Promise<string> {
  const registered = await postJson(`${app.url}/api/auth/register`, { username, password });
  check(registered.status === 201 && registered.body.user.role === 'admin', `admin registration: ${registered.status} ${JSON.stringify(registered.body)}`);
  const login = await postJson(`${app.url}/api/auth/login`, { username, password });
  check(login.status === 200 && typeof login.body.token === 'string', `admin login: ${login.status}`);
  return login.body.token as string;
}

export interface LoadResult extends AutocannonResult {
  /** Answers (2xx) per second. */
  rps: number;
  /** CPU time this process (the server) used during the run, µs per answer. */
  cpuUsPerRequest: number;
}

const LOAD_RUNNER = fileURLToPath(new URL('./autocannon-child.mjs', import.meta.url));

/**
 * One autocannon run in a child process (so this process's CPU time is the server's alone); refuses a
 * run with connection errors or non-2xx answers.
 */
export async function load(options: AutocannonOptions): Promise<LoadResult> {
  const child = spawn(process.execPath, [LOAD_RUNNER], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  // The CPU window opens when the options are handed over: the child's start-up is not the server's work.
  const cpu0 = process.cpuUsage();
  child.stdin.end(JSON.stringify(options));
  const code = await exited;
  const cpu = process.cpuUsage(cpu0);
  check(code === 0, `autocannon child exited ${code}`);
  const result = JSON.parse(output) as AutocannonResult;
  const statuses = JSON.stringify(result.statusCodeStats);
  check(result.errors === 0 && result.timeouts === 0, `load run had ${result.errors} errors, ${result.timeouts} timeouts`);
  check(result.non2xx === 0, `load run had ${result.non2xx} non-2xx answers: ${statuses}`);
  check(result['2xx'] > 0, 'load run completed no request');
  return { ...result, rps: result['2xx'] / result.duration, cpuUsPerRequest: (cpu.user + cpu.system) / result['2xx'] };
}
