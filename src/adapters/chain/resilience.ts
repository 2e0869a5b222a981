/**
 * The one place chain backends get timeouts, retries and a circuit breaker (cockatiel):
 *   retry (transient failures only, exponential backoff with jitter, or the server's Retry-After)
 *     → circuit breaker (opens after consecutive transient failures, half-opens later)
 *       → per-attempt timeout (aborts the attempt's AbortSignal).
 * cockatiel's own errors leave as the domain's ChainUnavailableError, keeping them as `cause`.
 */
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  DelegateBackoff,
  TimeoutStrategy,
  circuitBreaker,
  TaskCancelledError,
  handleWhen,
  retry,
  timeout,
  wrap,
  type IRetryBackoffContext,
} from 'cockatiel';
import { ChainUnavailableError } from '../../domain/wallets/chain.js';

/** A failure worth another attempt (refused, reset, 5xx, 429). */
export class TransientChainError extends ChainUnavailableError {
  constructor(
    detail: string,
    readonly retryAfterMs?: number,
    options: { cause?: unknown } = {},
  ) {
    super(detail, options);
    this.name = 'TransientChainError';
  }
}

export interface ResilienceOptions {
  /** Per attempt, including connecting and reading the whole answer. */
  attemptTimeoutMs: number;
  /** Attempts per call, first included. */
  maxAttempts: number;
  /** Base of the exponential backoff between attempts. */
  backoffMs: number;
  /** Consecutive transient failures that open the breaker. */
  breakerThreshold: number;
  /** How long the breaker stays open before one trial call. */
  breakerHalfOpenMs: number;
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  attemptTimeoutMs: 10_000,
  maxAttempts: 3,
  backoffMs: 250,
  breakerThreshold: 5,
  breakerHalfOpenMs: 15_000,
};

export type Execute = <T>(label: string, attempt: (signal: AbortSignal) => Promise<T>) => Promise<T>;

// instanceof, not cockatiel's isTaskCancelledError(): in 3.2.1 that helper tests the wrong flag.
const isTimeout = (error: unknown): error is TaskCancelledError => error instanceof TaskCancelledError;
const isTransient = (error: Error): boolean => error instanceof TransientChainError || isTimeout(error);

export function createExecutor(options: ResilienceOptions, onAttemptTimeout?: () => void): Execute {
  const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>>((context) => {
    const error = 'error' in context.result ? context.result.error : undefined;
    if (error instanceof TransientChainError && error.retryAfterMs !== undefined) return error.retryAfterMs;
    const exp = options.backoffMs * 2 ** (context.attempt - 1);
    return exp / 2 + Math.random() * (exp / 2);
  });
  const attemptTimeout = timeout(options.attemptTimeoutMs, TimeoutStrategy.Aggressive);
  if (onAttemptTimeout) attemptTimeout.onTimeout(onAttemptTimeout);
  const policy = wrap(
    retry(handleWhen(isTransient), { maxAttempts: Math.max(0, options.maxAttempts - 1), backoff }),
    circuitBreaker(handleWhen(isTransient), {
      halfOpenAfter: options.breakerHalfOpenMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    }),
    attemptTimeout,
  );
  return async (label, attempt) => {
    try {
      return await policy.execute(({ signal }) => attempt(signal));
    } catch (error) {
      if (isTimeout(error)) {
        throw new ChainUnavailableError(`${label} timed out after ${options.attemptTimeoutMs} ms`, { cause: error });
      }
      if (error instanceof BrokenCircuitError) {
        throw new ChainUnavailableError(`${label} not attempted: too many recent failures (circuit open)`, { cause: error });
      }
      throw error;
    }
  };
}

/** At most `limit` tasks at once, in order of arrival. */
export function createLimiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
