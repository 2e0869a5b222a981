/**
 * The Prometheus HTTP latency histogram is built at scrape time from HttpStats' log buckets (so requests
 * pay no prom-client observe): its `le` buckets must count what a prom-client Histogram would have.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { CachedValidator } from '../../../src/domain/validation/cached-validator.js';
import { TieredCache } from '../../../src/cache/index.js';
import { HTTP_DURATION_BUCKETS_S, Metrics } from '../../../src/perf/metrics.js';
import { LatencyHistogram } from '../../../src/perf/latency-histogram.js';

interface Series {
  labels: Record<string, string>;
  buckets: Record<string, number>;
  count?: number;
  sum?: number;
}

/**
 * parse-prometheus-text-format folds every labelled histogram series into one, so the samples are read
 * here line by line (the parser still has to accept the whole text and see a histogram).
 */
function histogramSeries(text: string, name: string): Series[] {
  const series = new Map<string, Series>();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}_(bucket|sum|count)\\{(.*)\\} (\\S+)$`).exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const { le, ...own } = labels;
    const key = JSON.stringify(own);
    const entry = series.get(key) ?? { labels: own, buckets: {} };
    series.set(key, entry);
    const value = Number(match[3]);
    if (match[1] === 'bucket') entry.buckets[le!] = value;
    else entry[match[1] as 'sum' | 'count'] = value;
  }
  return [...series.values()];
}

describe('HTTP latency histogram for Prometheus', () => {
  it('counts each latency under every bound above it, per route and status', async () => {
    const cache = new TieredCache({ instanceId: 'test-1' });
    const metrics = new Metrics('test-1', { cache, validator: new CachedValidator(cache) });
    try {
      // Latencies well inside buckets (never within 8 % of a bound) so the expected counts are exact.
      const fast = [0.3, 0.3, 0.3, 3, 3, 30];
      for (const ms of fast) metrics.observeRequest('POST', '/api/validate', 200, ms);
      metrics.observeRequest('POST', '/api/validate', 400, 0.7);
      metrics.observeRequest('GET', '/api/wallets/:id', 200, 20_000);

      const text = await metrics.registry.metrics();
      const families = parsePrometheusTextFormat(text) as Array<{ name: string; type: string }>;
      expect(families.find((f) => f.name === 'satchel_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
      const all = histogramSeries(text, 'satchel_http_request_duration_seconds');
      expect(all).toHaveLength(3);
      const series = (method: string, route: string, status: string) =>
        all.find((m) => m.labels.method === method && m.labels.route === route && m.labels.status_code === status);

      const ok = series('POST', '/api/validate', '200')!;
      expect(ok.labels?.instance).toBe('test-1');
      expect(ok.count).toBe(6);
      expect(Number(ok.sum)).toBeCloseTo(fast.reduce((a, b) => a + b) / 1000, 9);
      const le = (s: typeof ok, bound: string) => Number(s.buckets?.[bound]);
      expect(le(ok, '0.0005')).toBe(3);
      expect(le(ok, '0.0025')).toBe(3);
      expect(le(ok, '0.005')).toBe(5);
      expect(le(ok, '0.025')).toBe(5);
      expect(le(ok, '0.05')).toBe(6);
      expect(le(ok, '10')).toBe(6);

      const bad = series('POST', '/api/validate', '400')!;
      expect([le(bad, '0.0005'), le(bad, '0.001'), bad.count]).toEqual([0, 1, 1]);
      const slow = series('GET', '/api/wallets/:id', '200')!;
      expect([le(slow, '10'), le(slow, '+Inf'), slow.count]).toEqual([0, 1, 1]);
      expect(Object.keys(slow.buckets ?? {})).toHaveLength(HTTP_DURATION_BUCKETS_S.length + 1);
    } finally {
      metrics.close();
      await cache.close();
    }
  });

  it('folds log buckets into bounds monotonically and loses no observation', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 5_000; i++) h.record(Math.exp(Math.random() * 14 - 7)); // ~0.001 ms … 1 s
    const bounds = HTTP_DURATION_BUCKETS_S.map((s) => s * 1000);
    const cumulative = h.cumulativeCounts(bounds);
    for (let i = 1; i < cumulative.length; i++) expect(cumulative[i]!).toBeGreaterThanOrEqual(cumulative[i - 1]!);
    expect(cumulative.at(-1)).toBe(5_000);
  });
});
