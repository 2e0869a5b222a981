/**
 * The accounts use cases (SPEC: Accounts): registration, sign-in with throttling, sessions and their
 * login tokens, password change, roles, API tokens, the audit trail — and the `Authenticator` the HTTP
 * auth plugin asks who a cookie or bearer token belongs to. Works only through the ports in ports.ts.
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '../../errors.js';
import { createApiToken, revokeApiToken } from './api-tokens.js';
import { registerBulk, type BulkInput, type BulkReport } from './bulk-registration.js';
import {
  accountThrottleKey,
  clientThrottleKey,
  effectiveScopes,
  scopesForRole,
  TOKEN_TOUCH_INTERVAL_MS,
} from './policy.js';
import type {
  ApiTokenRecord,
  ApiTokenStore,
  AuditEventType,
  AuditLog,
  AuditRecord,
  Clock,
  CredentialValidator,
  AccountRef,
  LoginThrottle,
  Page,
  PageRequest,
  PasswordHasher,
  SessionStore,
  ThrottleKeys,
  ThrottleVerdict,
  UserRecord,
  UserStore,
} from './ports.js';
import type { Authenticator, Principal, Role, Scope } from './principal.js';
import { issues, invalid } from './problems.js';
import { credentialKind, hashSecret, LOGIN_TOKEN_PREFIX, newSecret } from './secrets.js';
import { updateUser } from './user-admin.js';

export interface AccountsSettings {
  registration: 'open' | 'closed';
  sessionTtlS: number;
}

export interface AccountsDeps {
  users: UserStore;
  sessions: SessionStore;
  tokens: ApiTokenStore;
  audit: AuditLog;
  throttle: LoginThrottle;
  hasher: PasswordHasher;
  validator: CredentialValidator;
  settings: AccountsSettings;
  clock?: Clock;
  /** Where failures of work done after the answer (token last-used times) are reported. */
  onBackgroundError?: (error: unknown) => void;
}

/** What a use case knows about the request besides its input. */
export interface RequestContext {
  ip: string;
  principal: Principal | null;
}

export interface LoginResult {
  user: UserRecord;
  /** The session cookie's value. */
  cookieSecret: string;
  /** A bearer credential for the same session (logout ends both). */
  token: string;
  expiresAt: Date;
}

const systemClock: Clock = { now: () => new Date() };
const SESSION_PURGE_INTERVAL_MS = 60 * 60_000;

export class AccountsService implements Authenticator {
  private readonly clock: Clock;
  private dummyHash: Promise<string> | undefined;
  private readonly background = new Set<Promise<unknown>>();
  private lastSessionPurge = 0;

  constructor(private readonly deps: AccountsDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Computes the hash that unknown usernames are verified against, so the first such sign-in is not faster. */
  async ready(): Promise<void> {
    await this.dummy();
  }

  /** Waits for work started after an answer was sent (token last-used times); called before storage closes. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }

  // --- registration -------------------------------------------------------------------------------

  async register(input: { username: string; password: string }, ctx: RequestContext): Promise<UserRecord> {
    const { registration } = this.deps.settings;
    const byAdmin = ctx.principal?.role === 'admin' && ctx.principal.scopes.includes('admin');
    await this.assertMayRegister(ctx);
    const username = await this.checkCredentials(input.username, input.password);
    const passwordHash = await this.deps.hasher.hash(input.password);
    // With registration closed only an admin creates accounts — except the very first one, the admin.
    const role = byAdmin ? 'user' : registration === 'open' ? 'admin-if-first' : 'bootstrap-admin';
    const created = await this.deps.users.create({ username, passwordHash, role });
    if (created === 'not-first') throw new AppError('registration_closed', 'Only an administrator can create accounts');
    if (created === 'taken') {
      throw new AppError('conflict', 'This username is taken', {
        errors: [{ field: 'username', code: 'username_taken', message: 'This username is taken' }],
      });
    }
    await this.deps.audit.record({
      type: 'user.registered',
      actorId: ctx.principal?.userId ?? created.id,
      subjectId: created.id,
      ip: ctx.ip,
      details: { username: created.username, role: created.role },
    });
    return created;
  }

  /** Closed registration is refused before any work is done (no hashing for a caller who cannot register). */
  private async assertMayRegister(ctx: RequestContext): Promise<void> {
    if (this.deps.settings.registration === 'open') return;
    if (ctx.principal?.role === 'admin' && ctx.principal.scopes.includes('admin')) return;
    if ((await this.deps.users.countActiveAdmins()) > 0) {
      throw new AppError('registration_closed', 'Only an administrator can create accounts');
    }
  }

  bulkRegister(input: BulkInput, ctx: RequestContext): Promise<BulkReport> {
    return registerBulk(
      { users: this.deps.users, hasher: this.deps.hasher, validator: this.deps.validator, audit: this.deps.audit },
      input,
      { actorId: ctx.principal?.userId ?? null, ip: ctx.ip },
    );
  }

  /** Username and password policy (SPEC: Accounts); returns the username as stored. */
  private async checkCredentials(rawUsername: string, password: string): Promise<string> {
    const nameResult = await this.deps.validator.validate('username', rawUsername);
    const username = (nameResult.normalized ?? rawUsername).toLowerCase();
    const passwordResult = await this.deps.validator.validate('password', password, { username });
    const errors = [...issues('username', nameResult), ...issues('password', passwordResult)];
    if (errors.length) throw invalid(errors);
    return username;
  }

  // --- sign-in and sessions -------------------------------------------------------------------------

  async login(
    input: { username: string; password: string },
    ctx: RequestContext & { previousCookie?: string; userAgent?: string },
  ): Promise<LoginResult> {
    const username = input.username.toLowerCase();
    const keys: ThrottleKeys = { account: accountThrottleKey(username), client: clientThrottleKey(ctx.ip) };
    await this.assertNotThrottled(keys);

    const user = await this.deps.users.findByUsername(username);
    // Unknown names are verified against a dummy hash so both failures take the same time (OWASP).
    const valid = await this.verify(user?.passwordHash ?? (await this.dummy()), input.password);
    if (!user || !valid || user.disabled) {
      const verdict = await this.countFailure(keys);
      await this.deps.audit.record({
        type: 'auth.login_failed',
        subjectId: user?.id ?? null,
        ip: ctx.ip,
        details: user ? { username: user.username, ...(verdict.blocked ? { nowThrottled: true } : {}) } : {},
      });
      throw new AppError('invalid_credentials', 'Wrong username or password');
    }
    await this.deps.throttle.recordSuccess(keys);
    if (this.deps.hasher.needsRehash?.(user.passwordHash)) {
      await this.deps.users.update(user.id, { passwordHash: await this.deps.hasher.hash(input.password) });
    }

    // Rotation (OWASP session management): a sign-in always gets a new session; the old one ends.
    if (ctx.previousCookie) {
      const previous = await this.resolveSession('cookie', ctx.previousCookie);
      if (previous) await this.deps.sessions.delete(previous.session.id);
    }
    await this.purgeExpiredSessionsNowAndThen();
    const cookieSecret = newSecret();
    const token = newSecret(LOGIN_TOKEN_PREFIX);
    const expiresAt = new Date(this.clock.now().getTime() + this.deps.settings.sessionTtlS * 1000);
    const session = await this.deps.sessions.create({
      userId: user.id,
      cookieHash: hashSecret(cookieSecret),
      tokenHash: hashSecret(token),
      expiresAt,
      ip: ctx.ip,
      ...(ctx.userAgent ? { userAgent: ctx.userAgent.slice(0, 256) } : {}),
    });
    await this.deps.audit.record({
      type: 'auth.login_succeeded',
      actorId: user.id,
      subjectId: user.id,
      ip: ctx.ip,
      details: { sessionId: session.id },
    });
    return { user, cookieSecret, token, expiresAt };
  }

  async logout(principal: Principal, ctx: RequestContext): Promise<void> {
    if (!principal.sessionId) return;
    await this.deps.sessions.delete(principal.sessionId);
    await this.deps.audit.record({
      type: 'auth.logout',
      actorId: principal.userId,
      subjectId: principal.userId,
      ip: ctx.ip,
      details: { sessionId: principal.sessionId },
    });
  }

  async me(principal: Principal): Promise<UserRecord> {
    const user = await this.deps.users.findById(principal.userId);
    if (!user) throw new AppError('unauthorized', 'This account no longer exists');
    return user;
  }

  async changePassword(
    principal: Principal,
    input: { currentPassword: string; newPassword: string },
    ctx: RequestContext,
  ): Promise<void> {
    // A leaked API token must not be able to take the account over.
    if (!principal.sessionId) throw new AppError('forbidden', 'Change the password from a signed-in session, not with an API token');
    const user = await this.me(principal);
    const keys: ThrottleKeys = { account: accountThrottleKey(user.username), client: clientThrottleKey(ctx.ip) };
    await this.assertNotThrottled(keys);
    if (!(await this.verify(user.passwordHash, input.currentPassword))) {
      await this.countFailure(keys);
      throw invalid([{ field: 'currentPassword', code: 'wrong_password', message: 'The current password is not correct' }]);
    }
    const result = await this.deps.validator.validate('password', input.newPassword, { username: user.username });
    if (!result.valid) throw invalid(issues('newPassword', result));
    await this.deps.users.update(user.id, { passwordHash: await this.deps.hasher.hash(input.newPassword) });
    const ended = await this.deps.sessions.deleteForUser(user.id, principal.sessionId);
    await this.deps.audit.record({
      type: 'auth.password_changed',
      actorId: user.id,
      subjectId: user.id,
      ip: ctx.ip,
      details: { otherSessionsEnded: ended },
    });
  }

  private async assertNotThrottled(keys: ThrottleKeys): Promise<void> {
    let verdict: ThrottleVerdict;
    try {
      verdict = await this.deps.throttle.check(keys);
    } catch (cause) {
      // Fail closed (SPEC): without attempt counters nobody signs in.
      throw new AppError('dependency_down', 'Sign-in is unavailable right now; try again shortly', { cause, headers: { 'retry-after': '5' } });
    }
    // Not audited: refused attempts cost no write (the failure that engaged the limit is in the trail).
    if (!verdict.blocked) return;
    throw new AppError('rate_limited', 'Too many failed sign-ins; try again later', {
      headers: { 'retry-after': String(Math.max(1, verdict.retryAfterS)) },
    });
  }

  /** Expired rows are refused on read anyway; this only keeps the table small (at most hourly per instance). */
  private async purgeExpiredSessionsNowAndThen(): Promise<void> {
    const now = this.clock.now();
    if (now.getTime() - this.lastSessionPurge < SESSION_PURGE_INTERVAL_MS) return;
    this.lastSessionPurge = now.getTime();
    this.inBackground(this.deps.sessions.purgeExpired(now));
  }

  private async countFailure(keys: ThrottleKeys): Promise<ThrottleVerdict> {
    try {
      return await this.deps.throttle.recordFailure(keys);
    } catch (cause) {
      throw new AppError('dependency_down', 'Sign-in is unavailable right now; try again shortly', { cause, headers: { 'retry-after': '5' } });
    }
  }

  private async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await this.deps.hasher.verify(hash, password);
    } catch {
      return false; // a malformed stored hash never signs anyone in
    }
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.deps.hasher.hash(randomBytes(24).toString('base64url'));
    return this.dummyHash;
  }

  // --- Authenticator --------------------------------------------------------------------------------

  async fromSessionCookie(secret: string): Promise<Principal | null> {
    if (credentialKind(secret) !== 'cookie') return null;
    const found = await this.resolveSession('cookie', secret);
    if (!found) return null;
    return this.sessionPrincipal(found.user, found.session.id, 'cookie');
  }

  async fromBearer(token: string): Promise<Principal | null> {
    const kind = credentialKind(token);
    if (kind === 'login-token') {
      const found = await this.resolveSession('token', token);
      return found ? this.sessionPrincipal(found.user, found.session.id, 'bearer') : null;
    }
    if (kind !== 'api-token') return null;
    const found = await this.deps.tokens.resolve(hashSecret(token), this.clock.now());
    if (!found || found.user.disabled) return null;
    const now = this.clock.now();
    const last = found.token.lastUsedAt?.getTime() ?? 0;
    if (now.getTime() - last >= TOKEN_TOUCH_INTERVAL_MS) this.inBackground(this.deps.tokens.touch(found.token.id, now));
    return {
      userId: found.user.id,
      username: found.user.username,
      role: found.user.role,
      scopes: effectiveScopes(found.token.scopes, found.user.role),
      via: 'bearer',
      tokenId: found.token.id,
    };
  }

  private async resolveSession(kind: 'cookie' | 'token', secret: string) {
    const found = await this.deps.sessions.resolve(kind, hashSecret(secret), this.clock.now());
    return found && !found.user.disabled ? found : undefined;
  }

  private sessionPrincipal(user: AccountRef, sessionId: string, via: Principal['via']): Principal {
    return { userId: user.id, username: user.username, role: user.role, scopes: scopesForRole(user.role), via, sessionId };
  }

  private inBackground(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.deps.onBackgroundError?.(error)).finally(() => {
      this.background.delete(tracked);
    });
    this.background.add(tracked);
  }

  // --- API tokens -----------------------------------------------------------------------------------

  createToken(
    principal: Principal,
    input: { name: string; scopes?: Scope[] },
    ctx: RequestContext,
  ): Promise<{ token: ApiTokenRecord; secret: string }> {
    return createApiToken(this.deps, principal, input, ctx);
  }

  listTokens(principal: Principal, page: PageRequest): Promise<Page<ApiTokenRecord>> {
    return this.deps.tokens.listForOwner(principal.userId, page);
  }

  async getToken(principal: Principal, id: string): Promise<ApiTokenRecord> {
    const token = await this.deps.tokens.findForOwner(id, principal.userId);
    if (!token) throw new AppError('not_found', 'No such token');
    return token;
  }

  revokeToken(principal: Principal, id: string, ctx: RequestContext): Promise<void> {
    return revokeApiToken(this.deps, principal, id, ctx);
  }

  // --- administration -------------------------------------------------------------------------------

  updateUser(actor: Principal, id: string, patch: { role?: Role; disabled?: boolean }, ctx: RequestContext): Promise<UserRecord> {
    return updateUser(this.deps, actor, id, patch, ctx);
  }

  listUsers(page: PageRequest): Promise<Page<UserRecord>> {
    return this.deps.users.list(page);
  }

  listAudit(page: PageRequest & { type?: AuditEventType; subjectId?: string }): Promise<Page<AuditRecord>> {
    return this.deps.audit.list(page);
  }
}
