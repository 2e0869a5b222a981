/** Administration of accounts (SPEC: `PATCH /api/admin/users/:id {role?, disabled?}`). */
import { AppError } from '../../errors.js';
import type { RequestContext } from './accounts-service.js';
import type { AuditEventType, AuditLog, SessionStore, UserRecord, UserStore } from './ports.js';
import type { Principal, Role } from './principal.js';

export interface UserAdminDeps {
  users: UserStore;
  sessions: SessionStore;
  audit: AuditLog;
}

/** Changes a role or the disabled flag; disabling ends the account's sessions; the last active admin stays. */
export async function updateUser(
  deps: UserAdminDeps,
  actor: Principal,
  id: string,
  patch: { role?: Role; disabled?: boolean },
  ctx: RequestContext,
): Promise<UserRecord> {
  const target = await deps.users.findById(id);
  if (!target) throw new AppError('not_found', 'No such user');
  const losesAdmin =
    target.role === 'admin' && !target.disabled && (patch.role === 'user' || patch.disabled === true);
  if (losesAdmin && (await deps.users.countActiveAdmins()) <= 1) {
    throw new AppError('conflict', 'The last administrator cannot be demoted or disabled');
  }
  const updated = await deps.users.update(id, patch);
  if (!updated) throw new AppError('not_found', 'No such user');
  if (patch.disabled === true && !target.disabled) await deps.sessions.deleteForUser(id);

  const events: Array<{ type: AuditEventType; details: Record<string, unknown> }> = [];
  if (patch.role && patch.role !== target.role) {
    events.push({ type: 'user.role_changed', details: { username: target.username, from: target.role, to: patch.role } });
  }
  if (patch.disabled !== undefined && patch.disabled !== target.disabled) {
    events.push({ type: patch.disabled ? 'user.disabled' : 'user.enabled', details: { username: target.username } });
  }
  for (const event of events) {
    await deps.audit.record({ ...event, actorId: actor.userId, subjectId: id, ip: ctx.ip });
  }
  return updated;
}
