/**
 * /api/auth/* (SPEC: Accounts): register, login/logout, me, CSRF token, password change and API tokens.
 * Thin: the accounts service decides; this file maps HTTP (cookie, status codes) onto it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../config.js';
import { AppError } from '../../../errors.js';
import type { AccountsService, RequestContext } from '../../../domain/accounts/accounts-service.js';
import type { Principal, Scope } from '../../../domain/accounts/principal.js';
import { SESSION_COOKIE } from '../../plugins/auth.js';
import { pageRequest, type PageQuery } from '../../paging.js';
import { pageView, tokenView, userView } from './presenters.js';
import { credentialsBody, pageQuery, passwordChangeBody, tokenCreateBody, tokenIdParams } from './schemas.js';

export interface AuthRoutesOptions {
  accounts: AccountsService;
  config: Pick<Config, 'network'>;
}

interface Credentials {
  username: string;
  password: string;
}

export function contextOf(request: FastifyRequest): RequestContext {
  return { ip: request.ip, principal: request.principal };
}

/** The auth plugin refuses anonymous callers on `user` routes, so a principal is always there. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthorized', 'Sign in or send a valid bearer token');
  return request.principal;
}

function cookieOptions(request: FastifyRequest, expires?: Date) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    // Secure behind TLS (request.protocol honours X-Forwarded-Proto only from TRUST_PROXY addresses).
    secure: request.protocol === 'https',
    ...(expires ? { expires } : {}),
  };
}

export function authRoutes(options: AuthRoutesOptions) {
  const { accounts, config } = options;

  return async function authRoutesPlugin(app: FastifyInstance): Promise<void> {
    /**
     * Register is public, but a signed-in browser that registers (an admin creating an account while
     * registration is closed) uses its cookie: like every cookie write, that needs the CSRF token.
     */
    const csrfForCookie = async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.principal?.via !== 'cookie') return;
      let passed = false;
      app.csrfProtection(request, reply, () => {
        passed = true;
      });
      if (!passed) return reply;
    };

    app.post<{ Body: Credentials }>(
      '/api/auth/register',
      { schema: { body: credentialsBody }, config: { access: 'public', scope: 'write' }, preHandler: csrfForCookie },
      async (request, reply) => {
        const user = await accounts.register(request.body, contextOf(request));
        return reply.code(201).send({ user: userView(user) });
      },
    );

    app.post<{ Body: Credentials }>(
      '/api/auth/login',
      { schema: { body: credentialsBody }, config: { access: 'public', scope: 'write' } },
      async (request, reply) => {
        const previousCookie = request.cookies[SESSION_COOKIE];
        const userAgent = request.headers['user-agent'];
        const result = await accounts.login(request.body, {
          ...contextOf(request),
          ...(previousCookie ? { previousCookie } : {}),
          ...(userAgent ? { userAgent } : {}),
        });
        reply.setCookie(SESSION_COOKIE, result.cookieSecret, cookieOptions(request, result.expiresAt));
        reply.header('cache-control', 'no-store');
        return { user: userView(result.user), token: result.token, expiresAt: result.expiresAt.toISOString() };
      },
    );

    // Public so that a stale cookie is still cleared; a live session is ended server-side.
    app.post(
      '/api/auth/logout',
      { config: { access: 'public', scope: 'read' }, preHandler: csrfForCookie },
      async (request, reply) => {
        if (request.principal) await accounts.logout(request.principal, contextOf(request));
        reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
        return reply.code(204).send();
      },
    );

    app.get('/api/auth/me', { config: { access: 'user', scope: 'read' } }, async (request) => {
      const principal = principalOf(request);
      const user = await accounts.me(principal);
      return { user: userView(user), scopes: principal.scopes, via: principal.via, network: config.network };
    });

    // The token pairs with a secret in a cookie (@fastify/csrf-protection); anyone may fetch one.
    app.get('/api/auth/csrf', { config: { access: 'public', scope: 'read' } }, async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { token: reply.generateCsrf() };
    });

    app.post<{ Body: { currentPassword: string; newPassword: string } }>(
      '/api/auth/password',
      { schema: { body: passwordChangeBody }, config: { access: 'user', scope: 'write' } },
      async (request, reply) => {
        await accounts.changePassword(principalOf(request), request.body, contextOf(request));
        return reply.code(204).send();
      },
    );

    app.post<{ Body: { name: string; scopes?: Scope[] } }>(
      '/api/auth/tokens',
      { schema: { body: tokenCreateBody }, config: { access: 'user', scope: 'write' } },
      async (request, reply) => {
        const { token, secret } = await accounts.createToken(principalOf(request), request.body, contextOf(request));
        reply.header('cache-control', 'no-store');
        return reply.code(201).send({ ...tokenView(token), token: secret });
      },
    );

    app.get<{ Querystring: PageQuery }>(
      '/api/auth/tokens',
      { schema: { querystring: pageQuery }, config: { access: 'user', scope: 'read' } },
      async (request) => pageView(await accounts.listTokens(principalOf(request), pageRequest(request.query)), tokenView),
    );

    app.get<{ Params: { id: string } }>(
      '/api/auth/tokens/:id',
      { schema: { params: tokenIdParams }, config: { access: 'user', scope: 'read' } },
      async (request) => tokenView(await accounts.getToken(principalOf(request), request.params.id)),
    );

    app.delete<{ Params: { id: string } }>(
      '/api/auth/tokens/:id',
      { schema: { params: tokenIdParams }, config: { access: 'user', scope: 'write' } },
      async (request, reply) => {
        await accounts.revokeToken(principalOf(request), request.params.id, contextOf(request));
        return reply.code(204).send();
      },
    );
  };
}
