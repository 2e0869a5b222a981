/** A clock whose time moves only when a test says so; `advance` runs due timers in time order. */
import type { Clock, TimerHandle } from '../../src/domain/lightning/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export async function flushAsync(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  private timers: Timer[] = [];
  private seq = 0;

  constructor(private time = Date.UTC(2025, 0, 1)) {}

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return { cancel: () => void (this.timers = this.timers.filter((t) => t !== timer)) };
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing each due timer at its own time and letting its promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await flushAsync();
    for (;;) {
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.fn();
      await flushAsync();
    }
    this.time = end;
    await flushAsync();
  }
}
