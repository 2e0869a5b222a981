/**
 * buildApp(deps) assembles the HTTP server without listening: tests call `app.inject()`, main.ts listens.
 * Routes stay thin and call domain services handed in here; nothing in http/ opens a database or Redis.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import fastifyStatic from '@fastify/static';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Authenticator } from '../domain/accounts/principal.js';
import type { CachedValidator } from '../domain/validation/cached-validator.js';
import type { Metrics } from '../perf/metrics.js';
import authPlugin, { CSRF_HEADER } from './plugins/auth.js';
import httpMetrics from './plugins/http-metrics.js';
import problemErrors, { sendProblem } from './plugins/problem-errors.js';
import securityHeaders from './plugins/security-headers.js';
import healthRoutes from './routes/health/routes.js';
import validateRoutes from './routes/validate/routes.js';

/** One registered route: method, URL pattern and its config (`access`, `scope`). */
export interface RouteSummary {
  method: string;
  url: string;
  config: { access?: string; scope?: string };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far (onRoute), in order. */
    routeTable: readonly RouteSummary[];
  }
}

export interface AppDeps {
  config: Config;
  validator: CachedValidator;
  authenticator: Authenticator;
  /** Request metrics for the performance API; left out, requests are not measured. */
  metrics?: Metrics;
  /** Feature route plugins (accounts, wallets, …) registered after the core. */
  features?: Array<(app: FastifyInstance) => Promise<void>>;
  /** Fastify logger options, or a ready pino instance (main.ts passes the CLI's). */
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger;
  /** Folder of the built web app; found next to the sources when not given. */
  webRoot?: string | null;
}

/** Secrets must never reach a log line (SPEC: no error response or log carries a password or key). */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
];

/** Longest path parameter (BIP-329 refs: an xpub is 111 characters; Fastify's default is 100). */
const MAX_PATH_PARAM = 512;

export function findWebRoot(): string | null {
  for (const candidate of ['../../web/dist', '../../../web/dist']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${path}/index.html`)) return path;
  }
  return null;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const logger = deps.logger;
  const isInstance = typeof logger === 'object' && logger !== null && typeof (logger as { child?: unknown }).child === 'function';
  const app = Fastify({
    ...(isInstance ? { loggerInstance: logger as FastifyBaseLogger } : { logger: logger ?? false }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy ?? false,
    // SPEC: types are never coerced; unknown properties are refused by each schema.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: MAX_PATH_PARAM },
    // Errors Fastify raises before routing (a malformed URL escape, a path segment over the limit)
    // leave as problem+json too; the URL itself is not echoed.
    frameworkErrors: (error, _request, reply) => {
      const reason = error.code === 'FST_ERR_BAD_URL' ? 'is malformed' : `has a path segment over ${MAX_PATH_PARAM} characters or is malformed`;
      sendProblem(reply, new AppError('invalid_input', `The request URL ${reason}`));
    },
  });

  // Every route with what it declares (access, scope): the scope walk test checks them all.
  const routeTable: RouteSummary[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url, config: { ...route.config } });
  });

  // The API speaks JSON; routes that take files (CSV, JSONL) register their own parsers.
  app.removeContentTypeParser('text/plain');
  await app.register(problemErrors);
  if (deps.metrics) await app.register(httpMetrics, { metrics: deps.metrics });
  await app.register(securityHeaders, {
    helmet: {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          // Not helmet's default upgrade-insecure-requests: served over plain HTTP on a LAN address
          // (docs/deploy.md), it would send every script and style request to https and break the UI.
          upgradeInsecureRequests: null,
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
    },
  });
  await app.register(cookie);
  await app.register(csrf, {
    getToken: (request) => request.headers[CSRF_HEADER] as string | undefined,
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true },
  });
  await app.register(authPlugin, { authenticator: deps.authenticator });

  await app.register(healthRoutes, { network: config.network });
  await app.register(validateRoutes, { validator: deps.validator });
  for (const feature of deps.features ?? []) await app.register(feature);

  const webRoot = deps.webRoot === undefined ? findWebRoot() : deps.webRoot;
  if (webRoot) {
    await app.register(fastifyStatic, { root: webRoot, wildcard: false, index: ['index.html'] });
  }
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // The web app routes on the client: any other GET page gets index.html.
    if (webRoot && request.method === 'GET' && !path.startsWith('/api/') && !path.includes('.')) {
      return reply.type('text/html').sendFile('index.html');
    }
    return sendProblem(reply, new AppError('not_found', `No route ${request.method} ${path}`));
  });
  return app;
}
