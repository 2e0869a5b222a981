/**
 * One uPlot time-series chart. The uPlot instance is created once per series layout and fed with
 * setData() on every update (never re-created per point); a ResizeObserver keeps it as wide as its
 * container. The legend above the canvas shows the newest values, or the hovered point's.
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { lastValue, type Column } from './model.js';

export interface ChartSeries {
  label: string;
  stroke: string;
  /** Area under the line (a translucent colour). */
  fill?: string;
  dash?: number[];
  /** Step line (states such as L2 up/down). */
  stepped?: boolean;
}

export interface ChartProps {
  testId: string;
  title: string;
  series: readonly ChartSeries[];
  /** [x seconds, ...one column per series] */
  data: readonly [number[], ...Column[]];
  /** Formats a value of any series (legend and axis). */
  format: (value: number) => string;
  /** Axis tick labels, when they differ from `format` (e.g. no unit). */
  axisFormat?: (value: number) => string;
  /** Fixed y range; otherwise 0 … a little over the maximum. */
  yRange?: readonly [number, number];
  /** Fixed y ticks (e.g. the three L2 states). */
  ySplits?: readonly number[];
  height?: number;
  /** Shown instead of the value when a series has no data (e.g. "no Redis"). */
  note?: string;
  /** Extra data-* attributes on the figure (tests read live figures from them). */
  attrs?: Record<string, string | number>;
  /** Spans the whole row of the chart grid. */
  wide?: boolean;
}

const DEFAULT_HEIGHT = 180;
/** The time axis spans at least this much, so a fresh start does not zoom into milliseconds. */
const MIN_SPAN_S = 60;

function cssVar(name: string, fallback: string): string {
  if (typeof window === 'undefined') return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function UPlotChartImpl({ testId, title, series, data, format, axisFormat, yRange, ySplits, height = DEFAULT_HEIGHT, note, attrs, wide }: ChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const dataRef = useRef(data);
  dataRef.current = data;
  const formatRef = useRef({ format, axisFormat });
  formatRef.current = { format, axisFormat };
  const [hoverIdx, setHoverIdx] = useState<number | null>(null);

  // Re-create only when the layout changes (series added, other range or ticks), not when data does.
  const layoutKey = JSON.stringify([series, yRange, ySplits, height]);
  const layout = useMemo(() => ({ series, yRange, ySplits, height }), [layoutKey]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return undefined;
    const muted = cssVar('--muted', '#777');
    const grid = cssVar('--border', 'rgba(127,127,127,0.25)');
    const width = Math.max(160, Math.floor(box.clientWidth || 320));
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const { yRange: fixedRange, ySplits: fixedSplits } = layout;
    const options: uPlot.Options = {
      width,
      height: layout.height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: {
          time: true,
          range: (u, min, max) => {
            // No data yet: the last minute, not 1970.
            if (!u.data[0]?.length) {
              const now = Date.now() / 1000;
              return [now - MIN_SPAN_S, now];
            }
            return max - min < MIN_SPAN_S ? [max - MIN_SPAN_S, max] : [min, max];
          },
        },
        y: {
          range: fixedRange
            ? [fixedRange[0], fixedRange[1]]
            : (_u, _min, max) => [0, max > 0 ? uPlot.rangeNum(0, max, 0.1, true)[1] ?? max * 1.1 : 1],
        },
      },
      axes: [
        { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
        {
          stroke: muted,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          size: 56,
          values: (_u, splits) => splits.map((v) => (formatRef.current.axisFormat ?? formatRef.current.format)(v)),
          ...(fixedSplits ? { splits: () => [...fixedSplits] } : {}),
        },
      ],
      series: [
        {},
        ...layout.series.map<uPlot.Series>((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: 1.5,
          spanGaps: true,
          points: { show: false },
          ...(s.fill ? { fill: s.fill } : {}),
          ...(s.dash ? { dash: s.dash } : {}),
          ...(s.stepped && stepped ? { paths: stepped } : {}),
        })),
      ],
      hooks: {
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            setHoverIdx(idx === undefined || idx === null ? null : idx);
          },
        ],
      },
    };
    const plot = new uPlot(options, dataRef.current as uPlot.AlignedData, box);
    plotRef.current = plot;

    let frame = 0;
    const observer = new ResizeObserver((entries) => {
      const entry = entries[0];
      if (!entry) return;
      const next = Math.max(160, Math.floor(entry.contentRect.width));
      if (next === plot.width) return;
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => plot.setSize({ width: next, height: layout.height }));
    });
    observer.observe(box);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [layout]);

  useEffect(() => {
    plotRef.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  const xs = data[0];
  const empty = xs.length === 0;
  const idx = hoverIdx !== null && hoverIdx < xs.length ? hoverIdx : null;
  const first = lastValue(data[1]);
  const dataAttrs: Record<string, string> = { 'data-points': String(xs.length) };
  if (first !== null) dataAttrs['data-last'] = String(first);
  for (const [key, value] of Object.entries(attrs ?? {})) dataAttrs[`data-${key}`] = String(value);

  return (
    <figure className={`perf-chart card${wide ? ' wide' : ''}`} data-testid={testId} {...dataAttrs}>
      <figcaption className="perf-chart-head">
        <span className="perf-chart-title">{title}</span>
        <span className="perf-chart-legend" aria-live="off">
          {series.map((s, i) => {
            const column = data[i + 1];
            const value = idx !== null ? (column?.[idx] ?? null) : lastValue(column);
            return (
              <span key={s.label} className="perf-legend-item">
                <span className="perf-swatch" style={{ background: s.stroke }} aria-hidden="true" />
                {series.length > 1 ? `${s.label} ` : null}
                <strong>{value === null ? (note ?? '–') : format(value)}</strong>
              </span>
            );
          })}
          {series.length === 0 && note ? <span className="muted">{note}</span> : null}
          {idx !== null ? <span className="perf-legend-time muted">at {new Date((xs[idx] ?? 0) * 1000).toLocaleTimeString()}</span> : null}
        </span>
      </figcaption>
      <div className="perf-chart-box" ref={boxRef} style={{ minHeight: height }}>
        {empty ? <p className="perf-chart-empty muted">Waiting for data…</p> : null}
      </div>
    </figure>
  );
}

export const UPlotChart = memo(UPlotChartImpl);
