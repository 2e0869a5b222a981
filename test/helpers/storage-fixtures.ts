/** Small builders for storage tests: random ids and a user row to hang sessions/tokens on. */
import { randomBytes } from 'node:crypto';
import { insertUser, type NewUser } from '../../src/adapters/db/repositories/users.js';
import type { Db } from '../../src/adapters/db/schema.js';

export function newId(): string {
  return randomBytes(16).toString('base64url');
}

let counter = 0;

/** A username unique within the test process (3–32 chars, [a-z0-9_]). */
export function uniqueUsername(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`.slice(0, 32);
}

export async function createUser(db: Db, overrides: Partial<NewUser> = {}): Promise<NewUser> {
  const user: NewUser = {
    id: newId(),
    username: uniqueUsername(),
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$fake$hash',
    role: 'user',
    createdAt: Date.now(),
    ...overrides,
  };
  if (!(await insertUser(db, user))) throw new Error(`createUser: ${user.username} taken`);
  return user;
}
