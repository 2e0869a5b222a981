/**
 * A realistic load on a running Satchel (issue 9): sign-in, wallet pages, address ranges, note search,
 * validation and invoice creation, through autocannon.
 *
 *   npx tsx scripts/load.ts http://127.0.0.1:8080 [--duration 20] [--connections 16] [--users 4] [--json]
 *
 * First a seed step creates users (registration must be open, or the first account be free), each with
 * wallets (an xpub and an address) and notes, through the API like any client. Then every connection
 * loops over a weighted mix (MIX below) as one of those users (bearer token; one sign-in per 50
 * requests). Prints throughput and latency p50/p99, overall and the failures (non-2xx, socket errors,
 * timeouts). bench/http/load-mix.bench.ts uses the same seed and mix.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import autocannon, { type AutocannonRequest } from 'autocannon';

const PASSWORD = 'load test password 1234';
/** BIP-32 test vector 1, m (mainnet): 1,000s of receive addresses to page through. */
const XPUB = 'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8';
const ADDRESSES = [
  'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
  '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2',
  '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
  'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297',
  'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx',
];
const WORDS = ['rent', 'salary', 'coffee', 'exchange', 'gift', 'hardware', 'savings', 'refund'];

export interface SeededUser {
  username: string;
  token: string;
  walletIds: string[];
  xpubWalletId: string;
}

export interface SeedOptions {
  users?: number;
  notesPerUser?: number;
  /** Prefix of the usernames (a random one by default, so runs do not collide). */
  prefix?: string;
}

async function call(base: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, json };
}

function expectStatus(what: string, got: { status: number; json: unknown }, ...ok: number[]) {
  if (!ok.includes(got.status)) throw new Error(`seed: ${what} answered ${got.status}: ${JSON.stringify(got.json).slice(0, 300)}`);
}

const txid = (i: number, user: number) => (user * 1_000_003 + i).toString(16).padStart(64, '0');

/** Creates the users, their wallets and notes through the API; returns what the load needs. */
export async function seed(base: string, options: SeedOptions = {}): Promise<SeededUser[]> {
  const users = options.users ?? 4;
  const notesPerUser = options.notesPerUser ?? 200;
  const prefix = options.prefix ?? `load_${randomBytes(3).toString('hex')}`;
  const seeded: SeededUser[] = [];
  for (let u = 0; u < users; u++) {
    const username = `${prefix}_${u}`;
    expectStatus(`register ${username}`, await call(base, 'POST', '/api/auth/register', { username, password: PASSWORD }), 201, 409);
    const login = await call(base, 'POST', '/api/auth/login', { username, password: PASSWORD });
    expectStatus(`login ${username}`, login, 200);
    const token = login.json.token as string;
    const xpubWallet = await call(base, 'POST', '/api/wallets', { name: 'savings (xpub)', source: XPUB }, token);
    expectStatus('create xpub wallet', xpubWallet, 201);
    const addressWallet = await call(base, 'POST', '/api/wallets', { name: 'donations', source: ADDRESSES[0] }, token);
    expectStatus('create address wallet', addressWallet, 201);
    // Notes in parallel batches of 20: the seed is not what is measured.
    for (let i = 0; i < notesPerUser; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, notesPerUser - i) }, (_, k) => {
          const n = i + k;
          const note = `${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]} #${n}`;
          return call(base, 'PUT', `/api/notes/tx/${txid(n, u)}`, { note }, token).then((r) => expectStatus('put note', r, 200, 201));
        }),
      );
    }
    seeded.push({ username, token, xpubWalletId: xpubWallet.json.id as string, walletIds: [xpubWallet.json.id as string, addressWallet.json.id as string] });
  }
  return seeded;
}

type Pick = (user: SeededUser, n: number) => { method: 'GET' | 'POST'; path: string; body?: unknown; auth: boolean };

/** Weights per 50 requests: reads dominate, as in a wallet app; one sign-in (argon2id) in 50. */
export const MIX: Array<{ name: string; weight: number; pick: Pick }> = [
  { name: 'sign-in', weight: 1, pick: (user) => ({ method: 'POST', path: '/api/auth/login', body: { username: user.username, password: PASSWORD }, auth: false }) },
  { name: 'wallet list', weight: 7, pick: () => ({ method: 'GET', path: '/api/wallets?limit=20', auth: true }) },
  { name: 'wallet page', weight: 4, pick: (user, n) => ({ method: 'GET', path: `/api/wallets/${user.walletIds[n % user.walletIds.length]}`, auth: true }) },
  {
    name: 'address range',
    weight: 8,
    pick: (user, n) => ({ method: 'GET', path: `/api/wallets/${user.xpubWalletId}/addresses?chain=${n % 3 ? 'receive' : 'change'}&start=${(n * 20) % 1000}&count=20`, auth: true }),
  },
  { name: 'note search', weight: 8, pick: (_user, n) => ({ method: 'GET', path: `/api/notes?q=${WORDS[n % WORDS.length]}&limit=20`, auth: true }) },
  {
    name: 'validate',
    weight: 14,
    pick: (_user, n) => ({
      method: 'POST',
      path: '/api/validate',
      body: n % 5 === 4 ? { type: 'xpub', value: XPUB } : { type: 'address', value: ADDRESSES[n % ADDRESSES.length] },
      auth: true,
    }),
  },
  { name: 'invoice', weight: 5, pick: (_user, n) => ({ method: 'POST', path: '/api/lightning/invoices', body: { amountSat: 1000 + (n % 500), memo: `load ${n}` }, auth: true }) },
  { name: 'invoice list', weight: 2, pick: () => ({ method: 'GET', path: '/api/lightning/invoices?limit=20', auth: true }) },
  { name: 'health', weight: 1, pick: () => ({ method: 'GET', path: '/api/health', auth: false }) },
];

/** The mix as one sequence each connection loops over (weights spread out, not in runs). */
function sequence(): Array<{ name: string; pick: Pick }> {
  const total = MIX.reduce((sum, entry) => sum + entry.weight, 0);
  const slots: Array<{ at: number; name: string; pick: Pick }> = [];
  for (const entry of MIX) for (let k = 0; k < entry.weight; k++) slots.push({ at: (k + 0.5) / entry.weight, name: entry.name, pick: entry.pick });
  return slots.sort((a, b) => a.at - b.at).slice(0, total);
}

export interface LoadOptions {
  durationS?: number;
  connections?: number;
  timeoutS?: number;
}

export interface LoadResult {
  requests: number;
  throughputRps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  /** Up to 5 failing answers, to say what went wrong. */
  failures: string[];
}

/** Runs the mix against `base` with the seeded users (connection i acts as user i mod users). */
export async function runLoad(base: string, users: SeededUser[], options: LoadOptions = {}): Promise<LoadResult> {
  if (!users.length) throw new Error('runLoad: no seeded users');
  const steps = sequence();
  let nextConnection = 0;
  const failures: string[] = [];
  const requests = steps.map((step) => ({
    setupRequest: (request: Record<string, unknown>, context: Record<string, unknown>) => {
      context.connection ??= nextConnection++;
      context.n = ((context.n as number | undefined) ?? 0) + 1;
      const user = users[(context.connection as number) % users.length]!;
      const picked = step.pick(user, (context.n as number) + (context.connection as number) * 7);
      return {
        ...request,
        method: picked.method,
        path: picked.path,
        headers: {
          ...(picked.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(picked.auth ? { authorization: `Bearer ${user.token}` } : {}),
        },
        body: picked.body === undefined ? undefined : JSON.stringify(picked.body),
      };
    },
    onResponse: (status: number, body: string) => {
      if ((status < 200 || status > 299) && failures.length < 5) failures.push(`${step.name}: ${status} ${String(body).slice(0, 200)}`);
    },
  }));
  const result = await autocannon({
    url: base,
    connections: options.connections ?? 16,
    duration: options.durationS ?? 20,
    timeout: options.timeoutS ?? 10,
    requests: requests as unknown as AutocannonRequest[],
  });
  return {
    requests: result.requests.total,
    throughputRps: result.requests.average,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: result.duration,
    failures,
  };
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const base = args.find((arg) => /^https?:\/\//.test(arg));
  if (!base) {
    process.stderr.write('usage: npx tsx scripts/load.ts URL [--duration S] [--connections N] [--users N] [--notes N] [--json]\n');
    process.exit(2);
  }
  const url = base.replace(/\/$/, '');
  const started = Date.now();
  const users = await seed(url, { users: flag(args, 'users', 4), notesPerUser: flag(args, 'notes', 200) });
  process.stderr.write(`seeded ${users.length} users (2 wallets, notes each) in ${((Date.now() - started) / 1000).toFixed(1)} s; loading…\n`);
  const result = await runLoad(url, users, { durationS: flag(args, 'duration', 20), connections: flag(args, 'connections', 16) });
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(
      [
        `${result.requests} requests in ${result.durationS.toFixed(1)} s: ${result.throughputRps.toFixed(0)} req/s`,
        `latency p50 ${result.p50Ms} ms, p90 ${result.p90Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`,
        `failed: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
        ...result.failures.map((failure) => `  ${failure}`),
        '',
      ].join('\n'),
    );
  }
  process.exitCode = result.non2xx + result.errors + result.timeouts > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
