/** What the accounts API shows of its records: never a password hash, never a stored token hash. */
import type { ApiTokenRecord, AuditRecord, UserRecord } from '../../../domain/accounts/ports.js';

export function userView(user: Pick<UserRecord, 'id' | 'username' | 'role'>) {
  return { id: user.id, username: user.username, role: user.role };
}

export function adminUserView(user: UserRecord) {
  return { ...userView(user), disabled: user.disabled, createdAt: user.createdAt.toISOString() };
}

export function tokenView(token: ApiTokenRecord) {
  return {
    id: token.id,
    name: token.name,
    scopes: token.scopes,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt ? token.lastUsedAt.toISOString() : null,
  };
}

export function auditView(event: AuditRecord) {
  return {
    id: event.id,
    at: event.at.toISOString(),
    type: event.type,
    actorId: event.actorId ?? null,
    userId: event.subjectId ?? null,
    ip: event.ip ?? null,
    details: event.details ?? {},
  };
}

export function pageView<T, V>(page: { items: T[]; next?: string }, view: (item: T) => V): { items: V[]; next?: string } {
  return page.next ? { items: page.items.map(view), next: page.next } : { items: page.items.map(view) };
}
