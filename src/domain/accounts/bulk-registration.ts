/**
 * Admin bulk registration (SPEC: `POST /api/admin/users/bulk`). Each item is judged on its own — shape,
 * username and password policy, duplicates inside the batch, names that exist — before any hashing;
 * then the passwords are hashed in parallel (argon2 runs on the libuv thread pool) and every account
 * is inserted in one transaction. `atomic` creates all or none.
 */
import type { ProblemItem } from '../../errors.js';
import type { AuditLog, CredentialValidator, NewUser, PasswordHasher, UserStore } from './ports.js';
import type { Role } from './principal.js';
import { issues } from './problems.js';

export type BulkMode = 'partial' | 'atomic';

export interface BulkInput {
  /** Raw items as sent: anything may be in here, each is judged on its own. */
  users: readonly unknown[];
  mode: BulkMode;
}

export interface BulkItemResult {
  index: number;
  /** The name as sent when it was a string (cut to 64 characters), else null. */
  username: string | null;
  ok: boolean;
  id?: string;
  role?: Role;
  errors?: ProblemItem[];
}

export interface BulkReport {
  mode: BulkMode;
  created: number;
  failed: number;
  results: BulkItemResult[];
}

export interface BulkDeps {
  users: UserStore;
  hasher: PasswordHasher;
  validator: CredentialValidator;
  audit: AuditLog;
}

const ITEM_KEYS = new Set(['username', 'password', 'role']);
const ROLES: readonly string[] = ['admin', 'user'];

interface Candidate {
  index: number;
  username: string;
  password: string;
  role: Role;
}

function problem(field: string | undefined, code: string, message: string): ProblemItem {
  return field ? { field, code, message } : { code, message };
}

function shapeErrors(item: unknown): ProblemItem[] {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return [problem(undefined, 'wrong_type', 'Each user must be an object {username, password, role?}')];
  }
  const record = item as Record<string, unknown>;
  const errors: ProblemItem[] = [];
  for (const key of Object.keys(record)) {
    if (!ITEM_KEYS.has(key)) errors.push(problem(key.slice(0, 64), 'unknown_property', `${key.slice(0, 64)} is not a known property`));
  }
  for (const field of ['username', 'password'] as const) {
    if (record[field] === undefined) errors.push(problem(field, 'required', `${field} is required`));
    else if (typeof record[field] !== 'string') errors.push(problem(field, 'wrong_type', `${field} must be a string`));
  }
  if (record.role !== undefined && (typeof record.role !== 'string' || !ROLES.includes(record.role))) {
    errors.push(problem('role', 'not_allowed', 'role must be one of admin, user'));
  }
  return errors;
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the input order in the output. */
async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export async function registerBulk(
  deps: BulkDeps,
  input: BulkInput,
  ctx: { actorId: string | null; ip: string },
): Promise<BulkReport> {
  const { users: items, mode } = input;
  const errors: ProblemItem[][] = items.map(shapeErrors);
  const isObject = (i: number) => typeof items[i] === 'object' && items[i] !== null && !Array.isArray(items[i]);
  const record = (i: number) => items[i] as Record<string, unknown>;
  const displayName = (i: number): string | null => {
    const name = isObject(i) ? record(i).username : undefined;
    return typeof name === 'string' ? name.slice(0, 64) : null;
  };

  // Usernames: the whole batch at once through the cached validator.
  const named = items.flatMap((_, i) => (isObject(i) && typeof record(i).username === 'string' ? [i] : []));
  const { results: nameResults } = await deps.validator.validateBatch(
    'username',
    named.map((i) => record(i).username),
  );
  const usernames = new Map<number, string>();
  named.forEach((i, k) => {
    const result = nameResults[k];
    const nameErrors = issues('username', result);
    if (nameErrors.length) errors[i]!.push(...nameErrors);
    else usernames.set(i, (result?.normalized ?? (record(i).username as string)).toLowerCase());
  });

  // Passwords: each against its own username; the password policy is never cached.
  await Promise.all(
    named.filter((i) => typeof record(i).password === 'string').map(async (i) => {
      const username = usernames.get(i) ?? (record(i).username as string);
      const result = await deps.validator.validate('password', record(i).password, { username });
      errors[i]!.push(...issues('password', result));
    }),
  );

  // Duplicates inside the batch: the first occurrence wins.
  const firstIndex = new Map<string, number>();
  for (const [i, name] of usernames) {
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, i);
    else errors[i]!.push(problem('username', 'duplicate_in_batch', `username repeats item ${first}`));
  }

  // Names that exist already: one query.
  const existing = await deps.users.existingUsernames([...firstIndex.keys()]);
  for (const [i, name] of usernames) {
    if (existing.has(name)) errors[i]!.push(problem('username', 'username_taken', 'This username is taken'));
  }

  const candidates: Candidate[] = [];
  for (const [i, username] of usernames) {
    if (errors[i]!.length) continue;
    const role = (record(i).role as Role | undefined) ?? 'user';
    candidates.push({ index: i, username, password: record(i).password as string, role });
  }

  const anyBad = errors.some((list) => list.length > 0);
  const created = new Map<number, { id: string; role: Role }>();
  if (!(mode === 'atomic' && anyBad) && candidates.length) {
    const hashes = await mapBounded(candidates, deps.hasher.concurrency, (c) => deps.hasher.hash(c.password));
    const rows: NewUser[] = candidates.map((c, k) => ({ username: c.username, passwordHash: hashes[k]!, role: c.role }));
    const inserted = await deps.users.createMany(rows, mode);
    for (const c of candidates) {
      const user = inserted.get(c.username);
      if (user) created.set(c.index, { id: user.id, role: user.role });
      // Taken between the check and the insert (another request): partial reports it per item.
      else if (mode === 'partial') errors[c.index]!.push(problem('username', 'username_taken', 'This username is taken'));
    }
  }
  if (mode === 'atomic' && created.size === 0) {
    for (let i = 0; i < items.length; i++) {
      if (errors[i]!.length === 0) {
        errors[i]!.push(problem(undefined, 'batch_not_applied', 'Not created: another item of this atomic batch failed'));
      }
    }
  }

  const results: BulkItemResult[] = items.map((_, index) => {
    const made = created.get(index);
    if (made) return { index, username: usernames.get(index) ?? displayName(index), ok: true, id: made.id, role: made.role };
    return { index, username: displayName(index), ok: false, errors: errors[index]! };
  });
  const report: BulkReport = { mode, created: created.size, failed: items.length - created.size, results };
  await deps.audit.record({
    type: 'users.bulk_registered',
    actorId: ctx.actorId,
    ip: ctx.ip,
    details: {
      mode,
      submitted: items.length,
      created: report.created,
      failed: report.failed,
      usernames: results.filter((r) => r.ok).map((r) => r.username).slice(0, 1_000),
    },
  });
  return report;
}
