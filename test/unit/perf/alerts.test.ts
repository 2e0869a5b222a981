import { describe, expect, it } from 'vitest';
import { AlertEngine, type AlertInput } from '../../../src/perf/alerts.js';

const quiet: AlertInput = { now: 0, l2State: 'closed', p99Ms: 5, requests: 100, errorRate: 0, lagMs: 1, namespaces: [] };

describe('alert engine', () => {
  it('opens l2_down after the hold time and closes it with an end time', () => {
    const changes: string[] = [];
    const engine = new AlertEngine((alert, state) => changes.push(`${alert.rule}:${state}`));
    engine.thresholds.l2DownForS = 5;
    engine.evaluate({ ...quiet, now: 1000, l2State: 'open' });
    engine.evaluate({ ...quiet, now: 5000, l2State: 'open' });
    expect(engine.list().active).toEqual([]);
    engine.evaluate({ ...quiet, now: 6000, l2State: 'open' });
    expect(engine.list().active).toMatchObject([{ rule: 'l2_down', startedAt: new Date(1000).toISOString() }]);
    engine.evaluate({ ...quiet, now: 9000, l2State: 'closed' });
    expect(engine.list().active).toEqual([]);
    expect(engine.list().recent[0]).toMatchObject({ rule: 'l2_down', endedAt: new Date(9000).toISOString() });
    expect(changes).toEqual(['l2_down:opened', 'l2_down:closed']);
  });

  it('does not open when the condition breaks before the hold time', () => {
    const engine = new AlertEngine();
    engine.thresholds.p99ForS = 10;
    engine.evaluate({ ...quiet, now: 0, p99Ms: 900 });
    engine.evaluate({ ...quiet, now: 5000, p99Ms: 10 });
    engine.evaluate({ ...quiet, now: 11_000, p99Ms: 900 });
    expect(engine.list().active).toEqual([]);
  });

  it('alerts on a low hit rate per namespace only with enough traffic', () => {
    const engine = new AlertEngine();
    engine.thresholds = { ...engine.thresholds, lowHitRateForS: 0, minHitRate: 0.5, minLookupsPerS: 10 };
    engine.evaluate({ ...quiet, namespaces: [{ name: 'validate:xpub', policy: 'l1+l2', hitRate: 0.1, lookups: 3 }] });
    expect(engine.list().active).toEqual([]);
    engine.evaluate({ ...quiet, namespaces: [{ name: 'validate:xpub', policy: 'l1+l2', hitRate: 0.1, lookups: 50 }] });
    expect(engine.list().active).toMatchObject([{ rule: 'low_hit_rate', subject: 'validate:xpub' }]);
  });

  it('opens error-rate and lag alerts with their thresholds', () => {
    const engine = new AlertEngine();
    engine.thresholds = { ...engine.thresholds, errorRateForS: 0, lagForS: 0 };
    engine.evaluate({ ...quiet, errorRate: 0.5, lagMs: 900 });
    expect(engine.list().active.map((a) => a.rule).sort()).toEqual(['error_rate', 'event_loop_lag']);
  });
});
