/**
 * Alerts (GET /api/performance/alerts, PUT …/alerts/thresholds): the active ones with when they
 * started, the recent ones with start and end, and the thresholds of every rule. With `instance`, the
 * alerts of that instance (`?instance=<id>`); the thresholds hold for every instance.
 */
import { memo, useEffect, useId, useState } from 'react';
import { api, ApiError } from '../../lib/api.js';
import { NumberSettingsForm, type NumberFieldSpec } from './NumberSettingsForm.js';
import { formatDateTime, formatDuration, formatMs, formatPercent, type Alert, type AlertsResponse, type AlertThresholds } from './model.js';

export const ALERTS_REFRESH_MS = 5_000;

type ThresholdKey = keyof AlertThresholds;

const seconds = (key: ThresholdKey, group: string): NumberFieldSpec<ThresholdKey> => ({
  key,
  label: 'For at least (s)',
  min: 0,
  max: 86_400,
  integer: true,
  apiInteger: true,
  group,
});

/** Bounds as in src/http/routes/performance/schemas.ts (alertThresholdsBody), in the units shown. */
export const THRESHOLD_FIELDS: readonly NumberFieldSpec<ThresholdKey>[] = [
  { key: 'l2DownForS', label: 'Unreachable for (s)', min: 0, max: 86_400, integer: true, apiInteger: true, group: 'Redis (L2) down' },
  { key: 'minHitRate', label: 'Hit rate below (%)', min: 0, max: 100, scale: 100, group: 'Low cache hit rate' },
  seconds('lowHitRateForS', 'Low cache hit rate'),
  { key: 'minLookupsPerS', label: 'With at least (lookups/s)', min: 0, group: 'Low cache hit rate' },
  { key: 'p99Ms', label: 'p99 above (ms)', min: 0, group: 'Slow requests' },
  seconds('p99ForS', 'Slow requests'),
  { key: 'eventLoopLagMs', label: 'Lag above (ms)', min: 0, group: 'Event-loop lag' },
  seconds('lagForS', 'Event-loop lag'),
  { key: 'errorRate', label: 'Error rate above (%)', min: 0, max: 100, scale: 100, group: 'Server errors' },
  seconds('errorRateForS', 'Server errors'),
];

const RULE_TEXT: Record<Alert['rule'], string> = {
  l2_down: 'Redis down',
  low_hit_rate: 'Low hit rate',
  high_p99: 'Slow requests',
  event_loop_lag: 'Event-loop lag',
  error_rate: 'Server errors',
};

function valueText(alert: Alert): string {
  switch (alert.rule) {
    case 'low_hit_rate':
    case 'error_rate':
      return `${formatPercent(alert.value)} (threshold ${formatPercent(alert.threshold)})`;
    case 'high_p99':
    case 'event_loop_lag':
      return `${formatMs(alert.value)} (threshold ${formatMs(alert.threshold)})`;
    default:
      return '';
  }
}

function AlertsPanelImpl({ instance }: { instance?: string | undefined }) {
  const id = useId();
  const [data, setData] = useState<AlertsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    // An answer about the previous choice, arriving late, is dropped.
    const controller = new AbortController();
    const query = instance === undefined ? '' : `?instance=${encodeURIComponent(instance)}`;
    const load = async () => {
      try {
        const body = await api.get<AlertsResponse>(`/api/performance/alerts${query}`, { signal: controller.signal });
        if (controller.signal.aborted) return;
        setData(body);
        setNow(Date.now());
        setError(null);
      } catch (e) {
        if (controller.signal.aborted) return;
        setError(e instanceof ApiError ? `Could not load the alerts: ${e.userMessage}` : 'Could not load the alerts.');
      }
    };
    setData(null);
    void load();
    const timer = setInterval(() => void load(), ALERTS_REFRESH_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [instance]);

  const save = async (patch: Partial<Record<ThresholdKey, number>>) => {
    const { thresholds } = await api.put<{ thresholds: AlertThresholds }>('/api/performance/alerts/thresholds', patch);
    setData((current) => (current ? { ...current, thresholds } : current));
  };

  return (
    <section className="card perf-section" aria-labelledby={`${id}-title`} data-testid="alerts-panel">
      <div className="perf-section-head">
        <h2 id={`${id}-title`}>
          Alerts
          {instance === undefined ? null : (
            <>
              {' '}
              <span className="muted">
                on <code>{instance}</code>
              </span>
            </>
          )}
        </h2>
        {data ? (
          <span className={`state-tag ${data.active.length ? 'tone-bad' : 'tone-ok'}`} data-testid="alerts-active-count">
            {data.active.length ? `${data.active.length} active` : 'All clear'}
          </span>
        ) : null}
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {!data ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          {data.active.length ? (
            <ul className="alert-list" data-testid="alerts-active">
              {data.active.map((a) => (
                <li key={a.id} className="alert-item">
                  <strong>{RULE_TEXT[a.rule]}</strong>
                  {a.subject ? (
                    <>
                      {' '}
                      <code>{a.subject}</code>
                    </>
                  ) : null}
                  <span className="alert-message">{a.message}</span>
                  <span className="muted">
                    {valueText(a) ? `${valueText(a)} · ` : ''}since {formatDateTime(a.startedAt)} ({formatDuration(now - Date.parse(a.startedAt))})
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No active alerts.</p>
          )}
          <h3 className="perf-subhead">Recent</h3>
          {data.recent.length === 0 ? (
            <p className="muted">None closed yet.</p>
          ) : (
            <div className="table-wrap perf-log">
              <table className="results" data-testid="alerts-recent">
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">Ended</th>
                    <th scope="col">Alert</th>
                  </tr>
                </thead>
                <tbody>
                  {data.recent.map((a) => (
                    <tr key={a.id}>
                      <td className="nowrap">{formatDateTime(a.startedAt)}</td>
                      <td className="nowrap">
                        {a.endedAt ? formatDateTime(a.endedAt) : '–'}
                        {a.endedAt ? <span className="muted"> ({formatDuration(Date.parse(a.endedAt) - Date.parse(a.startedAt))})</span> : null}
                      </td>
                      <td>
                        <strong>{RULE_TEXT[a.rule]}</strong>
                        {a.subject ? (
                          <>
                            {' '}
                            <code>{a.subject}</code>
                          </>
                        ) : null}
                        : {a.message}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <details className="perf-details">
            <summary>Thresholds</summary>
            <NumberSettingsForm specs={THRESHOLD_FIELDS} values={data.thresholds} onSave={save} submitLabel="Save thresholds" testId="alerts-form" />
          </details>
        </>
      )}
    </section>
  );
}

export const AlertsPanel = memo(AlertsPanelImpl);
