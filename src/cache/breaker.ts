/**
 * Circuit breaker in front of L2: one failure (error or timeout) opens it; after the cool-down one
 * probe is let through (half-open); a successful probe closes it, a failed one re-opens it.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private openedAt = 0;

  constructor(
    readonly cooldownMs: number,
    private readonly onChange?: (state: BreakerState, previous: BreakerState) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    return this.current;
  }

  /** Open and past its cool-down: the caller should send a probe (see `beginProbe`). */
  probeDue(): boolean {
    return this.current === 'open' && this.now() - this.openedAt >= this.cooldownMs;
  }

  msUntilProbe(): number {
    return this.current === 'open' ? Math.max(0, this.openedAt + this.cooldownMs - this.now()) : 0;
  }

  /** Moves an open breaker to half-open; false when a probe is already out or not needed. */
  beginProbe(): boolean {
    if (this.current !== 'open') return false;
    this.set('half-open');
    return true;
  }

  success(): void {
    if (this.current !== 'closed') this.set('closed');
  }

  failure(): void {
    this.openedAt = this.now();
    if (this.current !== 'open') this.set('open');
  }

  private set(state: BreakerState): void {
    const previous = this.current;
    this.current = state;
    this.onChange?.(state, previous);
  }
}
