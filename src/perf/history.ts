/**
 * History of slim snapshots in two rings: one point a second for 15 minutes and one every ten seconds
 * (the mean of those ten) for 24 hours. Fixed size, so memory never grows with uptime.
 */

export interface HistoryPoint {
  t: number;
  rps: number;
  errorRate: number;
  p50: number;
  p95: number;
  p99: number;
  rssMb: number;
  heapMb: number;
  lagMs: number;
  l2Up: number;
  /** Hit rate per cache namespace, 0..1. */
  hitRate: Record<string, number>;
}

class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  toArray(): T[] {
    const out: T[] = [];
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) out.push(this.items[(start + i) % this.capacity] as T);
    return out;
  }
}

function mean(points: HistoryPoint[]): HistoryPoint {
  const n = points.length;
  const avg = (pick: (p: HistoryPoint) => number) => points.reduce((s, p) => s + pick(p), 0) / n;
  const namespaces = new Set(points.flatMap((p) => Object.keys(p.hitRate)));
  const hitRate: Record<string, number> = {};
  for (const ns of namespaces) hitRate[ns] = avg((p) => p.hitRate[ns] ?? 0);
  return {
    t: points[n - 1]!.t,
    rps: avg((p) => p.rps),
    errorRate: avg((p) => p.errorRate),
    p50: avg((p) => p.p50),
    p95: Math.max(...points.map((p) => p.p95)),
    p99: Math.max(...points.map((p) => p.p99)),
    rssMb: avg((p) => p.rssMb),
    heapMb: avg((p) => p.heapMb),
    lagMs: Math.max(...points.map((p) => p.lagMs)),
    l2Up: Math.min(...points.map((p) => p.l2Up)),
    hitRate,
  };
}

export const RANGES = { '15m': 15 * 60_000, '1h': 3600_000, '24h': 24 * 3600_000 } as const;
export type HistoryRange = keyof typeof RANGES;

export class History {
  private readonly seconds = new Ring<HistoryPoint>(15 * 60);
  private readonly tens = new Ring<HistoryPoint>(24 * 360);
  private pending: HistoryPoint[] = [];
  private readonly listeners = new Set<(point: HistoryPoint, resolutionS: 1 | 10) => void>();

  add(point: HistoryPoint): void {
    this.seconds.push(point);
    this.pending.push(point);
    for (const listener of this.listeners) listener(point, 1);
    if (this.pending.length >= 10) {
      const tens = mean(this.pending);
      this.tens.push(tens);
      this.pending = [];
      for (const listener of this.listeners) listener(tens, 10);
    }
  }

  /** Calls `listener` with every point added to either ring (the cluster publishes them); returns an unsubscribe. */
  listen(listener: (point: HistoryPoint, resolutionS: 1 | 10) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  range(range: HistoryRange, now = Date.now()): { resolutionS: number; points: HistoryPoint[] } {
    const since = now - RANGES[range];
    if (range === '15m') return { resolutionS: 1, points: this.seconds.toArray().filter((p) => p.t >= since) };
    return { resolutionS: 10, points: this.tens.toArray().filter((p) => p.t >= since) };
  }
}
