/**
 * Time as the Lightning code sees it: injected so tests run expiry and polling on a fake clock.
 * The system clock's timers are unref()'d: a pending expiry or poll never keeps the process alive.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    // setTimeout's limit is 2^31-1 ms (~24.8 days); longer waits are re-armed by their owner.
    const timer = setTimeout(fn, Math.min(Math.max(0, ms), 2 ** 31 - 1));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
