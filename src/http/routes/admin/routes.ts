/**
 * /api/admin/* (SPEC: Accounts): users (list, role, disable), the audit trail, and bulk registration —
 * also mounted at `POST /api/auth/register/bulk` (the original plan's `/register/bulk`). Admins only,
 * and a token needs the `admin` scope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountsService } from '../../../domain/accounts/accounts-service.js';
import type { BulkMode } from '../../../domain/accounts/bulk-registration.js';
import type { AuditEventType } from '../../../domain/accounts/ports.js';
import type { Role } from '../../../domain/accounts/principal.js';
import { pageRequest, type PageQuery } from '../../paging.js';
import { contextOf, principalOf } from '../auth/routes.js';
import { adminUserView, auditView, pageView } from '../auth/presenters.js';
import { parseUsersCsv } from './csv-users.js';
import { auditQuery, bulkBody, bulkQuery, userIdParams, userPatchBody, usersQuery } from './schemas.js';

/** 1,000 users of a 32-character name and a 128-character (up to 512-byte) password, with room for JSON. */
const BULK_BODY_LIMIT = 2 * 1024 * 1024;

const admin = { access: 'admin', scope: 'admin' } as const;

export function adminRoutes(options: { accounts: AccountsService }) {
  const { accounts } = options;

  return async function adminRoutesPlugin(app: FastifyInstance): Promise<void> {
    // Encapsulated: text/csv is accepted by the routes of this plugin only.
    app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: BULK_BODY_LIMIT }, (_request, body, done) => {
      try {
        done(null, parseUsersCsv(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    });

    const bulk = {
      schema: { body: bulkBody, querystring: bulkQuery },
      bodyLimit: BULK_BODY_LIMIT,
      config: admin,
    };
    type BulkRequest = { Body: { users: unknown[]; mode?: BulkMode }; Querystring: { mode?: BulkMode } };
    const bulkHandler = async (request: FastifyRequest<BulkRequest>) => {
      const mode = request.body.mode ?? request.query.mode ?? 'partial';
      const report = await accounts.bulkRegister({ users: request.body.users, mode }, contextOf(request));
      return { created: report.created, failed: report.failed, mode: report.mode, results: report.results };
    };
    app.post<BulkRequest>('/api/admin/users/bulk', bulk, bulkHandler);
    app.post<BulkRequest>('/api/auth/register/bulk', bulk, bulkHandler);

    app.get<{ Querystring: PageQuery }>(
      '/api/admin/users',
      { schema: { querystring: usersQuery }, config: admin },
      async (request) => pageView(await accounts.listUsers(pageRequest(request.query)), adminUserView),
    );

    app.patch<{ Params: { id: string }; Body: { role?: Role; disabled?: boolean } }>(
      '/api/admin/users/:id',
      { schema: { params: userIdParams, body: userPatchBody }, config: admin },
      async (request) => {
        const user = await accounts.updateUser(principalOf(request), request.params.id, request.body, contextOf(request));
        return { user: adminUserView(user) };
      },
    );

    app.get<{ Querystring: PageQuery & { type?: AuditEventType; userId?: string } }>(
      '/api/admin/audit',
      { schema: { querystring: auditQuery }, config: admin },
      async (request) => {
        const { type, userId } = request.query;
        const page = await accounts.listAudit({
          ...pageRequest(request.query),
          ...(type ? { type } : {}),
          ...(userId ? { subjectId: userId } : {}),
        });
        return pageView(page, auditView);
      },
    );
  };
}
