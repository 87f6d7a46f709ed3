// Cells of a grouped table: histograms with shared bins, value counts, image strips; per run in color.
import { useState } from "react";
import { formatNumber, formatValue } from "../lib/format";
import type { GroupColumn, ImageCell, ScalarSummary, Summary } from "./api";
import { Thumb } from "./cells";
import type { BarMode } from "./histogram";
import { histogramBars, peak, valueBarWidths } from "./histogram";

export interface SummaryActions {
  /** Filter to one histogram bin of a column (run set for a joined column). */
  onBin: (column: string, run: number | null, bin: number) => void;
  /** Filter to one value of a column. */
  onValue: (column: string, run: number | null, value: unknown) => void;
  onOpen: (image: ImageCell) => void;
}

interface CellProps {
  column: string;
  summary: Summary;
  info: GroupColumn | undefined;
  colors: string[];
  width: number;
  height: number;
  mode: BarMode;
  actions: SummaryActions;
}

function perRun(summary: Summary): { runs: ScalarSummary[]; joined: boolean } {
  return summary.kind === "runs" ? { runs: summary.runs, joined: true } : { runs: [summary], joined: false };
}

function rangeLabel(edges: readonly number[], bin: number): string {
  const lo = edges[bin];
  const hi = edges[bin + 1];
  if (lo === undefined || hi === undefined) return "";
  return `${formatNumber(lo)} – ${formatNumber(hi)}`;
}

/** A histogram over the column's shared bins: stacked or one bar per run, click a bar to filter. */
export function HistogramCell({ column, summary, info, colors, width, height, mode, actions }: CellProps) {
  const { runs, joined } = perRun(summary);
  const hists = runs.filter((s) => s.kind === "histogram");
  const edges = info?.edges ?? [];
  const series = hists.map((s) => s.counts);
  const plotHeight = Math.max(16, height - 18);
  const bars = histogramBars(
    series,
    width,
    plotHeight,
    joined ? mode : "stacked",
    peak(series, joined ? mode : "stacked"),
  );
  const first = hists[0];
  const [hover, setHover] = useState<number | null>(null);
  if (!first) return <span className="cell-null">–</span>;
  const stats = hists.map((s) => (s.mean === null ? "–" : formatNumber(s.mean)));
  return (
    <div className="hist" data-kind="histogram">
      <svg
        width={width}
        height={plotHeight}
        role="img"
        aria-label={`histogram of ${column}`}
        onMouseLeave={() => setHover(null)}
      >
        <line x1={0} x2={width} y1={plotHeight - 0.5} y2={plotHeight - 0.5} className="hist-axis" />
        {bars.map((bar) => (
          <rect
            key={`${bar.run}-${bar.bin}`}
            x={bar.x}
            y={bar.y}
            width={bar.width}
            height={bar.height}
            fill={colors[bar.run % colors.length]}
            opacity={hover === null || hover === bar.bin ? 0.9 : 0.45}
            className="hist-bar"
            data-bin={bar.bin}
            data-run={bar.run}
            data-count={bar.count}
            onMouseEnter={() => setHover(bar.bin)}
            onClick={() => actions.onBin(column, joined ? bar.run : null, bar.bin)}
          >
            <title>{`${rangeLabel(edges, bar.bin)}: ${bar.count}${joined ? ` (run ${bar.run})` : ""}`}</title>
          </rect>
        ))}
      </svg>
      <div className="hist-foot">
        <span>{hover !== null ? rangeLabel(edges, hover) : edges.length ? formatNumber(edges[0] ?? 0) : ""}</span>
        <span className="hist-mean" title="mean">
          {hover !== null ? "" : `μ ${stats.join(" · ")}`}
        </span>
        <span>{hover === null && edges.length ? formatNumber(edges[edges.length - 1] ?? 0) : ""}</span>
      </div>
    </div>
  );
}

/** The most common values with count bars; joined columns get one bar per run. Click to filter. */
export function ValuesCell({ column, summary, colors, width, height, actions }: CellProps) {
  const { runs, joined } = perRun(summary);
  const lists = runs.map((s) => (s.kind === "values" ? s : null));
  const order: unknown[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    for (const item of list?.values ?? []) {
      const key = JSON.stringify(item.value);
      if (!seen.has(key)) {
        seen.add(key);
        order.push(item.value);
      }
    }
  }
  const line = joined ? 8 + 5 * runs.length : 17;
  const fitsAll = order.length * line <= height - 2;
  // Leave a line for "+N more" when not every value fits.
  const rowsFit = Math.max(1, Math.floor((height - (fitsAll ? 2 : 16)) / line));
  const shown = order.slice(0, rowsFit);
  const labelWidth = Math.min(110, Math.max(54, width * 0.42));
  const barSpace = Math.max(20, width - labelWidth - 34);
  const countOf = (run: number, value: unknown) =>
    lists[run]?.values.find((item) => JSON.stringify(item.value) === JSON.stringify(value))?.count ?? 0;
  const all = shown.flatMap((value) => runs.map((_, run) => countOf(run, value)));
  const widths = valueBarWidths(all, barSpace);
  const hidden = order.length - shown.length + Math.max(0, ...(lists.map((l) => l?.other ?? 0) as number[]));
  return (
    <div className="values" data-kind="values">
      {shown.map((value, i) => (
        <div key={i} className={`value-row${joined ? " joined" : ""}`} data-value={formatValue(value)}>
          <button
            type="button"
            className="value-label"
            title={`${formatValue(value)} — filter to it`}
            style={{ width: labelWidth }}
            onClick={() => actions.onValue(column, joined ? 0 : null, value)}
          >
            {formatValue(value)}
          </button>
          <span className="value-bars">
            {runs.map((_, run) => {
              const count = countOf(run, value);
              return (
                <button
                  type="button"
                  key={run}
                  className="value-bar"
                  data-run={run}
                  data-count={count}
                  title={`${formatValue(value)}: ${count}${joined ? ` (run ${run})` : ""}`}
                  onClick={() => actions.onValue(column, joined ? run : null, value)}
                >
                  <span
                    style={{ width: widths[i * runs.length + run] ?? 0, background: colors[run % colors.length] }}
                  />
                  {!joined && <em>{count}</em>}
                </button>
              );
            })}
          </span>
        </div>
      ))}
      {hidden > 0 && <div className="value-more">+{hidden} more</div>}
    </div>
  );
}

/** A strip of a group's images with arrows to page through them (one strip per run). */
export function ImageStrip({ summary, colors, width, height, actions }: CellProps) {
  const { runs, joined } = perRun(summary);
  const [start, setStart] = useState(0);
  const lines = runs.map((s) => (s.kind === "images" ? s : null));
  const size = Math.max(18, Math.min(96, Math.floor((height - 4) / lines.length) - 4));
  const fit = Math.max(1, Math.floor((width - 44) / (size + 4)));
  const longest = Math.max(0, ...lines.map((l) => l?.images.length ?? 0));
  const total = Math.max(0, ...lines.map((l) => l?.total ?? 0));
  return (
    <div className="strip" data-kind="images">
      <button
        type="button"
        className="strip-arrow"
        aria-label="Previous images"
        disabled={start === 0}
        onClick={() => setStart(Math.max(0, start - fit))}
      >
        ‹
      </button>
      <div className="strip-lines">
        {lines.map((line, run) => (
          <div key={run} className="strip-line">
            {(line?.images ?? []).slice(start, start + fit).map((image, i) => (
              <Thumb
                key={`${start + i}`}
                image={image}
                size={size}
                onOpen={actions.onOpen}
                border={joined ? colors[run % colors.length] : undefined}
              />
            ))}
          </div>
        ))}
      </div>
      <button
        type="button"
        className="strip-arrow"
        aria-label="Next images"
        disabled={start + fit >= longest}
        onClick={() => setStart(start + fit)}
      >
        ›
      </button>
      <span className="strip-count" title="images in this group">
        {Math.min(start + 1, longest)}–{Math.min(start + fit, longest)} of {total}
      </span>
    </div>
  );
}

/** Whatever summary a grouped column has. */
export function SummaryCell(props: CellProps) {
  const first = props.summary.kind === "runs" ? props.summary.runs[0] : props.summary;
  switch (first?.kind) {
    case "histogram":
      return <HistogramCell {...props} />;
    case "values":
      return <ValuesCell {...props} />;
    case "images":
      return <ImageStrip {...props} />;
    case "range":
      return (
        <span className="cell-text">
          {formatValue(first.min)} → {formatValue(first.max)}
        </span>
      );
    case "list":
      return (
        <span className="cell-text muted">
          {first.count} lists, ~{formatNumber(first.mean_length ?? 0)} items
        </span>
      );
    default:
      return <span className="cell-null">–</span>;
  }
}
