/**
 * The performance dashboard (admin; SPEC Performance): live charts from the snapshot stream and the
 * history, the cache namespaces with clear buttons, the optimizer and the alerts.
 *
 * Several instances (sharing Redis): an instance picker. The snapshot stream is local to the instance
 * that answers the page, so another instance's charts, figures, caches and alerts come from the shared
 * store instead: its history once (`?instance=<id>`), then its snapshot polled every second. When it
 * stops publishing the page says so (not live, since when) and dims its charts rather than leaving them
 * frozen. The optimizer, the cache clear buttons and the report act on this instance.
 */
import { useCallback, useEffect, useState } from 'react';
import { api } from '../lib/api.js';
import { AlertsPanel } from '../components/perf/AlertsPanel.js';
import { CacheTable } from '../components/perf/CacheTable.js';
import { OptimizerPanel } from '../components/perf/OptimizerPanel.js';
import { PerfCharts } from '../components/perf/PerfCharts.js';
import { usePerfStream, type StreamStatus } from '../components/perf/usePerfStream.js';
import { useInstanceSnapshots, type InstanceFeed, type InstanceFeedStatus } from '../components/perf/useInstanceSnapshots.js';
import {
  appendLive,
  formatDuration,
  formatMs,
  formatTime,
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

/** No live points yet (one array, so the charts' memos hold). */
const NO_POINTS: HistoryPoint[] = [];

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

/** Every instance publishing to the same Redis, with its headline figures (issue 9), every 5 s. */
function useInstances(): InstancesResponse | null {
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
  return data;
}

interface InstanceChoice {
  instances: InstancesResponse | null;
  /** The instance whose figures are shown (`self` for this one). */
  viewing: string | null;
  /** null: this instance. */
  onSelect: (instance: string | null) => void;
}

/** `viewedNotLive`: the chosen instance's polling sees no new figures, sooner than the list (every 5 s) does. */
function InstancesPanel({ instances: data, viewing, onSelect, viewedNotLive }: InstanceChoice & { viewedNotLive: boolean }) {
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
              <th scope="col">
                <span className="visually-hidden">Charts</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.instances.map((i) => {
              const live = i.live && !(viewedNotLive && viewing === i.instance);
              return (
                <tr key={i.instance} data-instance={i.instance} data-live={live ? 'true' : 'false'} aria-current={viewing === i.instance ? 'true' : undefined} className={viewing === i.instance ? 'row-current' : undefined}>
                  <td>
                    <code>{i.instance}</code>
                    {i.self ? <span className="muted"> (this one)</span> : null}
                  </td>
                  <td className={live ? 'tone-ok' : 'tone-bad'}>{live ? 'live' : i.live ? 'not live' : `last seen ${new Date(i.lastSeenAt).toLocaleTimeString()}`}</td>
                  <td className="num">{i.rps === undefined ? '–' : i.rps.toFixed(1)}</td>
                  <td className="num">{i.p99Ms === undefined ? '–' : formatMs(i.p99Ms)}</td>
                  <td className="num">{i.rssMb === undefined ? '–' : `${Math.round(i.rssMb)} MB`}</td>
                  <td className={`num ${i.activeAlerts ? 'tone-bad' : ''}`}>{i.activeAlerts ?? '–'}</td>
                  <td>
                    {viewing === i.instance ? (
                      <span className="muted">shown</span>
                    ) : (
                      <button type="button" className="button ghost small" onClick={() => onSelect(i.self ? null : i.instance)} aria-label={`Show the charts of ${i.instance}`}>
                        Show
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The instance picker: shown while there is more than one instance (or another one is chosen). */
function InstancePicker({ instances: data, viewing, onSelect }: InstanceChoice) {
  if (!data) return null;
  const others = data.instances.filter((i) => !i.self);
  const chosen = viewing !== null && viewing !== data.self ? viewing : null;
  if (others.length === 0 && chosen === null) return null;
  // A chosen instance stays listed after it drops out of the list (it then shows as not live).
  const listed = chosen === null || others.some((i) => i.instance === chosen) ? others : [...others, { instance: chosen, live: false }];
  return (
    <label className="instance-picker">
      <span>Instance</span>
      <select data-testid="instance-select" value={chosen ?? ''} onChange={(event) => onSelect(event.target.value === '' ? null : event.target.value)}>
        <option value="">{data.self} (this instance)</option>
        {listed.map((i) => (
          <option key={i.instance} value={i.instance}>
            {i.instance}
            {i.live ? '' : ' (not live)'}
          </option>
        ))}
      </select>
    </label>
  );
}

const STREAM_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Live updates stopped',
};

const FEED_TEXT: Record<InstanceFeedStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live (polled every second)',
  stale: 'Not live',
  gone: 'Not live',
  error: 'Not reachable',
};

const FEED_DOT: Record<InstanceFeedStatus, StreamStatus> = {
  connecting: 'connecting',
  live: 'live',
  stale: 'closed',
  gone: 'closed',
  error: 'reconnecting',
};

/** Why another instance's charts no longer move. */
function notLiveText(instance: string, feed: InstanceFeed): string {
  const since = feed.lastAt ? ` Its charts end at its last figures (${formatTime(feed.lastAt)}).` : '';
  if (feed.status === 'gone') return `${instance} is not live: it no longer publishes its figures.${since}`;
  if (feed.status === 'error') return `${instance}'s figures cannot be read: ${feed.message ?? 'the API is away'}.${since}`;
  return `${instance} is not live: no new figures for a few seconds.${since}`;
}

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

  // Another instance, chosen in the picker (null: this one). The stream goes on for this instance.
  const instances = useInstances();
  const [selected, setSelected] = useState<string | null>(null);
  const remote = selected !== null && selected !== instances?.self ? selected : null;
  const [remoteView, setRemoteView] = useState<{ instance: string; live: HistoryPoint[]; latest: PerfSnapshot } | null>(null);
  const onRemoteSnapshot = useCallback((snapshot: PerfSnapshot) => {
    const point = snapshotToPoint(snapshot);
    setRemoteView((current) => {
      const previous = current?.instance === snapshot.instance ? current.live : [];
      const live = Number.isFinite(point.t) ? appendLive(previous, point, RANGE_MS['15m']) : previous;
      return { instance: snapshot.instance, live, latest: snapshot };
    });
  }, []);
  const feed = useInstanceSnapshots(remote, onRemoteSnapshot);
  const shown = remote !== null && remoteView?.instance === remote ? remoteView : null;
  const remoteLive = remote !== null && feed.status === 'live';
  const remoteNotLive = remote !== null && (feed.status === 'stale' || feed.status === 'gone' || feed.status === 'error');

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

  const shownLatest = remote === null ? latest : (shown?.latest ?? null);
  const shownCache = remote === null ? cache : shown ? { l2: shown.latest.l2 as L2State, namespaces: Object.values(shown.latest.cache) } : null;
  const l2: L2State | undefined = shownCache?.l2 ?? (shownLatest?.l2 as L2State | undefined);
  const dependencies = shownLatest ? Object.entries(shownLatest.dependencies) : [];
  const viewing = remote ?? instances?.self ?? null;

  return (
    <section className="page perf-page" aria-labelledby="page-title">
      <div className="perf-head">
        <div>
          <h1 id="page-title">Performance</h1>
          <p className="perf-status" data-testid="perf-status">
            {remote === null ? (
              <>
                <span className={`stream-dot stream-${stream.status}`} aria-hidden="true" />
                <span data-testid="stream-status" data-status={stream.status}>
                  {STREAM_TEXT[stream.status]}
                </span>
                {stream.status === 'closed' ? (
                  <button type="button" className="button ghost small" onClick={stream.reconnect}>
                    Reconnect
                  </button>
                ) : null}
              </>
            ) : (
              <>
                <span className={`stream-dot stream-${FEED_DOT[feed.status]}`} aria-hidden="true" />
                <span data-testid="instance-status" data-instance={remote} data-status={feed.status} data-live={remoteLive ? 'true' : 'false'}>
                  <code>{remote}</code> · {FEED_TEXT[feed.status]}
                </span>
              </>
            )}
            {l2 ? <L2Badge state={l2} /> : null}
            {shownLatest ? (
              <span className="muted" data-testid="perf-instance" data-instance={shownLatest.instance}>
                instance <code>{shownLatest.instance}</code>
                {remote === null && instances && instances.instances.length > 1 ? ' (this one)' : ''} · up {formatDuration(shownLatest.process.uptimeS * 1000)} ·{' '}
                <span data-testid="perf-requests" data-value={shownLatest.http.totals.requests}>
                  {shownLatest.http.totals.requests.toLocaleString('en-US')} requests
                </span>
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
          <InstancePicker instances={instances} viewing={viewing} onSelect={setSelected} />
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
            title={remote === null ? undefined : `The report covers this instance (${instances?.self ?? ''})`}
          >
            {remote === null ? 'Download report' : 'Download report (this instance)'}
          </a>
        </div>
      </div>

      {remoteNotLive && remote !== null ? (
        <p className="perf-not-live" role="status" data-testid="instance-not-live" data-instance={remote}>
          {notLiveText(remote, feed)}
        </p>
      ) : null}
      <PerfCharts
        range={range}
        live={remote === null ? live : (shown?.live ?? NO_POINTS)}
        streamLive={remote === null ? streamLive : remoteLive}
        instance={remote ?? undefined}
        stale={remoteNotLive}
      />
      <InstancesPanel instances={instances} viewing={viewing} onSelect={setSelected} viewedNotLive={remoteNotLive} />
      <CacheTable
        cache={shownCache}
        onCleared={onCleared}
        readOnlyNote={remote === null ? undefined : `The caches of ${remote}, from its latest figures. Clearing acts on the instance this page talks to: choose it above to clear.`}
      />
      {remote === null ? null : (
        <p className="muted perf-local-note" data-testid="optimizer-local-note">
          The optimizer below is this instance's ({instances?.self}); its settings and the alert thresholds apply to every instance.
        </p>
      )}
      <div className="perf-panels">
        <OptimizerPanel />
        <AlertsPanel instance={remote ?? undefined} />
      </div>
    </section>
  );
}
