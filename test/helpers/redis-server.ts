/**
 * Starts a real, throw-away redis-server for integration tests: a free loopback port, a fresh temp
 * dir, no persistence, `noeviction` like production (SPEC: Run modes). `kill()` + `restart()` let a
 * test take Redis away mid-run and bring it back on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  /** Path of the binary; default /usr/bin/redis-server (or REDIS_SERVER_BIN). */
  bin?: string;
  /** Extra `--name value` pairs appended to the command line. */
  args?: string[];
  /** How long to wait for the first PONG. */
  startTimeoutMs?: number;
}

export interface RedisServerHandle {
  url: string;
  port: number;
  dir: string;
  /** Graceful shutdown; removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; the dir stays for `restart()`. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and dir and waits for PONG. */
  restart(): Promise<void>;
}

const started = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A free loopback port: listen on 0, read the port, close. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One PING over a raw socket; true when the server answers +PONG. */
function ping(port: number, timeoutMs = 200): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

export async function startRedis(opts: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const bin = opts.bin ?? process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
  const startTimeoutMs = opts.startTimeoutMs ?? 10_000;
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'satchel-redis-'));
  let child: ChildProcess | undefined;
  let output = '';
  let stopped = false;

  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A crashed test run must not leave servers behind.
    process.once('exit', () => {
      for (const c of started) c.kill('SIGKILL');
    });
  }

  const launch = async (): Promise<void> => {
    output = '';
    const args = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--save', '',
      '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction',
      '--daemonize', 'no',
      '--logfile', '',
      ...(opts.args ?? []),
    ];
    const proc = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    started.add(proc);
    const keepTail = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    proc.stdout?.on('data', keepTail);
    proc.stderr?.on('data', keepTail);
    let exited: string | undefined;
    proc.once('error', (err) => {
      exited = `spawn failed: ${err.message}`;
    });
    proc.once('exit', (code, signal) => {
      started.delete(proc);
      exited ??= `exited with ${signal ?? code}`;
    });

    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (exited) throw new Error(`redis-server ${exited} before answering PING on port ${port}:\n${output}`);
      if (await ping(port)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not answer PING on port ${port} within ${startTimeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  };

  const waitExit = (proc: ChildProcess, signal: NodeJS.Signals): Promise<void> =>
    new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });

  await launch().catch(async (err) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child) await waitExit(child, 'SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      if (child) await waitExit(child, 'SIGKILL');
    },
    async restart() {
      if (stopped) throw new Error('redis-server handle already stopped');
      if (child) await waitExit(child, 'SIGTERM');
      await launch();
    },
  };
}
