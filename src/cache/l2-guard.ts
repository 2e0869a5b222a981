/**
 * The one place where L2 failures are handled (STYLE: bentocache). Every L2 call goes through `run`:
 * while the breaker is open the call is skipped; an error or a timeout opens it; nothing rejects.
 * A reply error (Redis answered, e.g. OOM under noeviction) is counted but leaves the breaker closed:
 * Redis is reachable, only that write failed.
 */
import { CircuitBreaker, type BreakerState } from './breaker.js';
import type { L2Driver } from './l2-redis.js';
import type { CacheLogger } from './types.js';

export const SKIPPED: unique symbol = Symbol('l2-skipped');
export type Skipped = typeof SKIPPED;

export class L2TimeoutError extends Error {
  constructor(ms: number) {
    super(`Redis call exceeded its ${ms} ms budget`);
    this.name = 'L2TimeoutError';
  }
}

export interface ErrorCounter {
  errors: number;
}

export interface L2GuardOptions {
  timeoutMs: number;
  cooldownMs: number;
  logger?: CacheLogger;
  onStateChange?: (state: BreakerState, previous: BreakerState) => void;
}

function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

export class L2Guard {
  private readonly breaker: CircuitBreaker;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly driver: L2Driver,
    private readonly options: L2GuardOptions,
  ) {
    this.breaker = new CircuitBreaker(options.cooldownMs, (state, previous) => {
      if (state === 'open' && previous === 'closed') this.options.logger?.warn({ l2: 'open' }, 'cache L2 (Redis) unavailable: serving from L1');
      if (state === 'closed') this.options.logger?.warn({ l2: 'closed' }, 'cache L2 (Redis) back in use');
      this.options.onStateChange?.(state, previous);
    });
  }

  get state(): BreakerState {
    return this.breaker.state;
  }

  /**
   * Runs one L2 operation within `budgetMs` (default: the configured timeout). Resolves to SKIPPED
   * when L2 is unavailable or the call failed; failures are added to `counter.errors`.
   */
  async run<T>(op: (driver: L2Driver) => Promise<T>, counter?: ErrorCounter, budgetMs?: number): Promise<T | Skipped> {
    if (this.closed) return SKIPPED;
    if (this.breaker.state !== 'closed') {
      if (this.breaker.probeDue()) this.probe();
      return SKIPPED;
    }
    try {
      return await withTimeout(op(this.driver), budgetMs ?? this.options.timeoutMs);
    } catch (error) {
      if (counter) counter.errors++;
      if (isReplyError(error)) {
        this.options.logger?.warn({ err: error }, 'cache L2 (Redis) refused a command');
      } else {
        this.trip();
      }
      return SKIPPED;
    }
  }

  /** Asks for a probe now (e.g. the connection just came back); no-op while closed. */
  probeSoon(): void {
    if (this.closed || this.breaker.state !== 'open') return;
    this.probe();
  }

  /** The connection is known to be gone (e.g. the socket closed): open without waiting for a call to fail. */
  reportFailure(): void {
    if (this.closed) return;
    this.trip();
  }

  close(): void {
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  private trip(): void {
    this.breaker.failure();
    this.scheduleProbe();
  }

  /** Without traffic nobody would ask for a probe, so a timer does; unref'd so it never holds the process. */
  private scheduleProbe(): void {
    if (this.closed || this.probeTimer) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.probe();
    }, this.breaker.msUntilProbe() + 1);
    this.probeTimer.unref();
  }

  private probe(): void {
    if (!this.breaker.beginProbe()) return;
    withTimeout(this.driver.ping(), this.options.timeoutMs).then(
      () => {
        if (!this.closed) this.breaker.success();
      },
      () => this.trip(),
    );
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new L2TimeoutError(ms)), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
