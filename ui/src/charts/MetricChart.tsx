import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";
import { formatNumber } from "../lib/format";
import type { Line } from "./chartData";
import { alignLines, nearestValue, positiveOnly } from "./chartData";
import { smooth } from "./smoothing";

export interface ChartLine extends Line {
  id: string;
  name: string;
  color: string;
}

interface Props {
  title: string;
  lines: ChartLine[];
  smoothing: number;
  logScale: boolean;
  height?: number;
  note?: string;
  /** What the x values are: "step", or the step metric(s) the lines are drawn against. */
  xLabel?: string;
}

interface Hover {
  left: number;
  top: number;
  step: number;
  rows: { name: string; color: string; value: number }[];
}

function withAlpha(hex: string, alpha: number): string {
  const a = Math.round(alpha * 255)
    .toString(16)
    .padStart(2, "0");
  return `${hex}${a}`;
}

/** One metric over step (or a step metric) for several runs, drawn with uPlot; hover shows every run's value. */
export function MetricChart({ title, lines, smoothing, logScale, height = 210, note, xLabel = "step" }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [hover, setHover] = useState<Hover | null>(null);

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const drawn: ChartLine[] = [];
    const prepared: Line[] = [];
    for (const line of lines) {
      const values = logScale ? positiveOnly(line.values) : line.values;
      if (smoothing > 0) {
        // The raw line stays, faint, under its smoothed version.
        drawn.push({ ...line, color: withAlpha(line.color, 0.22), name: `${line.name} (raw)` });
        prepared.push({ steps: line.steps, values });
      }
      drawn.push(line);
      prepared.push({ steps: line.steps, values: smoothing > 0 ? smooth(values, smoothing) : values });
    }
    const data = alignLines(prepared);
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      scales: { x: { time: false }, y: logScale ? { distr: 3 } : {} },
      axes: [
        {
          stroke: "#6b7280",
          grid: { stroke: "#eef0f3" },
          ticks: { stroke: "#e5e7eb" },
          font: "11px Inter, system-ui, sans-serif",
        },
        {
          stroke: "#6b7280",
          grid: { stroke: "#eef0f3" },
          ticks: { stroke: "#e5e7eb" },
          font: "11px Inter, system-ui, sans-serif",
          size: 52,
          values: (_u, splits) => splits.map((v) => formatNumber(v)),
        },
      ],
      series: [
        { label: xLabel },
        ...drawn.map((line) => ({
          label: line.name,
          stroke: line.color,
          width: line.name.endsWith(" (raw)") ? 1 : 1.6,
          // Short lines (or single values) need their points, or nothing would be drawn.
          points: { show: line.steps.length <= 12, size: 5 },
        })),
      ],
      hooks: {
        setCursor: [
          (u) => {
            const index = u.cursor.idx;
            if (index === null || index === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
              setHover(null);
              return;
            }
            const rows: Hover["rows"] = [];
            drawn.forEach((line, i) => {
              if (line.name.endsWith(" (raw)")) return;
              const value = nearestValue(u.data[i + 1] as (number | null | undefined)[], index);
              if (value !== null) rows.push({ name: line.name, color: line.color, value });
            });
            rows.sort((a, b) => b.value - a.value);
            setHover({ left: u.cursor.left, top: u.cursor.top ?? 0, step: u.data[0][index] ?? 0, rows });
          },
        ],
      },
    };
    const chart = new uPlot(options, data as uPlot.AlignedData, element);
    plot.current = chart;
    element.dataset.ready = "1";
    element.dataset.seriesCount = String(lines.length);
    const observer = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(200, element.clientWidth), height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
      delete element.dataset.ready;
    };
  }, [lines, smoothing, logScale, height, xLabel]);

  return (
    <div className="chart" data-metric={title} data-x-axis={xLabel}>
      <div className="chart-title" title={title}>
        {title}
        {note && <span className="chart-note">{note}</span>}
      </div>
      <div className="chart-plot" ref={holder} onMouseLeave={() => setHover(null)}>
        {hover && hover.rows.length > 0 && (
          <div
            className="chart-tooltip"
            style={{
              left: hover.left + 60,
              top: Math.min(hover.top, height - 40),
              transform:
                hover.left > (holder.current?.clientWidth ?? 0) / 2 ? "translateX(calc(-100% - 24px))" : undefined,
            }}
          >
            <div className="chart-tooltip-step">
              {xLabel} {xLabel === "step" ? hover.step : formatNumber(hover.step)}
            </div>
            {hover.rows.slice(0, 12).map((row) => (
              <div className="chart-tooltip-row" key={row.name}>
                <span className="swatch" style={{ background: row.color }} />
                <span className="chart-tooltip-name">{row.name}</span>
                <span className="chart-tooltip-value">{formatNumber(row.value)}</span>
              </div>
            ))}
            {hover.rows.length > 12 && <div className="muted">+{hover.rows.length - 12} more</div>}
          </div>
        )}
      </div>
      {/* Against a step metric the axis says which; plain step charts stay as compact as before. */}
      {xLabel !== "step" && <div className="chart-x-label">{xLabel}</div>}
    </div>
  );
}
