/** Shared helpers of the cache integration tests: bounded waits, never bare sleeps. */
import { Redis } from 'ioredis';
import type { TieredCache, InvalidationEvent, L2State } from '../../src/cache/index.js';

/** Polls `condition` every few ms until it holds; fails after `timeoutMs` (for things that emit no event, like TTL expiry). */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the next 'invalidated' event matching `match` (armed before the action that causes it). */
export function nextInvalidation(cache: TieredCache, match: (e: InvalidationEvent) => boolean, timeoutMs = 5000): Promise<InvalidationEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cache.off('invalidated', listener);
      reject(new Error(`no invalidation message within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (e: InvalidationEvent) => {
      if (!match(e)) return;
      clearTimeout(timer);
      cache.off('invalidated', listener);
      resolve(e);
    };
    cache.on('invalidated', listener);
  });
}

/** Resolves when the cache's L2 reaches `state` (immediately if it is there already). */
export function l2Reaches(cache: TieredCache, state: L2State, timeoutMs = 10_000): Promise<void> {
  if (cache.l2State() === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cache.off('l2-state', listener);
      reject(new Error(`L2 did not reach ${state} within ${timeoutMs} ms (is ${cache.l2State()})`));
    }, timeoutMs);
    const listener = (s: L2State) => {
      if (s !== state) return;
      clearTimeout(timer);
      cache.off('l2-state', listener);
      resolve();
    };
    cache.on('l2-state', listener);
  });
}

/** A plain client for looking at what the cache wrote. */
export async function inspector(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return client;
}

export async function allKeys(client: Redis, pattern = '*'): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

let counter = 0;
/** A namespace name no other test uses, so tests sharing one Redis never see each other's keys. */
export function uniqueName(base: string): string {
  counter += 1;
  return `${base}-${process.pid}-${counter}`;
}
