/**
 * The only reader of process.env. `loadConfig(env)` turns environment variables (SPEC: Run modes and
 * "Other settings") into one frozen, typed object, or throws a ConfigError whose message is one line
 * naming the variable. No I/O happens here.
 */
import { isIP } from 'node:net';
import { NETWORKS, type Network } from './validation/types.js';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid setting ${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export type StorageConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
export type ChainBackendKind = 'esplora' | 'electrum' | 'none';

export interface Config {
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  dataDir: string;
  storage: StorageConfig;
  redisUrl?: string;
  network: Network;
  metricsToken?: string;
  registration: 'open' | 'closed';
  sessionTtlS: number;
  /** syncIntervalS: background wallet re-sync period (WALLET_SYNC_INTERVAL_S, default 600; 0 = off). */
  chain: { backend: ChainBackendKind; esploraUrl: string; electrumUrl?: string; syncIntervalS: number };
  lightning:
    /** signingThreads: LIGHTNING_SIGNING_THREADS, worker threads the dev node signs bulks on (unset = by core count). */
    | { backend: 'dev'; signingThreads?: number }
    | { backend: 'lnd'; restUrl: string; macaroonHex: string; tlsCertPath?: string };
  /**
   * TRUST_PROXY: X-Forwarded-For/-Proto are believed only from these peers (addresses, CIDRs, or
   * proxy-addr's `loopback`|`linklocal`|`uniquelocal`); unset = trust none. Handed to Fastify's trustProxy.
   */
  trustProxy?: string[];
  cacheMemoryMb: number;
  webhookAllowPrivate: boolean;
  /** Alerts are POSTed here when they fire and clear (ALERT_WEBHOOK_URL), signed with ALERT_WEBHOOK_SECRET if set. */
  alertWebhook?: { url: string; secret?: string };
  instanceId: string;
  /** Largest request body in bytes for ordinary JSON routes. */
  bodyLimit: number;
  /** Background jobs (async imports) this instance runs at once (JOB_CONCURRENCY, default 2). */
  jobConcurrency: number;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new ConfigError(name, `expected one of ${allowed.join('|')}, got ${JSON.stringify(raw)}`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `expected ${min}–${max}, got ${n}`);
  return n;
}

function flag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(name, `expected 1|0|true|false, got ${JSON.stringify(raw)}`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a ${protocols.map((p) => p.replace(':', '')).join('|')} URL`);
  }
  return raw;
}

const PROXY_ADDR_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUST_PROXY as a list Fastify (proxy-addr) accepts. `true`, `*` and hop counts are refused on purpose:
 * trusting every peer lets any client forge its address (login throttling is keyed by it).
 */
function trustedProxies(env: Env): string[] | undefined {
  const raw = env.TRUST_PROXY;
  if (raw === undefined || raw.trim() === '') return undefined;
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (PROXY_ADDR_NAMES.includes(entry)) continue;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new ConfigError(
        'TRUST_PROXY',
        `expected comma-separated proxy addresses or CIDRs (e.g. 127.0.0.1,10.0.0.0/8) or loopback|linklocal|uniquelocal, got ${JSON.stringify(entry)}`,
      );
    }
  }
  return entries;
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const dataDir = env.DATA_DIR || './data';
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  const chainBackend = oneOf(env, 'CHAIN_BACKEND', ['esplora', 'electrum', 'none'] as const, 'esplora');
  const electrumUrl = url(env, 'ELECTRUM_URL', ['tcp:', 'ssl:']);
  if (chainBackend === 'electrum' && !electrumUrl) {
    throw new ConfigError('ELECTRUM_URL', 'required when CHAIN_BACKEND=electrum (tcp://host:port or ssl://host:port)');
  }
  const lndRestUrl = url(env, 'LND_REST_URL', ['https:', 'http:']);
  const macaroonHex = env.LND_MACAROON_HEX;
  if (lndRestUrl && !macaroonHex) throw new ConfigError('LND_MACAROON_HEX', 'required when LND_REST_URL is set');
  if (macaroonHex && !/^[0-9a-fA-F]+$/.test(macaroonHex)) throw new ConfigError('LND_MACAROON_HEX', 'expected hex');

  const config: Config = {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    dataDir,
    storage: databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'sqlite', file: `${dataDir}/satchel.db` },
    network: oneOf(env, 'NETWORK', NETWORKS, 'mainnet'),
    registration: oneOf(env, 'REGISTRATION', ['open', 'closed'] as const, 'open'),
    sessionTtlS: integer(env, 'SESSION_TTL_S', 7 * 24 * 3600, 60, 365 * 24 * 3600),
    chain: {
      backend: chainBackend,
      esploraUrl: url(env, 'ESPLORA_URL', ['https:', 'http:']) ?? 'https://mempool.space/api',
      ...(electrumUrl ? { electrumUrl } : {}),
      syncIntervalS: integer(env, 'WALLET_SYNC_INTERVAL_S', 600, 0, 7 * 24 * 3600),
    },
    lightning:
      lndRestUrl && macaroonHex
        ? {
            backend: 'lnd',
            restUrl: lndRestUrl,
            macaroonHex,
            ...(env.LND_TLS_CERT_PATH ? { tlsCertPath: env.LND_TLS_CERT_PATH } : {}),
          }
        : env.LIGHTNING_SIGNING_THREADS
          ? { backend: 'dev', signingThreads: integer(env, 'LIGHTNING_SIGNING_THREADS', 0, 0, 64) }
          : { backend: 'dev' },
    cacheMemoryMb: integer(env, 'CACHE_MEMORY_MB', 64, 1, 65536),
    webhookAllowPrivate: flag(env, 'WEBHOOK_ALLOW_PRIVATE'),
    instanceId: env.INSTANCE_ID || `${process.pid}`,
    bodyLimit: integer(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024, 256 * 1024 * 1024),
    jobConcurrency: integer(env, 'JOB_CONCURRENCY', 2, 1, 64),
  };
  if (redisUrl) config.redisUrl = redisUrl;
  if (env.METRICS_TOKEN) config.metricsToken = env.METRICS_TOKEN;
  const alertWebhookUrl = url(env, 'ALERT_WEBHOOK_URL', ['https:', 'http:']);
  if (alertWebhookUrl) config.alertWebhook = { url: alertWebhookUrl, ...(env.ALERT_WEBHOOK_SECRET ? { secret: env.ALERT_WEBHOOK_SECRET } : {}) };
  else if (env.ALERT_WEBHOOK_SECRET) throw new ConfigError('ALERT_WEBHOOK_SECRET', 'set without ALERT_WEBHOOK_URL');
  const trustProxy = trustedProxies(env);
  if (trustProxy) config.trustProxy = trustProxy;
  return Object.freeze(config);
}
