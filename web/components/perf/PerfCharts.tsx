/**
 * The dashboard's charts for one range. 15 min: the history once, then every live snapshot appended
 * (the parent passes them in); 1 h and 24 h: the history (10 s resolution) fetched again every 10 s —
 * and so is the 15 min history while the live stream is down. With `instance` (another instance, chosen on
 * the dashboard) the history is that instance's (`?instance=<id>`, from the shared store) and the live
 * points come from polling its snapshots instead of the stream.
 */
import { memo, useEffect, useMemo, useState } from 'react';
import { api, ApiError } from '../../lib/api.js';
import { UPlotChart, type ChartSeries } from './UPlotChart.js';
import {
  columns,
  formatMs,
  formatNumber,
  mergeLive,
  namespacesOf,
  RANGE_MS,
  type HistoryPoint,
  type HistoryResponse,
  type PerfRange,
} from './model.js';

export const HISTORY_REFRESH_MS = 10_000;

/** Readable on the light and the dark theme alike. */
export const PALETTE = ['#e07a10', '#2f7fd8', '#2c9a5a', '#c2413a', '#8a5cc7', '#1a9a9a', '#b8860b', '#d0508a', '#6b7a8f', '#7a9a1a'];
const color = (i: number) => PALETTE[i % PALETTE.length] as string;

const L2_LABEL: Record<string, string> = { '1': 'up', '0': 'down', '-1': 'no Redis' };
const L2_TICK: Record<string, string> = { '1': 'up', '0': 'down', '-1': 'none' };
const l2Label = (v: number) => L2_LABEL[String(Math.round(v))] ?? '';
const l2Tick = (v: number) => L2_TICK[String(Math.round(v))] ?? '';

const perSecond = (v: number) => `${formatNumber(v)} /s`;
const percentOf100 = (v: number) => `${formatNumber(v)} %`;
const mb = (v: number) => `${formatNumber(v)} MB`;

const RPS_SERIES: ChartSeries[] = [{ label: 'req/s', stroke: color(0), fill: 'rgba(224, 122, 16, 0.12)' }];
const LATENCY_SERIES: ChartSeries[] = [
  { label: 'p50', stroke: color(2) },
  { label: 'p95', stroke: color(1) },
  { label: 'p99', stroke: color(3) },
];
const ERROR_SERIES: ChartSeries[] = [{ label: '5xx', stroke: color(3), fill: 'rgba(194, 65, 58, 0.12)' }];
const L2_SERIES: ChartSeries[] = [{ label: 'L2', stroke: color(5), stepped: true }];
const MEMORY_SERIES: ChartSeries[] = [
  { label: 'RSS', stroke: color(4) },
  { label: 'heap', stroke: color(1) },
];
const LAG_SERIES: ChartSeries[] = [{ label: 'lag p99', stroke: color(6) }];
const PERCENT_RANGE = [0, 100] as const;
const L2_RANGE = [-1.25, 1.25] as const;
const L2_SPLITS = [-1, 0, 1] as const;

function activeNamespaces(points: readonly HistoryPoint[]): string[] {
  return namespacesOf(points).filter((name) => points.some((p) => (p.hitRate[name] ?? 0) > 0));
}

interface Props {
  range: PerfRange;
  /** Live points (15 min of them), newest last. */
  live: readonly HistoryPoint[];
  /** Whether the stream is delivering: otherwise the 15 min history is polled too. */
  streamLive: boolean;
  /** Another instance's charts (its id); this instance's when absent. */
  instance?: string | undefined;
  /** The chosen instance no longer publishes: the charts are drawn dimmed, marked not live. */
  stale?: boolean;
}

function historyPath(range: PerfRange, instance: string | undefined): string {
  return `/api/performance/history?range=${range}${instance === undefined ? '' : `&instance=${encodeURIComponent(instance)}`}`;
}

function PerfChartsImpl({ range, live, streamLive, instance, stale = false }: Props) {
  const [history, setHistory] = useState<{ range: PerfRange; instance: string | undefined; points: HistoryPoint[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const poll = range !== '15m' || !streamLive;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const body = await api.get<HistoryResponse>(historyPath(range, instance), { signal: controller.signal });
        setHistory({ range, instance, points: body.points });
        setError(null);
      } catch (e) {
        if (controller.signal.aborted) return;
        setError(e instanceof ApiError ? `Could not load the history: ${e.userMessage}` : 'Could not load the history.');
      }
      if (poll && !controller.signal.aborted) timer = setTimeout(() => void load(), HISTORY_REFRESH_MS);
    };
    void load();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [range, poll, instance]);

  const loaded = history !== null && history.range === range && history.instance === instance;
  const base = loaded ? history.points : [];
  const { points, liveCount } = useMemo(
    () => (range === '15m' ? mergeLive(base, live, RANGE_MS['15m']) : { points: base, liveCount: 0 }),
    [range, base, live],
  );

  // A namespace that never had a hit (no traffic, or not cached) would only draw a line along 0.
  const namespaces = useMemo(() => activeNamespaces(points).join('\n'), [points]);
  const hitSeries = useMemo<ChartSeries[]>(
    () => (namespaces ? namespaces.split('\n') : []).map((name, i) => ({ label: name, stroke: color(i) })),
    [namespaces],
  );

  const data = useMemo(() => {
    const names = hitSeries.map((s) => s.label);
    return {
      rps: columns(points, [(p) => p.rps]),
      latency: columns(points, [(p) => p.p50, (p) => p.p95, (p) => p.p99]),
      errors: columns(points, [(p) => p.errorRate * 100]),
      hits: columns(
        points,
        names.map((name) => (p: HistoryPoint) => {
          const rate = p.hitRate[name];
          return rate === undefined ? null : rate * 100;
        }),
      ),
      l2: columns(points, [(p) => p.l2Up]),
      memory: columns(points, [(p) => p.rssMb, (p) => p.heapMb]),
      lag: columns(points, [(p) => p.lagMs]),
    };
  }, [points, hitSeries]);

  const liveAttrs = useMemo(() => {
    const tail = points.slice(points.length - liveCount);
    const last = tail[tail.length - 1];
    return {
      'live-count': liveCount,
      'live-last': last ? last.rps : 0,
      'live-max': tail.reduce((max, p) => Math.max(max, p.rps), 0),
    };
  }, [points, liveCount]);

  return (
    <>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <div
        className={`perf-charts${stale ? ' perf-charts-stale' : ''}`}
        data-testid="perf-charts"
        data-range={range}
        data-loaded={loaded ? 'true' : 'false'}
        data-instance={instance ?? ''}
        data-live={stale ? 'false' : 'true'}
      >
        <UPlotChart testId="chart-rps" title="Requests per second" series={RPS_SERIES} data={data.rps} format={perSecond} axisFormat={formatNumber} attrs={liveAttrs} />
        <UPlotChart testId="chart-latency" title="Latency" series={LATENCY_SERIES} data={data.latency} format={formatMs} axisFormat={formatNumber} />
        <UPlotChart testId="chart-errors" title="Server error rate (5xx)" series={ERROR_SERIES} data={data.errors} format={percentOf100} axisFormat={formatNumber} />
        <UPlotChart
          testId="chart-hit-rate"
          title="Cache hit rate by namespace"
          series={hitSeries}
          data={data.hits}
          format={percentOf100}
          axisFormat={formatNumber}
          yRange={PERCENT_RANGE}
          note="no cache hits yet"
          attrs={{ series: hitSeries.length, namespaces: hitSeries.map((h) => h.label).join(' ') }}
        />
        <UPlotChart testId="chart-memory" title="Memory" series={MEMORY_SERIES} data={data.memory} format={mb} axisFormat={formatNumber} />
        <UPlotChart testId="chart-lag" title="Event-loop lag" series={LAG_SERIES} data={data.lag} format={formatMs} axisFormat={formatNumber} />
        <UPlotChart
          testId="chart-l2"
          title="Redis (cache L2)"
          series={L2_SERIES}
          data={data.l2}
          format={l2Label}
          axisFormat={l2Tick}
          yRange={L2_RANGE}
          ySplits={L2_SPLITS}
          height={110}
          wide
        />
      </div>
    </>
  );
}

export const PerfCharts = memo(PerfChartsImpl);
