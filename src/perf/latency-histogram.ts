/**
 * A fixed log-bucket latency histogram: recording is one Math.log and an array increment, so it can sit
 * on every request; quantiles are read from the buckets (±7.5 % — plenty for p50/p95/p99 dashboards).
 */

const MIN_MS = 0.01;
const RATIO = 1.15;
const LOG_RATIO = Math.log(RATIO);
const BUCKETS = 112; // 0.01 ms × 1.15^111 ≈ 55 s; slower lands in the last bucket

export class LatencyHistogram {
  readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sumMs = 0;
  maxMs = 0;

  /** The bucket a latency falls in (bucket 0: ≤ 0.01 ms; bucket i: (upperBoundMs(i-1), upperBoundMs(i)]). */
  static bucketOf(ms: number): number {
    return ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(ms / MIN_MS) / LOG_RATIO) + 1);
  }

  /** Upper bound of bucket `index` in ms (the last bucket also holds everything slower). */
  static upperBoundMs(index: number): number {
    return MIN_MS * RATIO ** index;
  }

  static readonly bucketCount = BUCKETS;

  record(ms: number): void {
    this.recordIn(LatencyHistogram.bucketOf(ms), ms);
  }

  /** record() with the bucket already known, so one latency can go into several histograms for one log. */
  recordIn(index: number, ms: number): void {
    this.counts[index]! += 1;
    this.count += 1;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** Upper bound of the bucket holding quantile q (0..1); 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxMs, MIN_MS * RATIO ** i);
    }
    return this.maxMs;
  }

  /**
   * Cumulative counts at each bound (ascending, in ms) — Prometheus `le` buckets built from these buckets at
   * scrape time. A bucket that straddles a bound is counted at its geometric midpoint (the same ±7.5 %).
   */
  cumulativeCounts(boundsMs: readonly number[]): number[] {
    const out = new Array<number>(boundsMs.length).fill(0);
    let b = 0;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const n = this.counts[i]!;
      if (n === 0) continue;
      const midpoint = i === 0 ? MIN_MS / 2 : LatencyHistogram.upperBoundMs(i) / Math.sqrt(RATIO);
      while (b < boundsMs.length && boundsMs[b]! < midpoint) out[b++] = seen;
      seen += n;
    }
    while (b < boundsMs.length) out[b++] = seen;
    return out;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sumMs += other.sumMs;
    this.maxMs = Math.max(this.maxMs, other.maxMs);
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sumMs = 0;
    this.maxMs = 0;
  }

  summary(): { count: number; meanMs: number; p50: number; p95: number; p99: number; maxMs: number } {
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return {
      count: this.count,
      meanMs: round(this.count ? this.sumMs / this.count : 0),
      p50: round(this.quantile(0.5)),
      p95: round(this.quantile(0.95)),
      p99: round(this.quantile(0.99)),
      maxMs: round(this.maxMs),
    };
  }
}
