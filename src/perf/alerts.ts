/**
 * Alert rules evaluated on every snapshot. An alert opens when its condition has held for the rule's
 * `forS` seconds and closes when it stops holding; active and recent (closed) alerts are kept, bounded.
 */

export interface AlertThresholds {
  /** Seconds Redis (L2) must be unreachable before the alert opens. */
  l2DownForS: number;
  /** Hit rate (0..1) under which a cached namespace with traffic alerts… */
  minHitRate: number;
  /** …when it has stayed there this many seconds. */
  lowHitRateForS: number;
  /** Minimum lookups per second for the hit-rate rule to apply. */
  minLookupsPerS: number;
  p99Ms: number;
  p99ForS: number;
  eventLoopLagMs: number;
  lagForS: number;
  errorRate: number;
  errorRateForS: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  l2DownForS: 5,
  minHitRate: 0.5,
  lowHitRateForS: 300,
  minLookupsPerS: 5,
  p99Ms: 500,
  p99ForS: 60,
  eventLoopLagMs: 200,
  lagForS: 30,
  errorRate: 0.05,
  errorRateForS: 60,
};

export interface Alert {
  id: string;
  rule: 'l2_down' | 'low_hit_rate' | 'high_p99' | 'event_loop_lag' | 'error_rate';
  subject?: string;
  message: string;
  value: number;
  threshold: number;
  startedAt: string;
  endedAt?: string;
}

export interface AlertInput {
  now: number;
  l2State: string;
  p99Ms: number;
  requests: number;
  errorRate: number;
  lagMs: number;
  /** Per namespace: hit rate and lookups during the last second. */
  namespaces: Array<{ name: string; policy: string; hitRate: number; lookups: number }>;
}

interface Condition {
  key: string;
  rule: Alert['rule'];
  subject?: string;
  holds: boolean;
  forS: number;
  value: number;
  threshold: number;
  message: string;
}

export class AlertEngine {
  thresholds: AlertThresholds = { ...DEFAULT_THRESHOLDS };
  private readonly since = new Map<string, number>();
  private readonly active = new Map<string, Alert>();
  private readonly recent: Alert[] = [];
  private sequence = 0;

  constructor(private readonly onChange?: (alert: Alert, state: 'opened' | 'closed') => void) {}

  evaluate(input: AlertInput): void {
    const t = this.thresholds;
    const conditions: Condition[] = [
      {
        key: 'l2_down',
        rule: 'l2_down',
        holds: input.l2State === 'open',
        forS: t.l2DownForS,
        value: input.l2State === 'open' ? 1 : 0,
        threshold: 1,
        message: 'Redis (cache L2) is unreachable: serving from L1 and computing',
      },
      {
        key: 'high_p99',
        rule: 'high_p99',
        holds: input.requests > 0 && input.p99Ms > t.p99Ms,
        forS: t.p99ForS,
        value: input.p99Ms,
        threshold: t.p99Ms,
        message: `HTTP p99 above ${t.p99Ms} ms`,
      },
      {
        key: 'event_loop_lag',
        rule: 'event_loop_lag',
        holds: input.lagMs > t.eventLoopLagMs,
        forS: t.lagForS,
        value: input.lagMs,
        threshold: t.eventLoopLagMs,
        message: `Event-loop lag above ${t.eventLoopLagMs} ms`,
      },
      {
        key: 'error_rate',
        rule: 'error_rate',
        holds: input.requests > 0 && input.errorRate > t.errorRate,
        forS: t.errorRateForS,
        value: input.errorRate,
        threshold: t.errorRate,
        message: `Server error rate above ${(t.errorRate * 100).toFixed(1)} %`,
      },
      ...input.namespaces
        .filter((ns) => ns.policy !== 'off')
        .map((ns) => ({
          key: `low_hit_rate:${ns.name}`,
          rule: 'low_hit_rate' as const,
          subject: ns.name,
          holds: ns.lookups >= t.minLookupsPerS && ns.hitRate < t.minHitRate,
          forS: t.lowHitRateForS,
          value: ns.hitRate,
          threshold: t.minHitRate,
          message: `Cache ${ns.name} hit rate below ${(t.minHitRate * 100).toFixed(0)} %`,
        })),
    ];
    for (const c of conditions) this.apply(c, input.now);
  }

  private apply(c: Condition, now: number): void {
    if (!c.holds) {
      this.since.delete(c.key);
      const open = this.active.get(c.key);
      if (open) {
        open.endedAt = new Date(now).toISOString();
        this.active.delete(c.key);
        this.recent.unshift(open);
        this.recent.length = Math.min(this.recent.length, 100);
        this.onChange?.(open, 'closed');
      }
      return;
    }
    const since = this.since.get(c.key) ?? now;
    this.since.set(c.key, since);
    const open = this.active.get(c.key);
    if (open) {
      open.value = c.value;
      return;
    }
    if (now - since >= c.forS * 1000) {
      const alert: Alert = {
        id: `${c.key}-${++this.sequence}`,
        rule: c.rule,
        ...(c.subject ? { subject: c.subject } : {}),
        message: c.message,
        value: c.value,
        threshold: c.threshold,
        startedAt: new Date(since).toISOString(),
      };
      this.active.set(c.key, alert);
      this.onChange?.(alert, 'opened');
    }
  }

  list(): { active: Alert[]; recent: Alert[] } {
    return { active: [...this.active.values()], recent: [...this.recent] };
  }
}
