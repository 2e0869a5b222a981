/**
 * The composition root: config → adapters → domain → http. The one place that wires things together.
 * `startSatchel(config)` opens storage and the cache, runs migrations, builds the app and (optionally)
 * listens; `close()` shuts everything down in order (HTTP first, so in-flight requests finish).
 */
import v8 from 'node:v8';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { createDatabase, type Database } from './adapters/db/database.js';
import { migrateToLatest } from './adapters/db/migrator.js';
import { TieredCache } from './cache/index.js';
import { CachedValidator } from './domain/validation/cached-validator.js';
import { createAccountsStore } from './adapters/db/accounts-store.js';
import { DatabaseLoginThrottle } from './adapters/db/login-throttle.js';
import { Argon2PasswordHasher } from './adapters/password/argon2-hasher.js';
import { connectLimitsRedis, RedisLoginThrottle } from './adapters/redis/login-throttle.js';
import { AccountsService } from './domain/accounts/accounts-service.js';
import { LOGIN_THROTTLE_POLICY, type ThrottlePolicy } from './domain/accounts/policy.js';
import type { CredentialValidator, LoginThrottle, PasswordHasher } from './domain/accounts/ports.js';
import { buildApp } from './http/app.js';
import performanceRoutes from './http/routes/performance/routes.js';
import { Metrics } from './perf/metrics.js';
import { PerfMonitor } from './perf/monitor.js';
import { CacheOptimizer } from './perf/optimizer.js';
import { validationTargets } from './perf/targets.js';
import { adminRoutes } from './http/routes/admin/routes.js';
import { authRoutes } from './http/routes/auth/routes.js';

export interface Satchel {
  config: Config;
  app: FastifyInstance;
  database: Database;
  cache: TieredCache;
  validator: CachedValidator;
  accounts: AccountsService;
  metrics: Metrics;
  monitor: PerfMonitor;
  optimizer: CacheOptimizer;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger;
  listen?: boolean;
  webRoot?: string | null;
  /** Tests only: a cheaper argon2 (production parameters are the default and stay covered by tests). */
  passwordHasher?: PasswordHasher;
  /** Tests only: run the optimizer more often than every 10 s. */
  optimizerIntervalMs?: number;
  /** Tests only: other login-throttle limits. */
  throttlePolicy?: ThrottlePolicy;
}

/** The accounts see the cached validator through their small port (password checks are never cached). */
function credentialValidator(validator: CachedValidator): CredentialValidator {
  return {
    validate: async (type, value, options) => validator.validate(type, value, options),
    validateBatch: async (type, values) => validator.validateBatch(type, [...values]),
  };
}

/** Share of the V8 heap limit in use: the optimizer shrinks caches when it nears 1. */
function heapPressure(): number {
  const { used_heap_size, heap_size_limit } = v8.getHeapStatistics();
  return used_heap_size / heap_size_limit;
}

export async function startSatchel(config: Config, options: StartOptions = {}): Promise<Satchel> {
  const database = await createDatabase(config.storage);
  await migrateToLatest(database);
  const cache = new TieredCache({ redisUrl: config.redisUrl, instanceId: config.instanceId });
  await cache.ready();
  const validator = new CachedValidator(cache);

  // Accounts: storage, login throttling (Redis shared across instances, the database as fallback), argon2.
  const policy = options.throttlePolicy ?? LOGIN_THROTTLE_POLICY;
  const databaseThrottle = new DatabaseLoginThrottle(database.db, policy);
  let limitsRedis: ReturnType<typeof connectLimitsRedis> | undefined;
  let throttle: LoginThrottle = databaseThrottle;
  let report: (message: string, error: unknown) => void = () => undefined;
  if (config.redisUrl) {
    limitsRedis = connectLimitsRedis(config.redisUrl);
    limitsRedis.on('error', (error) => report('limits redis', error));
    throttle = new RedisLoginThrottle(limitsRedis, databaseThrottle, {
      policy,
      onFallback: (error) => report('login throttle fell back to the database', error),
    });
  }
  const accounts = new AccountsService({
    ...createAccountsStore(database),
    throttle,
    hasher: options.passwordHasher ?? new Argon2PasswordHasher(),
    validator: credentialValidator(validator),
    settings: { registration: config.registration, sessionTtlS: config.sessionTtlS },
    onBackgroundError: (error) => report('accounts background write failed', error),
  });
  await accounts.ready();

  // Performance: metrics on every request, a monitor that snapshots each second, the cache optimizer.
  const metrics = new Metrics(config.instanceId, { cache, validator });
  const optimizer = new CacheOptimizer(
    () => validationTargets(cache, validator),
    { l2RoundTripUs: () => cache.l2RoundTripUs(), heapPressure },
    { memoryBudgetMb: config.cacheMemoryMb, ...(options.optimizerIntervalMs ? { intervalMs: options.optimizerIntervalMs } : {}) },
  );
  const monitor = new PerfMonitor({
    metrics,
    cache,
    validator,
    optimizer,
    probes: { database: async () => (await database.ping(), { ok: true }) },
    onAlert: (alert, state) => app.log.warn({ alert }, `alert ${state}: ${alert.message}`),
  });

  const app = await buildApp({
    config,
    validator,
    authenticator: accounts,
    metrics,
    features: [
      authRoutes({ accounts, config }),
      adminRoutes({ accounts }),
      (instance) => performanceRoutes(instance, { metrics, monitor, cache, optimizer, ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}) }),
    ],
    logger: options.logger,
    ...(options.webRoot !== undefined ? { webRoot: options.webRoot } : {}),
  });
  let lastReport = 0;
  report = (message, error) => {
    // Redis errors repeat on every reconnect attempt: one log line a minute is enough.
    if (Date.now() - lastReport < 60_000) return;
    lastReport = Date.now();
    app.log.warn({ err: error }, message);
  };
  monitor.start();
  optimizer.start();
  app.addHook('onClose', async () => {
    monitor.stop();
    optimizer.stop();
    metrics.close();
    await accounts.drain();
    limitsRedis?.disconnect();
    await cache.close();
    await database.close();
  });
  if (options.listen) await app.listen({ port: config.port, host: config.host });

  return {
    config,
    app,
    database,
    cache,
    validator,
    accounts,
    metrics,
    monitor,
    optimizer,
    close: () => app.close(),
  };
}
