/**
 * Named API tokens (SPEC: `POST /api/auth/tokens`): shown once, stored as SHA-256, scopes `read`,
 * `write`, `admin` (default read+write; admin only for admins), revocable. Owner-scoped: another
 * user's token id is "not found".
 */
import { AppError } from '../../errors.js';
import type { RequestContext } from './accounts-service.js';
import type { ApiTokenRecord, ApiTokenStore, AuditLog } from './ports.js';
import type { Principal, Scope } from './principal.js';
import { invalid } from './problems.js';
import { API_TOKEN_PREFIX, hashSecret, newSecret } from './secrets.js';

export interface TokenDeps {
  tokens: ApiTokenStore;
  audit: AuditLog;
}

const SCOPE_ORDER: readonly Scope[] = ['read', 'write', 'admin'];

export async function createApiToken(
  deps: TokenDeps,
  principal: Principal,
  input: { name: string; scopes?: Scope[] },
  ctx: RequestContext,
): Promise<{ token: ApiTokenRecord; secret: string }> {
  const name = input.name.trim();
  if (!name) throw invalid([{ field: 'name', code: 'empty', message: 'name must not be blank' }]);
  const requested = [...new Set(input.scopes ?? (['read', 'write'] as Scope[]))];
  if (requested.includes('admin') && principal.role !== 'admin') {
    throw new AppError('forbidden', 'Only administrators can create tokens with the admin scope', {
      errors: [{ field: 'scopes', code: 'scope_not_allowed', message: 'admin scope needs an administrator' }],
    });
  }
  // A token can never hand out more than the credential that creates it holds.
  const missing = requested.filter((scope) => !principal.scopes.includes(scope));
  if (missing.length) throw new AppError('insufficient_scope', `This credential lacks the ${missing.join(', ')} scope`);
  const scopes = SCOPE_ORDER.filter((scope) => requested.includes(scope));
  const secret = newSecret(API_TOKEN_PREFIX);
  const token = await deps.tokens.create({ userId: principal.userId, name, scopes, tokenHash: hashSecret(secret) });
  await deps.audit.record({
    type: 'token.created',
    actorId: principal.userId,
    subjectId: principal.userId,
    ip: ctx.ip,
    details: { tokenId: token.id, name, scopes },
  });
  return { token, secret };
}

export async function revokeApiToken(deps: TokenDeps, principal: Principal, id: string, ctx: RequestContext): Promise<void> {
  if (!(await deps.tokens.revoke(id, principal.userId))) throw new AppError('not_found', 'No such token');
  await deps.audit.record({
    type: 'token.revoked',
    actorId: principal.userId,
    subjectId: principal.userId,
    ip: ctx.ip,
    details: { tokenId: id },
  });
}
