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
import { PerfCluster } from './perf/cluster.js';
import { RedisPerfClusterStore } from './adapters/redis/perf-cluster-store.js';
import { CacheOptimizer } from './perf/optimizer.js';
import { SharedPerfSettings } from './perf/shared-settings.js';
import { validationTargets } from './perf/targets.js';
import { adminRoutes } from './http/routes/admin/routes.js';
import { authRoutes } from './http/routes/auth/routes.js';
import { chainBackendInfo } from './adapters/chain/backend-info.js';
import { createChainBackend } from './adapters/chain/factory.js';
import { chainProbe } from './adapters/chain/probe.js';
import { defaultKeyCrypto } from './adapters/crypto/native-key-crypto.js';
import { newId } from './adapters/db/accounts-store.js';
import { createWalletStore } from './adapters/db/wallet-store.js';
import type { AddressBlock } from './domain/wallets/address-book.js';
import type { ChainBackend } from './domain/wallets/chain.js';
import type { KeyCrypto } from './domain/wallets/key-crypto.js';
import { WalletSyncScheduler } from './domain/wallets/sync-scheduler.js';
import { WalletService } from './domain/wallets/wallet-service.js';
import { walletRoutes } from './http/routes/wallets/routes.js';
import { SqlIdempotencyStore } from './adapters/db/idempotency-store.js';
import { SqlDevInvoiceStore, SqlInvoiceStore } from './adapters/db/lightning-store.js';
import { openLightningBackend } from './adapters/lightning/backend-factory.js';
import { Idempotency } from './domain/idempotency/idempotency.js';
import type { LightningBackend } from './domain/lightning/backend.js';
import type { Clock } from './domain/lightning/clock.js';
import { InvoiceService } from './domain/lightning/invoice-service.js';
import { InvoiceWatcher } from './domain/lightning/invoice-watcher.js';
import { lightningRoutes } from './http/routes/lightning/routes.js';
import { SqlWebhookStore } from './adapters/db/webhook-store.js';
import { SqlSettingsStore } from './adapters/db/settings-store.js';
import { outboundUrlGuard, refusedAddressReason } from './adapters/outbound/url-guard.js';
import { webhookPoster } from './adapters/outbound/webhook-poster.js';
import { AlertWebhook, assertAlertWebhookUrl } from './adapters/outbound/alert-webhook.js';
import { PaymentWebhooks } from './domain/lightning/payment-webhooks.js';
import { SqlJobStore, SqlUploadSpool } from './adapters/db/job-store.js';
import { BullMqJobQueue } from './adapters/jobs/bullmq-queue.js';
import { InProcessJobQueue } from './adapters/jobs/in-process-queue.js';
import { SqlNoteStore } from './adapters/db/note-store.js';
import { SqlNoteHistoryStore } from './adapters/db/note-history-store.js';
import { NoteHistoryService } from './domain/notes/note-history-service.js';
import { JobService, type JobTimings } from './domain/jobs/job-service.js';
import { validateRefsWith } from './domain/notes/note-refs.js';
import { NoteService } from './domain/notes/note-service.js';
import { noteRoutes } from './http/routes/notes/routes.js';

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
  wallets: WalletService;
  chainBackend: ChainBackend;
  lightning: LightningBackend;
  invoices: InvoiceService;
  invoiceWatcher: InvoiceWatcher;
  notes: NoteService;
  jobs: JobService;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger;
  listen?: boolean;
  webRoot?: string | null;
  /** Tests only: a cheaper argon2 (production parameters are the default and stay covered by tests). */
  passwordHasher?: PasswordHasher;
  /** Tests only: faster alert webhook retries. */
  alertWebhookRetry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Tests only: look for performance settings other instances stored more often than every 5 s. */
  perfSettingsPollMs?: number;
  /** Tests only: run the optimizer more often than every 10 s. */
  optimizerIntervalMs?: number;
  /** Tests only: other login-throttle limits. */
  throttlePolicy?: ThrottlePolicy;
  /** Tests only: a chain backend built by the test (short timeouts), instead of one from config. */
  chainBackend?: ChainBackend;
  /** Tests and benchmarks: the key crypto for derivation (e.g. wrapped to count derivations). */
  keyCrypto?: KeyCrypto;
  /** Tests only: the clock of the Lightning node, invoices and watcher (expiry on a fake clock). */
  lightningClock?: Clock;
  /** Tests only: shorter delays between payment webhook attempts. */
  webhookRetryDelaysMs?: number[];
  /** Benchmarks: backend calls in flight during a bulk invoice creation (default by backend: dev 64, LND 8). */
  invoiceConcurrency?: number;
  /**
   * Benchmarks only: `false` leaves the per-request metrics hook (http-metrics) out, so its cost can be
   * measured against the same app without it; the performance API then shows no HTTP figures.
   */
  httpMetrics?: boolean;
  /** Tests only: a smaller import body limit than SPEC's 200 MB. */
  noteImportBodyLimit?: number;
  /** Tests only: job heartbeat/staleness/sweep timings, attempts before failing, import batch size. */
  jobTimings?: JobTimings & { maxAttempts?: number; batchSize?: number; chunkBytes?: number };
  /** Tests only: the Redis key prefix of the BullMQ job queue (one per test run). */
  jobQueuePrefix?: string;
  /** Tests only: `false` accepts and reports jobs but runs none here (another instance runs them). */
  runJobs?: boolean;
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
  // SPEC "Outbound URLs": a refused alert webhook URL stops start-up (its "save time").
  if (config.alertWebhook) await assertAlertWebhookUrl(config.alertWebhook.url, config.webhookAllowPrivate);
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

  // Wallets: chain backend from config, derived addresses cached range-wise in L1+L2 (deriving costs far
  // more than a Redis round trip; they never change, so long TTLs), background re-sync unless off.
  const chainBackend = options.chainBackend ?? createChainBackend(config.chain);
  const walletStore = createWalletStore(database);
  const wallets = new WalletService({
    store: walletStore,
    backend: chainBackend,
    crypto: options.keyCrypto ?? defaultKeyCrypto(),
    addressCache: cache.namespace<AddressBlock>('wallet-addresses', { policy: 'l1+l2', l1Max: 500, ttlMs: 6 * 3600_000, l2TtlMs: 7 * 24 * 3600_000 }),
    defaultNetwork: config.network,
    instanceId: config.instanceId,
    newId,
  });
  const walletSync =
    config.chain.backend !== 'none' && config.chain.syncIntervalS > 0
      ? new WalletSyncScheduler({
          store: walletStore,
          syncer: wallets.syncer,
          intervalMs: config.chain.syncIntervalS * 1000,
          onError: (walletId, error) => report(`background sync of wallet ${walletId} failed`, error),
        })
      : undefined;

  // Lightning: dev node (preimages in the database) or LND; a watcher moves stored invoices out of pending.
  const lightningClock = options.lightningClock ? { clock: options.lightningClock } : {};
  // The dev node's records are written with the invoice rows that refer to them (one commit for both).
  const devInvoiceStore = new SqlDevInvoiceStore(database.db);
  const lightning = await openLightningBackend(config, { devInvoiceStore, ...lightningClock });
  // Payment webhooks: queued once by whichever instance moves an invoice to paid, sent by any instance.
  const webhooks = new PaymentWebhooks({
    store: new SqlWebhookStore(database.db),
    guard: outboundUrlGuard({ allowPrivate: config.webhookAllowPrivate }),
    poster: webhookPoster({ refuseAddress: (address) => (config.webhookAllowPrivate ? null : refusedAddressReason(address)) }),
    findInvoiceByPaymentHash: (paymentHash) => invoiceStore.getByPaymentHash(paymentHash),
    newId,
    instanceId: config.instanceId,
    ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs, pollMs: 50 } : {}),
    onError: (error, context) => report(context, error),
  });
  const invoiceStore = new SqlInvoiceStore(database.db, {
    devRecords: devInvoiceStore,
    onPaid: (paymentHash) => void webhooks.invoicePaid(paymentHash).catch((error: unknown) => report('queueing a payment webhook failed', error)),
  });
  const invoiceWatcher = new InvoiceWatcher({
    backend: lightning,
    store: invoiceStore,
    ...lightningClock,
    onError: (error, context) => report(`lightning invoice watcher: ${context}`, error),
  });
  const invoices = new InvoiceService({
    backend: lightning,
    store: invoiceStore,
    validator,
    tracker: invoiceWatcher,
    ...lightningClock,
    ...(options.invoiceConcurrency ? { concurrency: options.invoiceConcurrency } : {}),
  });
  const idempotency = new Idempotency(new SqlIdempotencyStore(database.db), {
    onError: (error, context) => report(context, error),
  });

  // Notes (BIP-329 labels) and the background jobs that import them: uploads spooled and state kept in
  // the database (any instance answers GET /api/jobs/:id and can run the job), queued through BullMQ
  // with Redis or in process without; jobs a dead instance left behind are taken over by a sweeper.
  // Every change of a note's text is kept (issue 10: note history, restore, import undo).
  const noteHistory = new SqlNoteHistoryStore(database.db, database.dialect);
  const notes = new NoteService({ store: new SqlNoteStore(database.db, database.dialect), validateRefs: validateRefsWith(validator), history: noteHistory });
  const noteHistoryService = new NoteHistoryService({ notes, history: noteHistory });
  const onJobError = (error: unknown, context: string) => report(context, error);
  const jobs = new JobService({
    store: new SqlJobStore(database.db),
    spool: new SqlUploadSpool(database.db),
    queue: config.redisUrl
      ? new BullMqJobQueue({
          redisUrl: config.redisUrl,
          concurrency: config.jobConcurrency,
          ...(options.jobQueuePrefix ? { prefix: options.jobQueuePrefix } : {}),
          onError: onJobError,
        })
      : new InProcessJobQueue(config.jobConcurrency, onJobError),
    notes,
    instanceId: config.instanceId,
    newId,
    ...options.jobTimings,
    onError: onJobError,
  });
  await jobs.start({ workers: options.runJobs !== false });

  // Performance: metrics on every request, a monitor that snapshots each second, the cache optimizer.
  const metrics = new Metrics(config.instanceId, { cache, validator });
  const optimizer = new CacheOptimizer(
    () => validationTargets(cache, validator),
    { l2RoundTripUs: () => cache.l2RoundTripUs(), heapPressure, warm: (budgetMs) => cache.warm(budgetMs), saveHotKeys: () => cache.saveHotKeys() },
    { memoryBudgetMb: config.cacheMemoryMb, ...(options.optimizerIntervalMs ? { intervalMs: options.optimizerIntervalMs } : {}) },
  );
  const monitor = new PerfMonitor({
    metrics,
    cache,
    validator,
    optimizer,
    probes: {
      database: async () => (await database.ping(), { ok: true }),
      chain: chainProbe(chainBackend),
      lightning: async () => (await lightning.nodeInfo(), { ok: true }),
    },
    onAlert: (alert, state) => {
      app.log.warn({ alert }, `alert ${state}: ${alert.message}`);
      alertWebhook?.notify(alert, state);
    },
  });
  const alertWebhook = config.alertWebhook
    ? new AlertWebhook({
        ...config.alertWebhook,
        instanceId: config.instanceId,
        poster: webhookPoster({ refuseAddress: (address) => (config.webhookAllowPrivate ? null : refusedAddressReason(address)) }),
        ...options.alertWebhookRetry,
        onError: (error, context) => report(context, error),
      })
    : undefined;
  // Optimizer settings and alert thresholds set through the API hold for every instance (settings table).
  const perfSettings = new SharedPerfSettings(new SqlSettingsStore(database.db), optimizer, monitor.alerts, {
    ...(options.perfSettingsPollMs ? { pollMs: options.perfSettingsPollMs } : {}),
    onError: (error) => report('performance settings could not be read', error),
  });
  await perfSettings.syncQuietly();
  // Every instance publishes its figures to Redis each second, so /api/performance/* can show them all.
  const cluster = new PerfCluster({
    instanceId: config.instanceId,
    monitor,
    ...(config.redisUrl ? { store: new RedisPerfClusterStore(config.redisUrl, { onError: (error) => report('performance cluster redis', error) }) } : {}),
    onError: (error, context) => report(context, error),
  });

  const app = await buildApp({
    config,
    validator,
    authenticator: accounts,
    ...(options.httpMetrics === false ? {} : { metrics }),
    features: [
      authRoutes({ accounts, config }),
      adminRoutes({ accounts }),
      walletRoutes({ wallets, backend: chainBackendInfo(config.chain) }),
      lightningRoutes({ invoices, idempotency, webhooks }),
      noteRoutes({ notes, jobs, history: noteHistoryService, ...(options.noteImportBodyLimit ? { importBodyLimit: options.noteImportBodyLimit } : {}) }),
      (instance) => performanceRoutes(instance, { metrics, monitor, cache, optimizer, cluster, settings: perfSettings, ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}) }),
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
  cluster.start();
  perfSettings.start();
  // Before listening: the first requests find the hot keys the last instance saved already in L1.
  await optimizer.warmUp();
  optimizer.start();
  walletSync?.start();
  webhooks.start();
  invoiceWatcher.start().catch((error: unknown) => report('lightning invoice watcher failed to start', error));
  app.addHook('onClose', async () => {
    monitor.stop();
    perfSettings.stop();
    await cluster.stop();
    await optimizer.shutdown();
    await alertWebhook?.close();
    await walletSync?.stop();
    await wallets.syncer.drain();
    await chainBackend.close();
    await invoiceWatcher.stop();
    await webhooks.stop();
    await jobs.close();
    await lightning.close();
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
    wallets,
    chainBackend,
    lightning,
    invoices,
    invoiceWatcher,
    notes,
    jobs,
    close: () => app.close(),
  };
}
