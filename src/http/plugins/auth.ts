/**
 * Authentication and authorisation for every route. Each route declares what it needs in its
 * `config.access` (`public`, `user`, `admin`) and `config.scope` (`read`, `write`, `admin`); a route that
 * declares nothing needs a signed-in user, with `read` for GET/HEAD and `write` otherwise.
 * Cookie-authenticated writes must carry a CSRF token (SPEC: Auth).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../errors.js';
import type { Authenticator, Principal, Scope } from '../../domain/accounts/principal.js';
import { sendProblem } from './problem-errors.js';

export const SESSION_COOKIE = 'satchel_session';
export const CSRF_HEADER = 'x-csrf-token';

export type Access = 'public' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    scope?: Scope;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/.exec(header);
  return match?.[1];
}

export interface AuthPluginOptions {
  authenticator: Authenticator;
}

async function authPlugin(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  const { authenticator } = options;
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config;
    // Unmatched routes (404) and static files carry no access declaration and are public.
    if (!request.routeOptions.url || !request.url.startsWith('/api/')) return;
    const access: Access = config.access ?? 'user';

    const bearer = bearerOf(request);
    if (request.headers.authorization && !bearer) {
      return sendProblem(reply, new AppError('unauthorized', 'The Authorization header must be "Bearer <token>"'));
    }
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (bearer) request.principal = await authenticator.fromBearer(bearer);
    else if (cookie) request.principal = await authenticator.fromSessionCookie(cookie);

    if (access === 'public') return;
    const principal = request.principal;
    if (!principal) {
      return sendProblem(reply, new AppError('unauthorized', 'Sign in or send a valid bearer token'));
    }
    if (access === 'admin' && principal.role !== 'admin') {
      return sendProblem(reply, new AppError('forbidden', 'This needs an administrator'));
    }
    const scope: Scope = config.scope ?? (SAFE_METHODS.has(request.method) ? 'read' : 'write');
    if (!principal.scopes.includes(scope)) {
      return sendProblem(reply, new AppError('insufficient_scope', `This token lacks the "${scope}" scope`));
    }
    if (principal.via === 'cookie' && !SAFE_METHODS.has(request.method)) {
      // With the secret in a cookie the check is synchronous: it either calls back or sends a 403.
      let passed = false;
      app.csrfProtection(request, reply, () => {
        passed = true;
      });
      if (!passed) return reply;
    }
  });
}

export default fp(authPlugin, { name: 'auth', dependencies: ['@fastify/cookie', '@fastify/csrf-protection'] });
