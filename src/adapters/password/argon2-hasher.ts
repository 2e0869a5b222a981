/**
 * Password hashing with argon2id (@node-rs/argon2). The defaults are OWASP's Password Storage Cheat
 * Sheet minimum (m = 19 MiB, t = 2, p = 1). Hashing and verifying run on the libuv thread pool, not
 * the event loop, so hashes run in parallel up to the pool's size (UV_THREADPOOL_SIZE, default 4).
 */
import { availableParallelism } from 'node:os';
import { hash, parseOptions, verify, type Options } from '@node-rs/argon2';
import type { PasswordHasher } from '../../domain/accounts/ports.js';

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const PRODUCTION_ARGON2: Readonly<Argon2Params> = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });

/** Argon2id in @node-rs/argon2's `Algorithm` const enum (not importable under isolatedModules). */
const ARGON2ID = 2;

/** How many hashes can run at once: the thread pool's size, but no more than the machine's cores. */
export function hashConcurrency(env: Record<string, string | undefined> = process.env): number {
  const pool = Number(env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(pool, availableParallelism()));
}

export class Argon2PasswordHasher implements PasswordHasher {
  readonly concurrency: number;
  private readonly options: Options;

  /** `params` below production values are for tests only (and say so where they are used). */
  constructor(
    private readonly params: Argon2Params = PRODUCTION_ARGON2,
    concurrency = hashConcurrency(),
  ) {
    this.options = { ...params, algorithm: ARGON2ID as Options['algorithm'] };
    this.concurrency = concurrency;
  }

  hash(password: string): Promise<string> {
    return hash(password, this.options);
  }

  verify(stored: string, password: string): Promise<boolean> {
    return verify(stored, password);
  }

  needsRehash(stored: string): boolean {
    try {
      const used = parseOptions(stored);
      return (
        used.algorithm !== ARGON2ID ||
        used.memoryCost < this.params.memoryCost ||
        used.timeCost < this.params.timeCost ||
        used.parallelism < this.params.parallelism
      );
    } catch {
      return true;
    }
  }
}
