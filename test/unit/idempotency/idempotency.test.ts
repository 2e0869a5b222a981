/** Idempotency-Key rules over an in-memory store: replay, reuse (422), in progress (409), 5xx frees, stale and expired keys. */
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  hashRequest,
  Idempotency,
  type IdempotencyRecord,
  type IdempotencyScope,
  type IdempotencyStore,
  type StoredResponse,
} from '../../../src/domain/idempotency/idempotency.js';

class MemoryIdempotencyStore implements IdempotencyStore {
  readonly records = new Map<string, IdempotencyRecord>();
  private id = (s: IdempotencyScope) => `${s.userId}|${s.route}|${s.key}`;
  async claim(scope: IdempotencyScope, requestHash: string, now: number) {
    const existing = this.records.get(this.id(scope));
    if (existing) return { ...existing };
    this.records.set(this.id(scope), { requestHash, status: 'running', response: null, createdAt: now });
    return 'claimed' as const;
  }
  async complete(scope: IdempotencyScope, response: StoredResponse) {
    const r = this.records.get(this.id(scope));
    if (r?.status !== 'running') return false;
    Object.assign(r, { status: 'done', response });
    return true;
  }
  async release(scope: IdempotencyScope) {
    return this.records.get(this.id(scope))?.status === 'running' && this.records.delete(this.id(scope));
  }
  async discardOlderThan(scope: IdempotencyScope, cutoff: number, onlyRunning: boolean) {
    const r = this.records.get(this.id(scope));
    if (!r || r.createdAt >= cutoff || (onlyRunning && r.status !== 'running')) return false;
    return this.records.delete(this.id(scope));
  }
  async purgeOlderThan(cutoff: number) {
    let n = 0;
    for (const [k, r] of this.records) if (r.createdAt < cutoff && this.records.delete(k)) n++;
    return n;
  }
}

const scope = { userId: 'u1', route: 'POST /api/lightning/invoices', key: 'k1' };

function setup() {
  let now = 1_000_000_000;
  const store = new MemoryIdempotencyStore();
  const idempotency = new Idempotency(store, { now: () => now });
  return { store, idempotency, advance: (ms: number) => void (now += ms) };
}

describe('Idempotency', () => {
  it('lets the first request proceed and replays its stored answer', async () => {
    const { idempotency } = setup();
    const first = await idempotency.begin(scope, 'h1');
    expect(first.kind).toBe('proceed');
    if (first.kind === 'proceed') await first.finish({ status: 201, body: '{"id":"a"}' });
    expect(await idempotency.begin(scope, 'h1')).toEqual({ kind: 'replay', response: { status: 201, body: '{"id":"a"}' } });
  });

  it('refuses another body with 422 and a running request with 409', async () => {
    const { idempotency } = setup();
    await idempotency.begin(scope, 'h1');
    await expect(idempotency.begin(scope, 'h2')).rejects.toMatchObject({ code: 'idempotency_key_reused', status: 422 });
    await expect(idempotency.begin(scope, 'h1')).rejects.toMatchObject({ code: 'request_in_progress', status: 409 });
  });

  it('frees the key after a 5xx answer or an abandoned request', async () => {
    const { idempotency } = setup();
    const first = await idempotency.begin(scope, 'h1');
    if (first.kind === 'proceed') await first.finish({ status: 503, body: '{}' });
    const second = await idempotency.begin(scope, 'h2');
    expect(second.kind).toBe('proceed');
    if (second.kind === 'proceed') await second.abandon();
    expect((await idempotency.begin(scope, 'h3')).kind).toBe('proceed');
  });

  it('takes over a claim left running by a dead instance once it is stale', async () => {
    const { idempotency, advance } = setup();
    await idempotency.begin(scope, 'h1');
    advance(5 * 60 * 1000 + 1);
    expect((await idempotency.begin(scope, 'h1')).kind).toBe('proceed');
  });

  it('keeps a key for 24 h and forgets it after', async () => {
    const { idempotency, advance } = setup();
    const first = await idempotency.begin(scope, 'h1');
    if (first.kind === 'proceed') await first.finish({ status: 201, body: 'x' });
    advance(24 * 3600 * 1000 - 1);
    expect((await idempotency.begin(scope, 'h2').catch((e: { code: string }) => e.code))).toBe('idempotency_key_reused');
    advance(2);
    expect((await idempotency.begin(scope, 'h2')).kind).toBe('proceed');
  });

  it('hashes bodies canonically: key order does not matter, values do', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(hashRequest({ a: 1, b: 2 })).toBe(hashRequest({ b: 2, a: 1 }));
    expect(hashRequest({ a: 1 })).not.toBe(hashRequest({ a: '1' }));
  });
});
