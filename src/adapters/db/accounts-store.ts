/**
 * The accounts ports (src/domain/accounts/ports.ts) over the database: users, sessions, API tokens and
 * the audit trail, on SQLite and PostgreSQL alike. Mostly the repositories; the few queries they do not
 * have (the first-admin claim, sign-in pairs, live-token listing, the user list) are here.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type {
  AccountRef,
  ApiTokenRecord,
  ApiTokenStore,
  AuditEventType,
  AuditLog,
  AuditRecord,
  NewUser,
  Page,
  SessionRecord,
  SessionStore,
  UserRecord,
  UserStore,
} from '../../domain/accounts/ports.js';
import type { Role, Scope } from '../../domain/accounts/principal.js';
import { TOKEN_TOUCH_INTERVAL_MS } from '../../domain/accounts/policy.js';
import { decodeCursor, toPage } from './cursor.js';
import type { Database } from './database.js';
import type { Schema, SessionsTable } from './schema.js';
import { findApiToken, findApiTokenByHash, insertApiToken, revokeApiToken, touchApiTokenLastUsed, type ApiToken } from './repositories/api-tokens.js';
import { appendAuditEvent, listAuditEvents } from './repositories/audit.js';
import { findValidSession, purgeExpiredSessions } from './repositories/sessions.js';
import {
  countUsers,
  existingUsernames,
  findUserById,
  findUserByUsername,
  insertUser,
  insertUsers,
  setDisabled,
  setRole,
  toUser,
  updatePasswordHash,
  type User,
} from './repositories/users.js';

/** sessions.login_id comes from migration 2026-11-28-20 (one sign-in = a cookie row and a login-token row). */
type AccountsSchema = Omit<Schema, 'sessions'> & { sessions: SessionsTable & { login_id: string | null } };

/** The settings row whose insert decides, once per install, which account is the first admin. */
const FIRST_ADMIN_CLAIM = 'accounts.first_admin';

export function newId(): string {
  return randomBytes(16).toString('base64url');
}

function toRecord(user: User): UserRecord {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    passwordHash: user.passwordHash,
    disabled: user.disabled,
    createdAt: new Date(user.createdAt),
  };
}

function toTokenRecord(token: ApiToken): ApiTokenRecord {
  return {
    id: token.id,
    userId: token.userId,
    name: token.name,
    scopes: token.scopes as Scope[],
    createdAt: new Date(token.createdAt),
    lastUsedAt: token.lastUsedAt === null ? null : new Date(token.lastUsedAt),
  };
}

class RollBack extends Error {}

export class DbUserStore implements UserStore {
  constructor(private readonly db: Kysely<Schema>) {}

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const user = await findUserByUsername(this.db, username);
    return user ? toRecord(user) : undefined;
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const user = await findUserById(this.db, id);
    return user ? toRecord(user) : undefined;
  }

  async create(input: {
    username: string;
    passwordHash: string;
    role: Role | 'admin-if-first' | 'bootstrap-admin';
  }): Promise<UserRecord | 'taken' | 'not-first'> {
    const id = newId();
    try {
      return await this.db.transaction().execute(async (trx) => {
        const now = Date.now();
        let role: Role = input.role === 'admin' ? 'admin' : 'user';
        if (input.role === 'admin-if-first' || input.role === 'bootstrap-admin') {
          // The claim row's primary key serialises concurrent first registrations: on PostgreSQL the
          // second INSERT waits for the first transaction and then finds the row; SQLite has one writer.
          const claimed = await trx
            .insertInto('settings')
            .values({ key: FIRST_ADMIN_CLAIM, value: JSON.stringify(id), updated_at: now })
            .onConflict((oc) => oc.column('key').doNothing())
            .returning('key')
            .executeTakeFirst();
          const first = claimed !== undefined && (await countUsers(trx)) === 0;
          if (first) role = 'admin';
          else if (input.role === 'bootstrap-admin') throw new RollBack('not-first');
        }
        const inserted = await insertUser(trx, { id, username: input.username, passwordHash: input.passwordHash, role, createdAt: now });
        if (!inserted) throw new RollBack('taken');
        return { id, username: input.username.toLowerCase(), role, passwordHash: input.passwordHash, disabled: false, createdAt: new Date(now) };
      });
    } catch (error) {
      if (error instanceof RollBack) return error.message as 'taken' | 'not-first';
      throw error;
    }
  }

  existingUsernames(usernames: readonly string[]): Promise<Set<string>> {
    return existingUsernames(this.db, usernames);
  }

  async createMany(users: readonly NewUser[], mode: 'partial' | 'atomic'): Promise<Map<string, UserRecord>> {
    const now = Date.now();
    const rows = users.map((u) => ({ ...u, id: newId(), username: u.username.toLowerCase(), createdAt: now }));
    try {
      const inserted = await this.db.transaction().execute(async (trx) => {
        const names = await insertUsers(trx, rows);
        if (mode === 'atomic' && names.size !== rows.length) throw new RollBack('taken');
        return names;
      });
      const created = new Map<string, UserRecord>();
      for (const row of rows) {
        if (!inserted.has(row.username)) continue;
        created.set(row.username, { ...row, disabled: false, createdAt: new Date(now) });
      }
      return created;
    } catch (error) {
      if (error instanceof RollBack) return new Map();
      throw error;
    }
  }

  async update(id: string, patch: { role?: Role; disabled?: boolean; passwordHash?: string }): Promise<UserRecord | undefined> {
    const now = Date.now();
    const found = await this.db.transaction().execute(async (trx) => {
      let ok = true;
      if (patch.role !== undefined) ok = (await setRole(trx, id, patch.role, now)) && ok;
      if (patch.disabled !== undefined) ok = (await setDisabled(trx, id, patch.disabled, now)) && ok;
      if (patch.passwordHash !== undefined) ok = (await updatePasswordHash(trx, id, patch.passwordHash, now)) && ok;
      return ok ? findUserById(trx, id) : null;
    });
    return found ? toRecord(found) : undefined;
  }

  async countActiveAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('disabled', '=', 0)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async list(page: { cursor?: string; limit: number }): Promise<Page<UserRecord>> {
    let query = this.db.selectFrom('users').selectAll();
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor);
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(after.createdAt, after.id)));
    }
    const rows = await query.orderBy('created_at', 'asc').orderBy('id', 'asc').limit(page.limit + 1).execute();
    const result = toPage(rows.map(toUser), page.limit, (u) => ({ createdAt: u.createdAt, id: u.id }));
    return { items: result.items.map(toRecord), ...(result.next ? { next: result.next } : {}) };
  }
}

export class DbSessionStore implements SessionStore {
  private readonly adb: Kysely<AccountsSchema>;

  constructor(private readonly db: Kysely<Schema>) {
    this.adb = db as unknown as Kysely<AccountsSchema>;
  }

  async create(input: {
    userId: string;
    cookieHash: string;
    tokenHash: string;
    expiresAt: Date;
    ip?: string;
    userAgent?: string;
  }): Promise<SessionRecord> {
    const now = Date.now();
    const loginId = newId();
    const row = (id: string, kind: 'cookie' | 'login-token') => ({
      id,
      user_id: input.userId,
      kind,
      created_at: now,
      expires_at: input.expiresAt.getTime(),
      last_seen_at: now,
      ip: input.ip ?? null,
      user_agent: input.userAgent ?? null,
      login_id: loginId,
    });
    await this.adb.insertInto('sessions').values([row(input.cookieHash, 'cookie'), row(input.tokenHash, 'login-token')]).execute();
    return { id: input.cookieHash, userId: input.userId, createdAt: new Date(now), expiresAt: input.expiresAt };
  }

  async resolve(kind: 'cookie' | 'token', hash: string, now: Date): Promise<{ session: SessionRecord; user: AccountRef } | undefined> {
    const found = await findValidSession(this.db, hash, now.getTime());
    if (!found || found.kind !== (kind === 'cookie' ? 'cookie' : 'login-token')) return undefined;
    return {
      session: { id: found.id, userId: found.userId, createdAt: new Date(found.createdAt), expiresAt: new Date(found.expiresAt) },
      user: found.user,
    };
  }

  private async loginIdOf(id: string): Promise<string | null> {
    const row = await this.adb.selectFrom('sessions').select('login_id').where('id', '=', id).executeTakeFirst();
    return row?.login_id ?? null;
  }

  async delete(id: string): Promise<void> {
    const loginId = await this.loginIdOf(id);
    await this.adb
      .deleteFrom('sessions')
      .where((eb) => (loginId ? eb.or([eb('id', '=', id), eb('login_id', '=', loginId)]) : eb('id', '=', id)))
      .execute();
  }

  async deleteForUser(userId: string, exceptId?: string): Promise<number> {
    let query = this.adb.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptId !== undefined) {
      const loginId = await this.loginIdOf(exceptId);
      query = query.where('id', '!=', exceptId);
      if (loginId) query = query.where((eb) => eb.or([eb('login_id', 'is', null), eb('login_id', '!=', loginId)]));
    }
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  purgeExpired(now: Date): Promise<number> {
    return purgeExpiredSessions(this.db, now.getTime());
  }
}

export class DbApiTokenStore implements ApiTokenStore {
  constructor(private readonly db: Kysely<Schema>) {}

  async create(input: { userId: string; name: string; scopes: readonly Scope[]; tokenHash: string }): Promise<ApiTokenRecord> {
    const token = { id: newId(), userId: input.userId, name: input.name, tokenHash: input.tokenHash, scopes: input.scopes, createdAt: Date.now() };
    await insertApiToken(this.db, token);
    return { id: token.id, userId: token.userId, name: token.name, scopes: [...input.scopes], createdAt: new Date(token.createdAt), lastUsedAt: null };
  }

  async resolve(hash: string, now: Date): Promise<{ token: ApiTokenRecord; user: AccountRef } | undefined> {
    const found = await findApiTokenByHash(this.db, hash);
    if (!found || found.revokedAt !== null) return undefined;
    if (found.expiresAt !== null && found.expiresAt <= now.getTime()) return undefined;
    return { token: toTokenRecord(found), user: found.user };
  }

  async findForOwner(id: string, userId: string): Promise<ApiTokenRecord | undefined> {
    const found = await findApiToken(this.db, userId, id);
    return found && found.revokedAt === null ? toTokenRecord(found) : undefined;
  }

  async listForOwner(userId: string, page: { cursor?: string; limit: number }): Promise<Page<ApiTokenRecord>> {
    let query = this.db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null);
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor);
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
    const result = toPage(rows, page.limit, (t) => ({ createdAt: t.created_at, id: t.id }));
    return {
      items: result.items.map((row) =>
        toTokenRecord({
          id: row.id,
          userId: row.user_id,
          name: row.name,
          tokenHash: row.token_hash,
          scopes: row.scopes === '' ? [] : row.scopes.split(' '),
          createdAt: row.created_at,
          lastUsedAt: row.last_used_at,
          expiresAt: row.expires_at,
          revokedAt: row.revoked_at,
        }),
      ),
      ...(result.next ? { next: result.next } : {}),
    };
  }

  revoke(id: string, userId: string): Promise<boolean> {
    return revokeApiToken(this.db, userId, id, Date.now());
  }

  async touch(id: string, at: Date): Promise<void> {
    await touchApiTokenLastUsed(this.db, id, at.getTime(), TOKEN_TOUCH_INTERVAL_MS);
  }
}

export class DbAuditLog implements AuditLog {
  constructor(private readonly db: Kysely<Schema>) {}

  async record(event: {
    type: AuditEventType;
    actorId?: string | null;
    subjectId?: string | null;
    ip?: string | null;
    details?: Record<string, unknown>;
  }): Promise<void> {
    await appendAuditEvent(this.db, {
      at: Date.now(),
      event: event.type,
      actorId: event.actorId ?? null,
      userId: event.subjectId ?? null,
      ip: event.ip ?? null,
      ...(event.details ? { detail: event.details } : {}),
    });
  }

  async list(page: { cursor?: string; limit: number; type?: AuditEventType; subjectId?: string }): Promise<Page<AuditRecord>> {
    const result = await listAuditEvents(this.db, {
      limit: page.limit,
      ...(page.cursor !== undefined ? { cursor: page.cursor } : {}),
      ...(page.type !== undefined ? { event: page.type } : {}),
      ...(page.subjectId !== undefined ? { userId: page.subjectId } : {}),
    });
    return {
      items: result.items.map((e) => ({
        id: String(e.id),
        at: new Date(e.at),
        type: e.event as AuditEventType,
        actorId: e.actorId,
        subjectId: e.userId,
        ip: e.ip,
        ...(e.detail && typeof e.detail === 'object' ? { details: e.detail as Record<string, unknown> } : {}),
      })),
      ...(result.next ? { next: result.next } : {}),
    };
  }
}

export interface AccountsStore {
  users: DbUserStore;
  sessions: DbSessionStore;
  tokens: DbApiTokenStore;
  audit: DbAuditLog;
}

export function createAccountsStore(database: Database): AccountsStore {
  const { db } = database;
  return { users: new DbUserStore(db), sessions: new DbSessionStore(db), tokens: new DbApiTokenStore(db), audit: new DbAuditLog(db) };
}
