/** Stampede protection: concurrent callers of one key share one in-flight computation. */
export class SingleFlight<V> {
  private readonly inFlight = new Map<string, Promise<V>>();

  run(key: string, work: () => Promise<V>): Promise<V> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = work().finally(() => {
      // A `forget` may already have replaced this entry with a newer flight.
      if (this.inFlight.get(key) === promise) this.inFlight.delete(key);
    });
    this.inFlight.set(key, promise);
    return promise;
  }

  /** Later callers start a fresh computation (used after an invalidation). */
  forget(key: string): void {
    this.inFlight.delete(key);
  }

  forgetAll(): void {
    this.inFlight.clear();
  }

  get size(): number {
    return this.inFlight.size;
  }
}
