/**
 * Issue 9: "an instance killed with SIGKILL in the middle of an async import: the job is resumed or
 * marked failed by another instance, never left running forever, and no row is stored twice."
 * Two real Satchel processes on one PostgreSQL (+ one redis-server for the BullMQ variant): a large
 * async import starts, the process running it is SIGKILLed mid-way, the other one takes the job over
 * once its heartbeat is stale and runs it again from the spooled upload, to completed; the notes
 * table then holds exactly one row per distinct ref. Partial mode keeps the rows of the killed run
 * (they come back unchanged); atomic mode loses them with the killed transaction.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { freePort, startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { GOOD_PASSWORD } from '../accounts/harness.js';
import { notesCsv } from './harness.js';

const ROWS = 16_000;
const DISTINCT = 10_000;
const CHILD_OPTIONS = { jobTimings: { heartbeatMs: 100, staleMs: 1_500, sweepMs: 200, progressMs: 0, batchSize: 500 } };

interface Child {
  name: string;
  process: ChildProcess;
  base: string;
}

const children = new Set<ChildProcess>();

async function spawnInstance(name: string, env: Record<string, string>): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/jobs/instance-process.ts'], {
    env: { PATH: process.env.PATH ?? '', CHAIN_BACKEND: 'none', LOG_LEVEL: 'silent', INSTANCE_ID: name, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${stderr}`)), 45_000);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it listened: ${stderr}`)));
    lines.on('line', (line) => {
      if (line.includes('"listening"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { name, process: child, base: `http://127.0.0.1:${port}` };
}

async function call(child: Child, method: string, path: string, init: { token?: string; json?: unknown; csv?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  if (init.csv !== undefined) headers['content-type'] = 'text/csv';
  const response = await fetch(`${child.base}${path}`, {
    method,
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : init.csv !== undefined ? { body: init.csv } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const VARIANTS = DIALECTS.includes('postgres')
  ? [
      { name: 'in-process queue, partial import', redis: false, mode: 'partial' as const },
      { name: 'BullMQ, atomic import', redis: true, mode: 'atomic' as const },
    ]
  : [];

describe.each(VARIANTS)('SIGKILL in the middle of an async import ($name)', ({ redis: withRedis, mode }) => {
  let database: TestDatabase;
  let redis: RedisServerHandle | undefined;

  afterAll(async () => {
    await redis?.stop();
    await database?.close();
  });

  it('another instance resumes the job to completed and stores one row per distinct ref', { timeout: 90_000 }, async () => {
    database = await openTestDatabase('postgres');
    if (withRedis) redis = await startRedis();
    const env = {
      DATABASE_URL: (database.config as { url: string }).url,
      ...(redis ? { REDIS_URL: redis.url } : {}),
      SATCHEL_TEST_OPTIONS: JSON.stringify({ ...CHILD_OPTIONS, jobQueuePrefix: `sigkill-${process.pid}` }),
    };
    const [a, b] = await Promise.all([spawnInstance('A', env), spawnInstance('B', env)]);
    expect((await call(a, 'POST', '/api/auth/register', { json: { username: 'alice', password: GOOD_PASSWORD } })).status).toBe(201);
    const login = await call(b, 'POST', '/api/auth/login', { json: { username: 'alice', password: GOOD_PASSWORD } });
    const token = login.body.token as string;
    const userId = (login.body.user as { id: string }).id;

    const accepted = await call(a, 'POST', `/api/notes/import?format=csv&mode=${mode}&async=1`, { token, csv: notesCsv(ROWS, DISTINCT, 'killed') });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const jobId = accepted.body.jobId as string;

    // Wait until the import is well under way, then kill the process that runs it (A without Redis;
    // with BullMQ whichever worker took it).
    const row = () => database.db.selectFrom('jobs').select(['state', 'processed', 'total', 'instance', 'attempts']).where('id', '=', jobId).executeTakeFirstOrThrow();
    let running = await row();
    for (const deadline = Date.now() + 20_000; !(running.state === 'running' && running.processed > 0) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      running = await row();
    }
    expect(running.state, 'the import should be running').toBe('running');
    expect(running.processed).toBeLessThan(running.total!);
    const victim = running.instance.startsWith('A:') ? a : b;
    const survivor = victim === a ? b : a;
    victim.process.kill('SIGKILL');
    await new Promise((resolve) => victim.process.once('exit', resolve));
    const notesAtKill = Number(
      (await database.db.selectFrom('notes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()).n,
    );
    if (mode === 'partial') expect(notesAtKill).toBeGreaterThan(0);
    expect(notesAtKill).toBeLessThan(DISTINCT);

    // The survivor reports it, never failed on the way, and it ends.
    const seen = new Set<string>();
    let job: Record<string, unknown> = {};
    for (const deadline = Date.now() + 40_000; Date.now() < deadline; ) {
      const polled = await call(survivor, 'GET', `/api/jobs/${jobId}`, { token });
      job = polled.body;
      seen.add(job.state as string);
      if (job.state === 'completed' || job.state === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(job, JSON.stringify(job)).toMatchObject({ state: 'completed', attempts: 2, report: { failed: 0 } });
    expect([...seen]).not.toContain('failed');
    expect((await row()).instance.startsWith(`${survivor.name}:`)).toBe(true);
    const report = job.report as { imported: number; updated: number; unchanged: number };
    expect(report.imported + report.updated + report.unchanged).toBe(ROWS);
    if (mode === 'atomic') expect(report.imported).toBe(DISTINCT); // the killed transaction left nothing

    const counts = await database.db
      .selectFrom('notes')
      .select((eb) => [eb.fn.countAll<number>().as('rows'), eb.fn.count<number>('ref').distinct().as('refs')])
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    expect({ rows: Number(counts.rows), refs: Number(counts.refs) }).toEqual({ rows: DISTINCT, refs: DISTINCT });
    const uploads = await database.db.selectFrom('job_uploads').select('job_id').where('job_id', '=', jobId).execute();
    expect(uploads).toEqual([]);

    survivor.process.kill('SIGTERM');
    await new Promise((resolve) => survivor.process.once('exit', resolve));
  });
});
