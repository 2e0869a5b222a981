/**
 * Row types of every table as Kysely sees them (snake_case, as stored). Both engines hold the same
 * JS types: timestamps are integer milliseconds since the epoch (BIGINT), flags are 0/1 integers,
 * JSON is text. pg's int8 parser is set in database.ts so BIGINT reads back as `number` there too.
 */
import type { Generated, Insertable, Kysely, Selectable, Updateable } from 'kysely';

export type Role = 'admin' | 'user';
export type SessionKind = 'cookie' | 'login-token';
export type IdempotencyStatus = 'running' | 'done';
/** 0 or 1: SQLite has no boolean type, so both engines store an integer. */
export type Flag = 0 | 1;

export interface UsersTable {
  /** Random 16-byte base64url made by the app, so ids are not enumerable. */
  id: string;
  /** Always stored lower-cased: case-insensitive uniqueness on both engines with a plain UNIQUE. */
  username: string;
  password_hash: string;
  role: Role;
  disabled: Generated<Flag>;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  /** sha256 hex of the session secret; the secret itself is never stored. */
  id: string;
  user_id: string;
  kind: SessionKind;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  /** Space-separated scope names. */
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  user_id: string | null;
  actor_id: string | null;
  event: string;
  ip: string | null;
  /** JSON text. */
  detail: string | null;
}

export interface LoginFailuresTable {
  /** e.g. `user:alice`, `ip:192.0.2.7`. */
  key: string;
  count: number;
  window_start: number;
  locked_until: number | null;
}

export interface IdempotencyKeysTable {
  user_id: string;
  route: string;
  key: string;
  request_hash: string;
  status: IdempotencyStatus;
  response_status: number | null;
  response_body: string | null;
  created_at: number;
}

export interface SettingsTable {
  key: string;
  /** JSON text. */
  value: string;
  updated_at: number;
}

export type NoteTypeName = 'tx' | 'addr' | 'pubkey' | 'input' | 'output' | 'xpub';

export interface NotesTable {
  id: Generated<number>;
  user_id: string;
  type: NoteTypeName;
  /** Normalized by the app (lower-case txid, canonical `txid:vout`, normalized address). */
  ref: string;
  /** '' when the note has no label. */
  label: string;
  origin: string | null;
  /** 0/1, only on outputs; null when not given. */
  spendable: Flag | null;
  created_at: number;
  updated_at: number;
}

export interface Schema {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
  login_failures: LoginFailuresTable;
  idempotency_keys: IdempotencyKeysTable;
  settings: SettingsTable;
  notes: NotesTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type LoginFailureRow = Selectable<LoginFailuresTable>;
export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>;
export type SettingRow = Selectable<SettingsTable>;
export type NoteRow = Selectable<NotesTable>;

/** What every repository function takes first: the database or a transaction (`Transaction<Schema>` is one). */
export type Db = Kysely<Schema>;
