import { describe, expect, it } from 'vitest';
import { appendLive, columns, lastValue, mergeLive, namespacesOf, snapshotToPoint, type HistoryPoint, type PerfSnapshot } from '../../../web/components/perf/model.js';
import { parseNumberField, toApi, toShown } from '../../../web/components/perf/NumberSettingsForm.js';

const point = (t: number, rps = 1, hitRate: Record<string, number> = {}): HistoryPoint => ({
  t,
  rps,
  errorRate: 0,
  p50: 1,
  p95: 2,
  p99: 3,
  rssMb: 100,
  heapMb: 50,
  lagMs: 1,
  l2Up: -1,
  hitRate,
});

describe('performance dashboard model', () => {
  it('turns a snapshot into a point as the server does', () => {
    const snapshot = {
      at: '2026-01-01T00:00:01.000Z',
      http: { rps: 12.5, errorRate: 0.1, latency: { p50: 1, p95: 5, p99: 9 } },
      process: { rssMb: 200, heapUsedMb: 80, eventLoopLagMs: { p50: 1, p99: 7, max: 9 } },
      l2: 'open',
      cache: { 'validate:address': { hitRate: 0.75 } },
    } as unknown as PerfSnapshot;
    expect(snapshotToPoint(snapshot)).toEqual({
      t: Date.parse('2026-01-01T00:00:01.000Z'),
      rps: 12.5,
      errorRate: 0.1,
      p50: 1,
      p95: 5,
      p99: 9,
      rssMb: 200,
      heapMb: 80,
      lagMs: 7,
      l2Up: 0,
      hitRate: { 'validate:address': 0.75 },
    });
  });

  it('keeps the live buffer in order and inside its window', () => {
    let live: HistoryPoint[] = [];
    for (const t of [1000, 2000, 2000, 1500, 3000, 9000]) live = appendLive(live, point(t), 5000);
    expect(live.map((p) => p.t)).toEqual([9000]);
    live = [];
    for (let t = 1; t <= 10; t++) live = appendLive(live, point(t * 1000), 60_000, 4);
    expect(live.map((p) => p.t)).toEqual([7000, 8000, 9000, 10000]);
  });

  it('appends only the live points newer than the history', () => {
    const history = [point(1000), point(2000), point(3000)];
    const live = [point(2000, 9), point(3000, 9), point(4000, 5), point(5000, 6)];
    const merged = mergeLive(history, live, 3000);
    expect(merged.points.map((p) => p.t)).toEqual([2000, 3000, 4000, 5000]);
    expect(merged.liveCount).toBe(2);
    expect(mergeLive([], live, 60_000).liveCount).toBe(4);
  });

  it('builds aligned columns in seconds', () => {
    const points = [point(1000, 1, { a: 0.5 }), point(2000, 2, { a: 0.6, b: 0.1 })];
    expect(namespacesOf(points)).toEqual(['a', 'b']);
    const [xs, rps, b] = columns(points, [(p) => p.rps, (p) => p.hitRate.b ?? null]);
    expect(xs).toEqual([1, 2]);
    expect(rps).toEqual([1, 2]);
    expect(b).toEqual([null, 0.1]);
    expect(lastValue([1, 2, null])).toBe(2);
  });

  it('parses settings fields with the server bounds and converts units', () => {
    expect(parseNumberField({ min: 0, max: 100 }, '150').issue?.message).toBe('At most 100');
    expect(parseNumberField({ min: 1, integer: true }, '2.5').issue?.code).toBe('not_integer');
    expect(parseNumberField({ min: 0 }, '1e3').issue?.code).toBe('not_a_number');
    expect(parseNumberField({ min: 0 }, ' 12.5 ').value).toBe(12.5);
    expect(toShown({ scale: 100 }, 0.07)).toBe('7');
    expect(toApi({ scale: 100 }, 7)).toBe(0.07);
    expect(toApi({ scale: 0.001, apiInteger: true }, 10)).toBe(10_000);
  });
});
