/**
 * The performance dashboard (admin; SPEC Performance): live charts from the snapshot stream and the
 * history, the cache namespaces with clear buttons, the optimizer and the alerts.
 */
import { useCallback, useEffect, useState } from 'react';
import { api } from '../lib/api.js';
import { AlertsPanel } from '../components/perf/AlertsPanel.js';
import { CacheTable } from '../components/perf/CacheTable.js';
import { OptimizerPanel } from '../components/perf/OptimizerPanel.js';
import { PerfCharts } from '../components/perf/PerfCharts.js';
import { usePerfStream, type StreamStatus } from '../components/perf/usePerfStream.js';
import {
  appendLive,
  formatDuration,
  formatMs,
  L2_TEXT,
  PERF_RANGES,
  RANGE_LABEL,
  RANGE_MS,
  snapshotToPoint,
  type CacheResponse,
  type HistoryPoint,
  type L2State,
  type PerfRange,
  type PerfSnapshot,
} from '../components/perf/model.js';

/** How often the cache table is fetched while the live stream is down. */
const CACHE_POLL_MS = 10_000;
/** How often the list of instances (GET /api/performance/instances) is fetched. */
const INSTANCES_POLL_MS = 5_000;

interface InstanceSummary {
  instance: string;
  self: boolean;
  live: boolean;
  lastSeenAt: string;
  rps?: number;
  p99Ms?: number;
  errorRate?: number;
  rssMb?: number;
  activeAlerts?: number;
}

interface InstancesResponse {
  self: string;
  shared: boolean;
  reachable: boolean;
  instances: InstanceSummary[];
}

/** Every instance publishing to the same Redis, with its headline figures (issue 9). */
function InstancesPanel() {
  const [data, setData] = useState<InstancesResponse | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const body = await api.get<InstancesResponse>('/api/performance/instances');
        if (!stopped) setData(body);
      } catch {
        // Kept as last seen; the charts' error line says when the API is away.
      }
    };
    void load();
    const timer = setInterval(() => void load(), INSTANCES_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  if (!data || (!data.shared && data.instances.length <= 1)) return null;
  return (
    <section className="card perf-section" aria-labelledby="perf-instances-title" data-testid="instances-panel">
      <div className="perf-section-head">
        <h2 id="perf-instances-title">Instances</h2>
      </div>
      {data.reachable ? null : <p className="muted">Redis is unreachable: only this instance is shown.</p>}
      <div className="table-wrap">
        <table className="results perf-table" data-testid="instances-table">
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">State</th>
              <th scope="col" className="num">req/s</th>
              <th scope="col" className="num">p99</th>
              <th scope="col" className="num">RSS</th>
              <th scope="col" className="num">Alerts</th>
            </tr>
          </thead>
          <tbody>
            {data.instances.map((i) => (
              <tr key={i.instance} data-instance={i.instance}>
                <td>
                  <code>{i.instance}</code>
                  {i.self ? <span className="muted"> (this one)</span> : null}
                </td>
                <td className={i.live ? 'tone-ok' : 'tone-bad'}>{i.live ? 'live' : `last seen ${new Date(i.lastSeenAt).toLocaleTimeString()}`}</td>
                <td className="num">{i.rps === undefined ? '–' : i.rps.toFixed(1)}</td>
                <td className="num">{i.p99Ms === undefined ? '–' : formatMs(i.p99Ms)}</td>
                <td className="num">{i.rssMb === undefined ? '–' : `${Math.round(i.rssMb)} MB`}</td>
                <td className={`num ${i.activeAlerts ? 'tone-bad' : ''}`}>{i.activeAlerts ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const STREAM_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Live updates stopped',
};

function L2Badge({ state }: { state: L2State }) {
  const tone = state === 'open' ? 'bad' : state === 'half-open' ? 'warn' : state === 'closed' ? 'ok' : 'muted';
  return (
    <span className={`state-tag tone-${tone}`} data-testid={state === 'open' ? 'l2-down-badge' : 'l2-badge'} data-state={state}>
      {L2_TEXT[state]}
    </span>
  );
}

export function PerformancePage() {
  const [range, setRange] = useState<PerfRange>('15m');
  const [live, setLive] = useState<HistoryPoint[]>([]);
  const [latest, setLatest] = useState<PerfSnapshot | null>(null);
  const [cache, setCache] = useState<CacheResponse | null>(null);

  const onSnapshot = useCallback((snapshot: PerfSnapshot) => {
    const point = snapshotToPoint(snapshot);
    if (Number.isFinite(point.t)) setLive((current) => appendLive(current, point, RANGE_MS['15m']));
    setLatest(snapshot);
    setCache({ l2: snapshot.l2 as L2State, namespaces: Object.values(snapshot.cache) });
  }, []);
  const stream = usePerfStream(onSnapshot);
  const streamLive = stream.status === 'live';

  const loadCache = useCallback(async () => {
    try {
      setCache(await api.get<CacheResponse>('/api/performance/cache'));
    } catch {
      // The stream or the next poll fills the table; the charts' error line says when the API is away.
    }
  }, []);

  useEffect(() => {
    void loadCache();
    if (streamLive) return undefined;
    const timer = setInterval(() => void loadCache(), CACHE_POLL_MS);
    return () => clearInterval(timer);
  }, [loadCache, streamLive]);

  const onCleared = useCallback(
    (names: string[]) => {
      const cleared = new Set(names);
      // Show the empty namespaces at once; the server's figures follow.
      setCache((current) =>
        current
          ? {
              ...current,
              namespaces: current.namespaces.map((ns) => (cleared.has(ns.name) ? { ...ns, l1: { ...ns.l1, size: 0 } } : ns)),
            }
          : current,
      );
      void loadCache();
    },
    [loadCache],
  );

  const l2: L2State | undefined = cache?.l2 ?? (latest?.l2 as L2State | undefined);
  const dependencies = latest ? Object.entries(latest.dependencies) : [];

  return (
    <section className="page perf-page" aria-labelledby="page-title">
      <div className="perf-head">
        <div>
          <h1 id="page-title">Performance</h1>
          <p className="perf-status" data-testid="perf-status">
            <span className={`stream-dot stream-${stream.status}`} aria-hidden="true" />
            <span data-testid="stream-status" data-status={stream.status}>
              {STREAM_TEXT[stream.status]}
            </span>
            {stream.status === 'closed' ? (
              <button type="button" className="button ghost small" onClick={stream.reconnect}>
                Reconnect
              </button>
            ) : null}
            {l2 ? <L2Badge state={l2} /> : null}
            {latest ? (
              <span className="muted">
                instance <code>{latest.instance}</code> · up {formatDuration(latest.process.uptimeS * 1000)}
              </span>
            ) : null}
          </p>
          {dependencies.length ? (
            <ul className="dependency-list" aria-label="Dependencies">
              {dependencies.map(([name, status]) => (
                <li key={name} className={status.ok ? 'tone-ok' : 'tone-bad'} title={status.detail ?? `checked ${new Date(status.checkedAt).toLocaleTimeString()}`}>
                  {status.ok ? '✓' : '✗'} {name}
                  <span className="muted"> {status.ok ? formatMs(status.latencyMs) : (status.detail ?? 'down')}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
        <div className="perf-toolbar">
          <div className="segmented" role="group" aria-label="Time range">
            {PERF_RANGES.map((r) => (
              <button
                key={r}
                type="button"
                className="button ghost small"
                aria-pressed={range === r}
                onClick={() => setRange(r)}
                data-testid={`range-${r}`}
                title={RANGE_LABEL[r]}
              >
                {r}
              </button>
            ))}
          </div>
          <a
            className="button ghost small"
            href={`/api/performance/report?format=md&range=${range}`}
            download={`satchel-performance-${range}.md`}
            data-testid="report-link"
          >
            Download report
          </a>
        </div>
      </div>

      <PerfCharts range={range} live={live} streamLive={streamLive} />
      <InstancesPanel />
      <CacheTable cache={cache} onCleared={onCleared} />
      <div className="perf-panels">
        <OptimizerPanel />
        <AlertsPanel />
      </div>
    </section>
  );
}
