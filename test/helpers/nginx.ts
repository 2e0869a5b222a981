/**
 * Starts Debian's nginx (/usr/sbin/nginx, or NGINX_BIN) as a real process in front of Satchel instances,
 * from the shipped deploy/nginx/satchel.conf: its `upstream satchel { … }` block (server lines replaced by
 * the given ports, with the shipped parameters) and the part between "BEGIN satchel locations" and "END
 * satchel locations" (verbatim), inside a loopback server on a free port, plus a TLS listener with a
 * self-signed certificate when asked. Pid, logs and temp paths live in a temp dir; `user root;` only when
 * running as root (the workers would otherwise drop to a user that cannot enter that dir).
 * Also starts `satchel serve` processes the way deploy/systemd/satchel@.service does (startServeProcess).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createConnection } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server.js';

export const SHIPPED_NGINX_CONF = fileURLToPath(new URL('../../deploy/nginx/satchel.conf', import.meta.url));

export interface NginxOptions {
  /** Ports of the Satchel instances on 127.0.0.1 (the upstream's server lines). */
  upstreamPorts: number[];
  /** Also listen with TLS on another free port (X-Forwarded-Proto https → Secure cookies). */
  tls?: { cert: string; key: string };
  /** Default 1: one worker keeps one keep-alive pool, as on a small machine. */
  workers?: number;
  bin?: string;
}

export interface NginxHandle {
  /** http://127.0.0.1:PORT */
  url: string;
  /** https://127.0.0.1:PORT when `tls` was given. */
  tlsUrl?: string;
  dir: string;
  /** The rendered nginx.conf. */
  config: string;
  /** The error log so far (what nginx says about failed upstream attempts). */
  errorLog(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** The `upstream satchel { … }` block and the locations part of the shipped config. */
export function shippedParts(conf = readFileSync(SHIPPED_NGINX_CONF, 'utf8')): { upstream: string; locations: string } {
  const upstream = /^upstream satchel \{\n[\s\S]*?^\}\n/m.exec(conf)?.[0];
  const locations = /^[ \t]*# BEGIN satchel locations\n([\s\S]*?)^[ \t]*# END satchel locations\n/m.exec(conf)?.[1];
  if (!upstream || !locations) throw new Error(`${SHIPPED_NGINX_CONF}: upstream block or BEGIN/END satchel locations not found`);
  return { upstream, locations };
}

export function renderTestConfig(options: {
  dir: string;
  port: number;
  upstreamPorts: number[];
  tls?: { port: number; certFile: string; keyFile: string };
  workers?: number;
}): string {
  const { upstream, locations } = shippedParts();
  const servers = /# BEGIN upstream servers\n([\s\S]*?)\n[ \t]*# END upstream servers/.exec(upstream);
  // The parameters of the first shipped server line (max_fails, fail_timeout, …) apply to every test port.
  const parameters = /server\s+\S+\s*([^;]*);/.exec(servers?.[1] ?? '')?.[1]?.trim() ?? '';
  if (!servers) throw new Error('upstream satchel: BEGIN/END upstream servers not found');
  const serverLines = options.upstreamPorts.map((port) => `    server 127.0.0.1:${port} ${parameters};`).join('\n');
  const renderedUpstream = upstream.replace(servers[0], `# BEGIN upstream servers\n${serverLines}\n    # END upstream servers`);
  const dir = options.dir;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return [
    root ? 'user root;' : '',
    `worker_processes ${options.workers ?? 1};`,
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '    access_log off;',
    `    client_body_temp_path ${join(dir, 'client_body')};`,
    `    proxy_temp_path ${join(dir, 'proxy')};`,
    `    fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `    uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `    scgi_temp_path ${join(dir, 'scgi')};`,
    renderedUpstream,
    '    server {',
    `        listen 127.0.0.1:${options.port};`,
    ...(options.tls
      ? [
          `        listen 127.0.0.1:${options.tls.port} ssl;`,
          `        ssl_certificate ${options.tls.certFile};`,
          `        ssl_certificate_key ${options.tls.keyFile};`,
        ]
      : []),
    '        server_name localhost;',
    locations,
    '    }',
    '}',
    '',
  ].join('\n');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startNginx(options: NginxOptions): Promise<NginxHandle> {
  const bin = options.bin ?? process.env.NGINX_BIN ?? '/usr/sbin/nginx';
  const dir = mkdtempSync(join(tmpdir(), 'satchel-nginx-'));
  const port = await freePort();
  let tls: { port: number; certFile: string; keyFile: string } | undefined;
  if (options.tls) {
    tls = { port: await freePort(), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
    writeFileSync(tls.certFile, options.tls.cert);
    writeFileSync(tls.keyFile, options.tls.key, { mode: 0o600 });
  }
  const config = renderTestConfig({ dir, port, upstreamPorts: options.upstreamPorts, ...(tls ? { tls } : {}), workers: options.workers ?? 1 });
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, config);

  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
  // -e: the error log from the first line on (else nginx tries /var/log/nginx before reading the config).
  const child = spawn(bin, ['-p', dir, '-c', confFile, '-e', join(dir, 'error.log'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited: string | undefined;
  child.once('error', (error) => (exited = `could not start: ${error.message}`));
  child.once('exit', (code, signal) => {
    running.delete(child);
    exited ??= `exited with ${signal ?? code}`;
  });
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };

  const deadline = Date.now() + 10_000;
  while (!(await accepts(port)) || (tls && !(await accepts(tls.port)))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx ${exited ?? 'did not listen within 10 s'}:\n${output}\n${errorLog()}\n--- nginx.conf\n${config}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    ...(tls ? { tlsUrl: `https://127.0.0.1:${tls.port}` } : {}),
    dir,
    config,
    errorLog,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM'); // nginx's fast shutdown
      });
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Satchel instances as deploy/systemd/satchel@.service runs them: its ExecStart (with /opt/satchel as
// this checkout and /usr/bin/node as this Node) and its Environment= lines (%i = the port).

export const SHIPPED_UNIT = fileURLToPath(new URL('../../deploy/systemd/satchel@.service', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The unit's command line. bin/satchel.js runs dist/ when built, else the sources through tsx; a dist/
 * older than src/ (a checkout edited since `npm run build`; CI builds first) would test stale code, so
 * then the sources are run directly.
 */
export function unitCommand(unit = readFileSync(SHIPPED_UNIT, 'utf8')): { argv: string[]; env: Record<string, string>; fromDist: boolean } {
  const exec = /^ExecStart=(.+)$/m.exec(unit)?.[1]?.trim().split(/\s+/);
  if (!exec || exec.length < 3) throw new Error(`${SHIPPED_UNIT}: no ExecStart`);
  const [node, script, ...args] = exec;
  if (!node!.endsWith('/node') || !script!.startsWith('/opt/satchel/')) throw new Error(`${SHIPPED_UNIT}: unexpected ExecStart ${exec.join(' ')}`);
  const env: Record<string, string> = {};
  for (const match of unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) env[match[1]!] = match[2]!;
  const built = join(ROOT, 'dist/src/cli/main.js');
  const fromDist = existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(ROOT, 'src'));
  const argv = fromDist
    ? [process.execPath, join(ROOT, script!.slice('/opt/satchel/'.length)), ...args]
    : [process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args];
  return { argv, env, fromDist };
}

/** GET /api/health on a connection of its own, closed after (a kept-alive probe would be an idle client to drain). */
function healthOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/api/health', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export interface ServeProcess {
  port: number;
  url: string;
  instanceId: string;
  /** stdout + stderr so far (the last 20,000 characters). */
  output(): string;
  /** The running process's id (RSS readings in the soak benchmark). */
  pid(): number | undefined;
  /** Sends `signal` and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** Starts it again on the same port with the same settings; resolves once /api/health answers. */
  start(): Promise<void>;
}

export async function startServeProcess(options: { env: Record<string, string>; port?: number }): Promise<ServeProcess> {
  const port = options.port ?? (await freePort());
  const { argv, env: unitEnv } = unitCommand();
  const expand = (value: string) => value.replaceAll('%i', String(port)).replaceAll('%H', hostname());
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...options.env };
  for (const [name, value] of Object.entries(unitEnv)) env[name] = expand(value);
  let child: ChildProcess | undefined;
  let output = '';
  const url = `http://127.0.0.1:${port}`;

  const start = async () => {
    const proc = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    running.add(proc);
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.once('exit', () => running.delete(proc));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`satchel serve on ${port} exited ${proc.exitCode ?? proc.signalCode}:\n${output}`);
      const healthy = await healthOnce(port);
      if (healthy) return;
      if (Date.now() > deadline) throw new Error(`satchel serve on ${port} not healthy within 60 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await start();
  return {
    port,
    url,
    instanceId: env.INSTANCE_ID ?? '',
    output: () => output,
    pid: () => child?.pid,
    start,
    stop(signal = 'SIGTERM') {
      const proc = child!;
      const began = Date.now();
      return new Promise((resolve) => {
        const done = () => resolve({ code: proc.exitCode, signal: proc.signalCode, ms: Date.now() - began });
        if (proc.exitCode !== null || proc.signalCode !== null) return done();
        proc.once('exit', done);
        proc.kill(signal);
      });
    },
  };
}
