/**
 * Row types of every table as Kysely sees them (snake_case, as stored). Both engines hold the same
 * JS types: timestamps are integer milliseconds since the epoch (BIGINT), flags are 0/1 integers,
 * JSON is text. pg's int8 parser is set in database.ts so BIGINT reads back as `number` there too.
 */
import type { ColumnType, Generated, Insertable, Kysely, Selectable, Updateable } from 'kysely';

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

/** One act that changed notes (a PUT, a DELETE, a restore, an import, an import undo); migration 70. */
export interface NoteChangesTable {
  id: Generated<number>;
  user_id: string;
  kind: 'edit' | 'delete' | 'import' | 'restore' | 'undo';
  source: 'ui' | 'api' | 'import';
  actor: string | null;
  token_id: string | null;
  job_id: string | null;
  undoes: number | null;
  undone_by: number | null;
  created_at: number;
}

/** One note's text before and after a change (null old: created; null new: deleted). */
export interface NoteHistoryTable {
  id: Generated<number>;
  change_id: number;
  note_id: number;
  old_label: string | null;
  new_label: string | null;
}

export type WalletKindName = 'address' | 'xpub' | 'descriptor';

export interface WalletsTable {
  /** Random 16-byte base64url made by the app. */
  id: string;
  user_id: string;
  name: string;
  kind: WalletKindName;
  network: string;
  script_type: string;
  /** Normalized, with its BIP-380 checksum; public data only (never a private key). */
  descriptor: string;
  gap_receive: Generated<number>;
  gap_change: Generated<number>;
  created_at: number;
  updated_at: number;
  last_synced_at: number | null;
  /** JSON text `{used:{receive, change}, tipHeight?}`; null before the first sync. */
  sync_state: string | null;
  balance_confirmed: Generated<number>;
  balance_unconfirmed: Generated<number>;
  tx_count: Generated<number>;
  used_addresses: Generated<number>;
  rescan_pending: Generated<Flag>;
  handout_receive: Generated<number>;
  handout_change: Generated<number>;
  sync_lease_owner: string | null;
  sync_lease_until: number | null;
}

export interface WalletTransactionsTable {
  wallet_id: string;
  txid: string;
  height: number | null;
  /** Block time, unix seconds. */
  time: number | null;
  amount_sat: number;
  fee_sat: number | null;
  first_seen_at: number;
  /** height when confirmed, else 2^50 + first_seen_at (migration 2026-11-28-41). */
  sort_key: number;
}

export type LightningInvoiceStatus = 'pending' | 'paid' | 'expired' | 'canceled' | 'void';
export type DevInvoiceStateName = 'open' | 'settled' | 'canceled';

/**
 * msat columns may exceed 2^53 (2.1e18 max), which pg's int8 parser refuses: the repositories read them
 * as text (`cast(… as text)`) and write bigint, so the selected type here is never used raw.
 */
type MsatColumn = ColumnType<number | null, bigint | null, bigint | null>;

export interface LightningInvoicesTable {
  id: string;
  user_id: string;
  payment_hash: string;
  bolt11: string;
  amount_msat: MsatColumn;
  memo: string;
  status: LightningInvoiceStatus;
  created_at: number;
  expires_at: number;
  settled_at: number | null;
  amount_paid_msat: MsatColumn;
  backend: 'dev' | 'lnd';
}

/** The dev Lightning node's DevInvoiceStore (preimages survive restarts and are shared by instances). */
export interface LightningPreimagesTable {
  payment_hash: string;
  preimage: string;
  payment_secret: string;
  bolt11: string;
  amount_msat: MsatColumn;
  memo: string;
  description_hash: string | null;
  created_at: number;
  expires_at: number;
  state: DevInvoiceStateName;
  settled_at: number | null;
  amount_paid_msat: MsatColumn;
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
  note_changes: NoteChangesTable;
  note_history: NoteHistoryTable;
  wallets: WalletsTable;
  wallet_transactions: WalletTransactionsTable;
  lightning_invoices: LightningInvoicesTable;
  lightning_preimages: LightningPreimagesTable;
  jobs: JobsTable;
  job_uploads: JobUploadsTable;
  lightning_webhooks: LightningWebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export interface LightningWebhooksTable {
  user_id: string;
  url: string;
  /** HMAC key of the user's payment webhook (never cached, never logged). */
  secret: string;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  user_id: string;
  invoice_id: string;
  event: string;
  payload: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export type JobStateName = 'queued' | 'running' | 'completed' | 'failed';

export interface JobsTable {
  /** Random 16-byte base64url made by the app. */
  id: string;
  user_id: string;
  kind: string;
  state: JobStateName;
  processed: number;
  total: number | null;
  /** JSON text of the job's result. */
  report: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  heartbeat_at: number | null;
  /** The worker (INSTANCE_ID:random) that holds the job: accepted it, took it over or runs it. */
  instance: string;
  /** JSON of what the job needs besides its upload; null for jobs that cannot be resumed. */
  input: string | null;
  /** Runs started; a job whose runs keep dying is failed. */
  attempts: Generated<number>;
  /** JSON of where the running import stood at its last commit; null before the first one. */
  checkpoint: Generated<string | null>;
}

/** An async import's upload, spooled in ~1 MB chunks until its job ends. */
export interface JobUploadsTable {
  job_id: string;
  seq: number;
  data: Buffer;
  created_at: number;
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
export type WalletRow = Selectable<WalletsTable>;
export type WalletTransactionRow = Selectable<WalletTransactionsTable>;

/** What every repository function takes first: the database or a transaction (`Transaction<Schema>` is one). */
export type Db = Kysely<Schema>;
