import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../src/perf/latency-histogram.js';

describe('latency histogram', () => {
  it('reads quantiles within the bucket resolution', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10); // 0.1 … 100 ms, uniform
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.p50).toBeGreaterThan(50 * 0.85);
    expect(s.p50).toBeLessThan(50 * 1.15);
    expect(s.p99).toBeGreaterThan(99 * 0.85);
    expect(s.p99).toBeLessThanOrEqual(100);
    expect(s.maxMs).toBe(100);
  });

  it('is empty-safe and merges', () => {
    const a = new LatencyHistogram();
    expect(a.summary()).toMatchObject({ count: 0, p99: 0 });
    const b = new LatencyHistogram();
    b.record(3);
    a.record(1);
    a.merge(b);
    expect(a.count).toBe(2);
    expect(a.quantile(1)).toBeLessThanOrEqual(3);
  });
});
