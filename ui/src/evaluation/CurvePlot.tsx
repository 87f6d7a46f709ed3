// A PR or ROC curve per run, drawn with uPlot (the library of every other chart), on fixed 0..1
// axes, with a dot where the current threshold puts each run.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import type { CurvePoints } from "./threshold";

export interface CurveLine {
  name: string;
  color: string;
  points: CurvePoints;
  /** Where the current threshold puts the run on its curve; null when it has no point there. */
  marker: { x: number; y: number } | null;
}

const AXIS = {
  stroke: "#6b7280",
  grid: { stroke: "#eef0f3" },
  ticks: { stroke: "#e5e7eb" },
  font: "11px Inter, system-ui, sans-serif",
  values: (_u: uPlot, splits: number[]) => splits.map((v) => v.toFixed(1)),
};

/** Round dots at a faceted series' points: uPlot's scatter drawing for mode 2. */
function dots(size: number): uPlot.Series.PathBuilder {
  return (u, seriesIndex) => {
    const [xs, ys] = u.data[seriesIndex] as unknown as [number[], number[]];
    const path = new Path2D();
    const radius = (size * uPlot.pxRatio) / 2;
    xs.forEach((x, i) => {
      const cx = u.valToPos(x, "x", true);
      const cy = u.valToPos(ys[i] ?? 0, "y", true);
      path.moveTo(cx + radius, cy);
      path.arc(cx, cy, radius, 0, 2 * Math.PI);
    });
    return { stroke: path, fill: path };
  };
}

export function CurvePlot({
  lines,
  xLabel,
  yLabel,
  diagonal = false,
  height = 220,
  label,
}: {
  lines: CurveLine[];
  xLabel: string;
  yLabel: string;
  /** Draw the chance line from (0, 0) to (1, 1), as ROC plots do. */
  diagonal?: boolean;
  height?: number;
  label: string;
}) {
  const holder = useRef<HTMLDivElement>(null);
  // Lines are rebuilt by every render of the panel; the drawing changes only when their content does.
  const signature = JSON.stringify(lines);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `signature` stands for `lines`.
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const facets = [
      { scale: "x", auto: false },
      { scale: "y", auto: false },
    ];
    const series: uPlot.Series[] = [{}];
    const data: unknown[] = [null];
    if (diagonal) {
      series.push({ stroke: "#cbd5e1", width: 1, dash: [4, 4], paths: uPlot.paths.linear?.(), facets } as uPlot.Series);
      data.push([
        [0, 1],
        [0, 1],
      ]);
    }
    for (const line of lines) {
      series.push({
        label: line.name,
        stroke: line.color,
        width: 1.8,
        paths: uPlot.paths.linear?.(),
        points: { show: false },
        facets,
      } as uPlot.Series);
      data.push([line.points.xs, line.points.ys]);
    }
    for (const line of lines) {
      if (!line.marker) continue;
      series.push({
        label: `${line.name} at the threshold`,
        stroke: "#111827",
        fill: line.color,
        width: 1.5,
        paths: dots(10),
        points: { show: false },
        facets,
      } as uPlot.Series);
      data.push([[line.marker.x], [line.marker.y]]);
    }
    const chart = new uPlot(
      {
        mode: 2,
        width: Math.max(180, element.clientWidth),
        height,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
        axes: [{ ...AXIS }, { ...AXIS, size: 36 }],
        series,
      },
      data as unknown as uPlot.AlignedData,
      element,
    );
    element.dataset.ready = "1";
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(180, element.clientWidth), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      delete element.dataset.ready;
    };
  }, [signature, diagonal, height]);
  return (
    <figure className="curve-plot" aria-label={label}>
      <div className="curve-axes">
        <span className="curve-axis curve-axis-y">{yLabel}</span>
        <div className="curve-holder" ref={holder} data-lines={lines.length} />
        <span className="curve-axis curve-axis-x">{xLabel}</span>
      </div>
    </figure>
  );
}
