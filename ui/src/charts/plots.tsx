// The drawings of logged charts: x/y lines and points and histograms with uPlot (the library the
// metric charts use), bars and confusion matrices as HTML so every label stays readable.

import type { ReactNode } from "react";
import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import { shade } from "../explorer/histogram";
import { formatNumber } from "../lib/format";
import type { Bars, Confusion, Histogram, XYLine } from "./shapes";
import { confusionKey } from "./shapes";

const AXIS = {
  stroke: "#6b7280",
  grid: { stroke: "#eef0f3" },
  ticks: { stroke: "#e5e7eb" },
  font: "11px Inter, system-ui, sans-serif",
  labelFont: "600 11px Inter, system-ui, sans-serif",
  values: (_u: uPlot, splits: number[]) => splits.map((v) => formatNumber(v)),
};

/** Axis titles as text beside the plot (readable, selectable, and found by tests), not on the canvas. */
function Axes({ xLabel, yLabel, children }: { xLabel: string; yLabel: string; children: ReactNode }) {
  return (
    <div className="xy-chart">
      <span className="axis-label axis-y">{yLabel}</span>
      {children}
      <span className="axis-label axis-x">{xLabel}</span>
    </div>
  );
}

/** uPlot bound to a holder element, rebuilt when its options or data change, resized with it. */
function usePlot(
  make: (width: number) => { options: uPlot.Options; data: uPlot.AlignedData },
  deps: unknown[],
  height: number,
) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const { options, data } = make(Math.max(200, element.clientWidth));
    const chart = new uPlot(options, data, element);
    plot.current = chart;
    element.dataset.ready = "1";
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(200, element.clientWidth), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
      delete element.dataset.ready;
    };
    // `make` is a new closure every render: the caller lists what the drawing depends on.
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's list is the dependency list.
  }, deps);
  return { holder, plot };
}

interface Nearest {
  left: number;
  top: number;
  name: string;
  color: string;
  x: number;
  y: number;
}

// How close (in CSS pixels) the pointer must be to a point for its tooltip.
const HOVER_RADIUS = 24;

/** The point of `lines` nearest the pointer, within HOVER_RADIUS, placed in the holder's frame. */
function nearestPoint(
  u: uPlot,
  holder: HTMLElement,
  lines: XYLine[],
  clientX: number,
  clientY: number,
): Nearest | null {
  const over = u.over.getBoundingClientRect();
  const frame = holder.getBoundingClientRect();
  const left = clientX - over.left;
  const top = clientY - over.top;
  let best: (Nearest & { distance: number }) | null = null;
  for (const line of lines) {
    line.xs.forEach((x, i) => {
      const y = line.ys[i];
      if (y === null || y === undefined) return;
      const px = u.valToPos(x, "x");
      const py = u.valToPos(y, "y");
      const distance = (px - left) ** 2 + (py - top) ** 2;
      if (best === null || distance < best.distance) {
        best = {
          distance,
          left: px + over.left - frame.left,
          top: py + over.top - frame.top,
          name: line.name,
          color: line.color,
          x,
          y,
        };
      }
    });
  }
  const found = best as (Nearest & { distance: number }) | null;
  return found !== null && found.distance <= HOVER_RADIUS ** 2 ? found : null;
}

/** Round dots at each (x, y) of a faceted series: uPlot's scatter drawing for mode 2. */
function dots(size: number): uPlot.Series.PathBuilder {
  return (u, seriesIndex) => {
    const [xs, ys] = u.data[seriesIndex] as unknown as [number[], (number | null)[]];
    const path = new Path2D();
    const radius = (size * uPlot.pxRatio) / 2;
    xs.forEach((x, i) => {
      const y = ys[i];
      if (y === null || y === undefined) return;
      const cx = u.valToPos(x, "x", true);
      const cy = u.valToPos(y, "y", true);
      path.moveTo(cx + radius, cy);
      path.arc(cx, cy, radius, 0, 2 * Math.PI);
    });
    return { stroke: path, fill: path };
  };
}

function padded(_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  if (min === null || max === null) return [0, 1];
  const margin = max > min ? (max - min) * 0.05 : Math.abs(min) * 0.05 || 0.5;
  return [min - margin, max + margin];
}

export function XYPlot({
  lines,
  kind,
  xLabel,
  yLabel,
  height = 240,
}: {
  lines: XYLine[];
  kind: "line" | "scatter";
  xLabel: string;
  yLabel: string;
  height?: number;
}) {
  const [hover, setHover] = useState<Nearest | null>(null);
  const { holder, plot } = usePlot(
    (width) => ({
      options: {
        mode: 2,
        width,
        height,
        legend: { show: false },
        cursor: { show: false },
        // Points get a margin so those on the edge are drawn whole; curves span their data.
        scales:
          kind === "scatter"
            ? { x: { time: false, range: padded }, y: { range: padded } }
            : { x: { time: false, auto: true }, y: { auto: true } },
        axes: [{ ...AXIS }, { ...AXIS, size: 52 }],
        series: [
          {},
          ...lines.map((line) => ({
            label: line.name,
            stroke: line.color,
            fill: kind === "scatter" ? `${line.color}cc` : undefined,
            width: kind === "scatter" ? 1 : 1.8,
            dash: line.dash,
            paths: kind === "scatter" ? dots(6) : uPlot.paths.linear?.(),
            points: { show: false },
            facets: [
              { scale: "x", auto: true },
              { scale: "y", auto: true },
            ],
          })),
        ] as uPlot.Series[],
      },
      data: [null, ...lines.map((line) => [line.xs, line.ys])] as unknown as uPlot.AlignedData,
    }),
    [lines, kind, xLabel, yLabel, height],
    height,
  );
  return (
    <Axes xLabel={xLabel} yLabel={yLabel}>
      <div
        className="chart-plot"
        ref={holder}
        data-series-count={lines.length}
        onMouseMove={(event) => {
          const u = plot.current;
          const element = holder.current;
          setHover(u && element ? nearestPoint(u, element, lines, event.clientX, event.clientY) : null);
        }}
        onMouseLeave={() => setHover(null)}
      >
        {hover && (
          <div
            className="chart-tooltip logged-tooltip"
            style={{
              left: hover.left + 10,
              top: Math.max(0, hover.top - 44),
              // On the right half the tooltip opens to the left, so it stays inside the panel.
              transform:
                hover.left > (holder.current?.clientWidth ?? 0) / 2 ? "translateX(calc(-100% - 20px))" : undefined,
            }}
          >
            <div className="chart-tooltip-row">
              <span className="swatch" style={{ background: hover.color }} />
              <span className="chart-tooltip-name">{hover.name}</span>
            </div>
            <div className="chart-tooltip-step">
              {xLabel} {formatNumber(hover.x)} · {yLabel} {formatNumber(hover.y)}
            </div>
          </div>
        )}
      </div>
    </Axes>
  );
}

export function HistogramPlot({
  histogram,
  names,
  colors,
  xLabel,
  height = 240,
}: {
  histogram: Histogram;
  names: string[];
  colors: string[];
  xLabel: string;
  height?: number;
}) {
  const { edges, counts } = histogram;
  const centers = edges.slice(0, -1).map((edge, i) => (edge + (edges[i + 1] ?? edge)) / 2);
  const { holder } = usePlot(
    (width) => ({
      options: {
        width,
        height,
        legend: { show: false },
        cursor: { show: false },
        scales: {
          x: { time: false, range: [edges[0] ?? 0, edges[edges.length - 1] ?? 1] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        axes: [{ ...AXIS }, { ...AXIS, size: 46 }],
        series: [
          {},
          ...names.map((name, i) => ({
            label: name,
            stroke: colors[i],
            fill: `${colors[i]}${names.length > 1 ? "55" : "aa"}`,
            width: 1,
            paths: uPlot.paths.bars?.({ size: [1, Infinity], gap: 1 }),
            points: { show: false },
          })),
        ],
      },
      data: [centers, ...counts] as uPlot.AlignedData,
    }),
    [histogram, names, colors, xLabel, height],
    height,
  );
  return (
    <Axes xLabel={xLabel} yLabel="count">
      <div className="chart-plot" ref={holder} data-series-count={names.length} data-bins={centers.length} />
    </Axes>
  );
}

export function BarList({ bars, names, colors }: { bars: Bars; names: string[]; colors: string[] }) {
  return (
    <div className="bar-list" role="list">
      {bars.labels.map((label, i) => (
        <div className="bar-row" role="listitem" key={label} data-label={label}>
          <span className="bar-label" title={label}>
            {label}
          </span>
          <span className="bar-tracks">
            {bars.values.map((values, run) => {
              const value = values[i] ?? null;
              return (
                <span
                  className="bar-track"
                  key={run}
                  title={`${names[run] ?? ""}: ${value === null ? "–" : formatNumber(value)}`}
                >
                  {value !== null && value !== undefined && (
                    <span
                      className="bar"
                      style={{
                        width: `${bars.max > 0 ? (Math.abs(value) / bars.max) * 100 : 0}%`,
                        background: colors[run] ?? "#888",
                      }}
                    />
                  )}
                  <span className="bar-value">{value === null ? "–" : formatNumber(value)}</span>
                </span>
              );
            })}
          </span>
        </div>
      ))}
    </div>
  );
}

export function ConfusionMatrix({
  confusion,
  actualName,
  predictedName,
}: {
  confusion: Confusion;
  actualName: string;
  predictedName: string;
}) {
  const { classes, counts, max } = confusion;
  return (
    <div className="logged-confusion">
      <table className="confusion" aria-label={`${actualName} by ${predictedName}`}>
        <thead>
          <tr>
            <th className="corner">
              <span className="axis-row">{actualName} ↓</span>
              <span className="axis-col">{predictedName} →</span>
            </th>
            {classes.map((name) => (
              <th key={name} scope="col" className="col-head" title={name}>
                <span>{name}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {classes.map((actual) => (
            <tr key={actual}>
              <th scope="row" title={actual}>
                {actual}
              </th>
              {classes.map((predicted) => {
                const count = counts.get(confusionKey(actual, predicted)) ?? 0;
                const diagonal = actual === predicted;
                const alpha = shade(count, max);
                return (
                  <td
                    key={predicted}
                    className={`cell${diagonal ? " diagonal" : ""}${count ? " filled" : ""}`}
                    data-actual={actual}
                    data-predicted={predicted}
                    title={`${actualName} ${actual}, ${predictedName} ${predicted}: ${formatNumber(count)}`}
                    style={{
                      background: count ? `rgb(${diagonal ? "22 163 74" : "220 38 38"} / ${alpha})` : undefined,
                      color: alpha > 0.55 ? "white" : undefined,
                    }}
                  >
                    {count ? formatNumber(count) : <span className="zero">·</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
