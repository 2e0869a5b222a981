/** The idempotency domain's IdempotencyStore port on the `idempotency_keys` table (both engines). */
import type { IdempotencyRecord, IdempotencyScope, IdempotencyStore, StoredResponse } from '../../domain/idempotency/idempotency.js';
import {
  completeIdempotent,
  discardIdempotentOlderThan,
  purgeIdempotencyKeysOlderThan,
  releaseIdempotent,
  tryBeginIdempotent,
} from './repositories/idempotency.js';
import type { Db } from './schema.js';

export class SqlIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Db) {}

  async claim(scope: IdempotencyScope, requestHash: string, now: number): Promise<'claimed' | IdempotencyRecord> {
    const found = await tryBeginIdempotent(this.db, { ...scope, requestHash, now });
    if (found === 'started') return 'claimed';
    return {
      requestHash: found.requestHash,
      status: found.status,
      response:
        found.status === 'done' && found.responseStatus !== null && found.responseBody !== null
          ? { status: found.responseStatus, body: found.responseBody }
          : null,
      createdAt: found.createdAt,
    };
  }

  complete(scope: IdempotencyScope, response: StoredResponse): Promise<boolean> {
    return completeIdempotent(this.db, scope, response);
  }

  release(scope: IdempotencyScope): Promise<boolean> {
    return releaseIdempotent(this.db, scope);
  }

  discardOlderThan(scope: IdempotencyScope, cutoff: number, onlyRunning: boolean): Promise<boolean> {
    return discardIdempotentOlderThan(this.db, scope, cutoff, onlyRunning);
  }

  purgeOlderThan(cutoff: number): Promise<number> {
    return purgeIdempotencyKeysOlderThan(this.db, cutoff);
  }
}
