/**
 * Idempotency-Key semantics (IETF httpapi draft; SPEC: Lightning), independent of HTTP details and of
 * storage. A key is scoped to user and route and kept ≥ 24 h in the database, so it holds across
 * instances: the first request with a key claims it; a repeat with the same body gets the first answer
 * back (the HTTP layer replays it byte for byte); with another body → 422 `idempotency_key_reused`;
 * while the first still runs → 409 `request_in_progress`. A first attempt that failed on our side (5xx)
 * frees the key, and so does a claim left `running` by a crashed instance once it is stale.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../errors.js';

export interface IdempotencyScope {
  userId: string;
  /** e.g. `POST /api/lightning/invoices`. */
  route: string;
  key: string;
}

export interface StoredResponse {
  status: number;
  /** The serialized body exactly as first sent. */
  body: string;
}

export interface IdempotencyRecord {
  requestHash: string;
  status: 'running' | 'done';
  response: StoredResponse | null;
  createdAt: number;
}

/** Storage port (the database adapter implements it); every write is conditional, so instances may race. */
export interface IdempotencyStore {
  /** 'claimed' when this call created the record (running), else the record that was there first. */
  claim(scope: IdempotencyScope, requestHash: string, now: number): Promise<'claimed' | IdempotencyRecord>;
  /** running → done with the response; false when the claim is gone. */
  complete(scope: IdempotencyScope, response: StoredResponse): Promise<boolean>;
  /** Drops a running claim (the request failed). */
  release(scope: IdempotencyScope): Promise<boolean>;
  /** Drops the record if it was created before `cutoff` (and, with `onlyRunning`, is still running). */
  discardOlderThan(scope: IdempotencyScope, cutoff: number, onlyRunning: boolean): Promise<boolean>;
  /** Deletes every record created before `cutoff`; returns how many. */
  purgeOlderThan(cutoff: number): Promise<number>;
}

export type IdempotencyDecision =
  | { kind: 'replay'; response: StoredResponse }
  | {
      kind: 'proceed';
      /** Stores the answer for replays (call with what was sent). */
      finish(response: StoredResponse): Promise<void>;
      /** Frees the key: the request failed and may be tried again. */
      abandon(): Promise<void>;
    };

export interface IdempotencyOptions {
  /** How long a key is remembered (SPEC: ≥ 24 h). */
  retentionMs?: number;
  /** A claim still `running` after this long belongs to a request that died with its instance. */
  staleRunningMs?: number;
  /** Purge expired records at most this often (piggybacked on requests, no timer). */
  purgeEveryMs?: number;
  now?: () => number;
  onError?: (error: unknown, context: string) => void;
}

export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** JSON with object keys sorted at every level: two bodies that differ only in key order are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function hashRequest(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

export class Idempotency {
  private readonly retentionMs: number;
  private readonly staleRunningMs: number;
  private readonly purgeEveryMs: number;
  private readonly now: () => number;
  private lastPurge = 0;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly options: IdempotencyOptions = {},
  ) {
    this.retentionMs = Math.max(IDEMPOTENCY_RETENTION_MS, options.retentionMs ?? IDEMPOTENCY_RETENTION_MS);
    this.staleRunningMs = options.staleRunningMs ?? 5 * 60 * 1000;
    this.purgeEveryMs = options.purgeEveryMs ?? 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  async begin(scope: IdempotencyScope, requestHash: string): Promise<IdempotencyDecision> {
    const now = this.now();
    this.maybePurge(now);
    // Two rounds: an expired or stale record is dropped once and the key claimed again.
    for (let round = 0; round < 2; round++) {
      const found = await this.store.claim(scope, requestHash, now);
      if (found === 'claimed') return this.proceed(scope);
      if (found.createdAt < now - this.retentionMs) {
        await this.store.discardOlderThan(scope, now - this.retentionMs, false);
        continue;
      }
      if (found.requestHash !== requestHash) {
        throw new AppError('idempotency_key_reused', 'This Idempotency-Key was used with another request body; use a new key for a new request');
      }
      if (found.status === 'done' && found.response) return { kind: 'replay', response: found.response };
      if (found.createdAt < now - this.staleRunningMs && round === 0) {
        await this.store.discardOlderThan(scope, now - this.staleRunningMs, true);
        continue;
      }
      throw new AppError('request_in_progress', 'The first request with this Idempotency-Key is still running; retry shortly', {
        headers: { 'retry-after': '1' },
      });
    }
    throw new AppError('request_in_progress', 'This Idempotency-Key could not be claimed; retry shortly', { headers: { 'retry-after': '1' } });
  }

  private proceed(scope: IdempotencyScope): IdempotencyDecision {
    return {
      kind: 'proceed',
      finish: async (response) => {
        if (response.status >= 500) await this.store.release(scope);
        else await this.store.complete(scope, response);
      },
      abandon: async () => {
        await this.store.release(scope);
      },
    };
  }

  private maybePurge(now: number): void {
    if (now - this.lastPurge < this.purgeEveryMs) return;
    this.lastPurge = now;
    this.store.purgeOlderThan(now - this.retentionMs).catch((error: unknown) => this.options.onError?.(error, 'idempotency purge'));
  }
}
