/**
 * The ports the accounts use cases need. Adapters implement them (src/adapters/db/accounts-store.ts,
 * src/adapters/redis/login-throttle.ts, src/adapters/password/argon2-hasher.ts); tests may hand in fakes.
 * Nothing here knows about SQL, Redis or HTTP.
 */
import type { ValidationResult } from '../../validation/types.js';
import type { Role, Scope } from './principal.js';

export interface UserRecord {
  id: string;
  /** Stored lower-case: usernames are unique without regard to case (SPEC: Accounts). */
  username: string;
  role: Role;
  passwordHash: string;
  disabled: boolean;
  createdAt: Date;
}

export interface NewUser {
  username: string;
  passwordHash: string;
  role: Role;
}

/** Collections are keyset-paged; the cursor is opaque here (the store makes and reads it). */
export interface PageRequest {
  cursor?: string;
  limit: number;
}

export interface Page<T> {
  items: T[];
  next?: string;
}

/** What authentication needs of a credential's owner. */
export interface AccountRef {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
}

export interface UserStore {
  findByUsername(username: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  /**
   * Inserts one user, or answers `taken`. `admin-if-first` makes the account an admin only if no
   * account was ever created before, a plain user otherwise; `bootstrap-admin` creates it only as that
   * first admin (else `not-first`). Both are decided atomically with the insert, so two concurrent
   * first registrations cannot both become admin.
   */
  create(user: {
    username: string;
    passwordHash: string;
    role: Role | 'admin-if-first' | 'bootstrap-admin';
  }): Promise<UserRecord | 'taken' | 'not-first'>;
  /** Which of these (lower-case) names exist already — one query. */
  existingUsernames(usernames: readonly string[]): Promise<Set<string>>;
  /**
   * Inserts many in one transaction. `partial` skips names taken meanwhile; `atomic` inserts all or
   * none (returns an empty map when any name is taken). Keyed by username.
   */
  createMany(users: readonly NewUser[], mode: 'partial' | 'atomic'): Promise<Map<string, UserRecord>>;
  update(id: string, patch: { role?: Role; disabled?: boolean; passwordHash?: string }): Promise<UserRecord | undefined>;
  countActiveAdmins(): Promise<number>;
  /** Oldest first. */
  list(page: PageRequest): Promise<Page<UserRecord>>;
}

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
}

/** Which of a session's two secrets a request presented. */
export type SessionCredential = 'cookie' | 'token';

export interface SessionStore {
  /**
   * Stores one sign-in: its cookie secret and its login token, each by hash, tied together.
   * The record's id names the cookie's row.
   */
  create(session: {
    userId: string;
    cookieHash: string;
    tokenHash: string;
    expiresAt: Date;
    ip?: string;
    userAgent?: string;
  }): Promise<SessionRecord>;
  /** The unexpired session holding this hash whose owner is not disabled. Its id is the row's. */
  resolve(kind: SessionCredential, hash: string, now: Date): Promise<{ session: SessionRecord; user: AccountRef } | undefined>;
  /** Ends the sign-in this session belongs to: its cookie and its login token alike. */
  delete(id: string): Promise<void>;
  /** Ends every sign-in of a user but the one `exceptId` belongs to; returns how many rows ended. */
  deleteForUser(userId: string, exceptId?: string): Promise<number>;
  /** Drops sessions expired at `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface ApiTokenStore {
  create(token: { userId: string; name: string; scopes: readonly Scope[]; tokenHash: string }): Promise<ApiTokenRecord>;
  /** The live (not revoked, not expired) token holding this hash, with its owner. */
  resolve(hash: string, now: Date): Promise<{ token: ApiTokenRecord; user: AccountRef } | undefined>;
  /** A live token of this owner; another owner's id answers undefined. */
  findForOwner(id: string, userId: string): Promise<ApiTokenRecord | undefined>;
  /** Live tokens, newest first. */
  listForOwner(userId: string, page: PageRequest): Promise<Page<ApiTokenRecord>>;
  /** false when there is no such live token of this owner. */
  revoke(id: string, userId: string): Promise<boolean>;
  touch(id: string, at: Date): Promise<void>;
}

export const AUDIT_EVENT_TYPES = [
  'user.registered',
  'users.bulk_registered',
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.logout',
  'auth.password_changed',
  'token.created',
  'token.revoked',
  'user.role_changed',
  'user.disabled',
  'user.enabled',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export interface AuditEvent {
  type: AuditEventType;
  actorId?: string | null;
  subjectId?: string | null;
  ip?: string | null;
  /** Never a secret: counts, names, roles, token ids. */
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEvent {
  id: string;
  at: Date;
}

export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
  /** Newest first. */
  list(page: PageRequest & { type?: AuditEventType; subjectId?: string }): Promise<Page<AuditRecord>>;
}

/** Throttle counters are kept per account and per client address (SPEC: repeated failures → 429). */
export interface ThrottleKeys {
  account: string;
  client: string;
}

export interface ThrottleVerdict {
  blocked: boolean;
  /** Seconds until the blocking window ends (0 when not blocked). */
  retryAfterS: number;
}

export interface LoginThrottle {
  check(keys: ThrottleKeys): Promise<ThrottleVerdict>;
  /** Counts one failure; the verdict says whether the *next* attempt is blocked. */
  recordFailure(keys: ThrottleKeys): Promise<ThrottleVerdict>;
  /** A successful sign-in clears the account's counter (the client's stays). */
  recordSuccess(keys: ThrottleKeys): Promise<void>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True when a stored hash was made with weaker parameters than today's (it is redone at sign-in). */
  needsRehash?(hash: string): boolean;
  /** How many hashes may usefully run at once (bulk registration bounds its fan-out by it). */
  readonly concurrency: number;
}

/** The validators the accounts need; the cached validator provides them (password checks are never cached). */
export interface CredentialValidator {
  validate(type: 'username' | 'password', value: unknown, options?: { username?: string }): Promise<ValidationResult>;
  validateBatch(type: 'username', values: readonly unknown[]): Promise<{ results: ValidationResult[] }>;
}

export interface Clock {
  now(): Date;
}
