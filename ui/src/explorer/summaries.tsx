// Cells of a grouped table: histograms with shared bins, value counts, image strips; per run in color.
import { useCallback, useLayoutEffect, useRef, useState } from "react";
import { formatNumber, formatValue, plural } from "../lib/format";
import type { GroupColumn, ImageCell, Summary } from "./api";
import { IMAGES_PER_GROUP } from "./api";
import { Thumb } from "./cells";
import { clampStart, othersCondition, perRun, stripGeometry, stripLines, valueList } from "./groupCells";
import type { GroupImagesLoader } from "./groupImages";
import type { BarMode } from "./histogram";
import { histogramBars, peak, valueBarWidths } from "./histogram";

export interface SummaryActions {
  /** Filter to one histogram bin of a column (run set for a joined column). */
  onBin: (column: string, run: number | null, bin: number) => void;
  /** Filter to one value of a column. */
  onValue: (column: string, run: number | null, value: unknown) => void;
  /** Narrow the filter by a condition (e.g. to the values a cell could not list). */
  onFilter: (condition: string) => void;
  onOpen: (image: ImageCell) => void;
  /** Reads more of a group's images than its summary carries (absent: the strip pages those). */
  images?: GroupImagesLoader;
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
  /** The group the cell belongs to (its `by` columns and key), for reading more of its images. */
  group?: { by: readonly string[]; key: readonly unknown[] };
}

/** Where a strip is: its page start and the images fetched past the summary's, per line. */
interface StripPage {
  summary: Summary;
  start: number;
  more: ImageCell[][];
  loading: boolean;
  failed: boolean;
}

function firstPage(summary: Summary): StripPage {
  return { summary, start: 0, more: [], loading: false, failed: false };
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

/** What the server left out of a cell: "+3 more values (40 rows)", with the run for a merged one. */
function othersText(values: number, rows: number, run: number | null): string {
  return `+${plural(values, "more value")} (${plural(rows, "row")})${run !== null ? ` in [${run}]` : ""}`;
}

const HINT_HEIGHT = 16; // px: the "↓ N more" hint covers the bottom of the list

function countBelow(list: HTMLElement, bottom: number): number {
  let below = 0;
  for (const line of list.querySelectorAll<HTMLElement>(":scope > .value-row")) {
    if (line.offsetTop + line.offsetHeight > bottom + 1) below++;
  }
  return below;
}

/**
 * How many value lines lie below a scrolled list's visible part. While some do, the hint covers
 * the list's last pixels: a line under it counts as below too, so no count is hidden unannounced.
 */
function linesBelow(list: HTMLElement): number {
  const bottom = list.scrollTop + list.clientHeight;
  return countBelow(list, bottom) > 0 ? countBelow(list, bottom - HINT_HEIGHT) : 0;
}

/**
 * Every value of a category in the group with its count (one bar and count per run for a merged
 * column), most frequent first. The list scrolls within the cell; a hint at the bottom says how
 * many values lie below. Values the server did not send are counted and one click away.
 */
export function ValuesCell({ column, summary, colors, width, height, actions }: CellProps) {
  const { lines, hiddenValues, hiddenRows, hiddenRun } = valueList(summary);
  const joined = summary.kind === "runs";
  const list = useRef<HTMLDivElement>(null);
  const [below, setBelow] = useState(0);
  const measure = useCallback(() => {
    if (list.current) setBelow(linesBelow(list.current));
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: measured again whenever what is drawn changes.
  useLayoutEffect(measure, [measure, summary, width, height]);
  const labelWidth = Math.min(120, Math.max(54, width * 0.42));
  const top = Math.max(0, ...lines.flatMap((line) => line.counts));
  const countWidth = 8 + 6.5 * String(top).length;
  // Room for the label, the count beside each bar, the gaps and a thin scroll bar.
  const barSpace = Math.max(16, width - labelWidth - countWidth - 22);
  const widths = valueBarWidths(
    lines.flatMap((line) => line.counts),
    barSpace,
  );
  const runsPerLine = lines[0]?.counts.length ?? 1;
  const filterRun = (run: number) => (joined ? run : null);
  const others =
    hiddenValues > 0
      ? othersCondition(
          column,
          hiddenRun,
          lines.map((line) => line.value),
        )
      : "";
  return (
    <div ref={list} className="values" data-kind="values" data-values={lines.length + hiddenValues} onScroll={measure}>
      {lines.map((line, i) => (
        <div
          key={JSON.stringify(line.value)}
          className={`value-row${joined ? " joined" : ""}`}
          data-value={formatValue(line.value)}
        >
          <button
            type="button"
            className="value-label"
            title={`${formatValue(line.value)} — filter to it`}
            style={{ width: labelWidth }}
            onClick={() => actions.onValue(column, filterRun(0), line.value)}
          >
            {formatValue(line.value)}
          </button>
          <span className="value-bars">
            {line.counts.map((count, run) => (
              <button
                type="button"
                key={run}
                className="value-bar"
                data-run={run}
                data-count={count}
                title={`${formatValue(line.value)}: ${count}${joined ? ` (run [${run}])` : ""} — filter to it`}
                onClick={() => actions.onValue(column, filterRun(run), line.value)}
              >
                <span
                  style={{
                    width: widths[i * runsPerLine + run] ?? 0,
                    background: colors[run % colors.length],
                  }}
                />
                <em style={joined ? { color: colors[run % colors.length] } : undefined}>{count}</em>
              </button>
            ))}
          </span>
        </div>
      ))}
      {hiddenValues > 0 && (
        <button
          type="button"
          className="value-others"
          title={others ? "Filter to the rows holding none of the values listed here" : undefined}
          disabled={!others}
          onClick={() => actions.onFilter(others)}
        >
          {othersText(hiddenValues, hiddenRows, hiddenRun)}
        </button>
      )}
      {below > 0 && (
        <button
          type="button"
          className="value-below"
          aria-label={`${below} more below: scroll the list`}
          onClick={() => list.current?.scrollBy({ top: list.current.clientHeight - 18 })}
        >
          ↓ {below} more
        </button>
      )}
    </div>
  );
}

/**
 * A group's images, as many as fit the cell's width, with arrows paging by that many. A merged
 * column draws one line per run (marked with the run's colour and index) unless every run holds
 * the same images. The page starts over whenever the summary changes (a new grouping or filter).
 */
export function ImageStrip({ column, summary, colors, width, height, actions, group }: CellProps) {
  const lines = stripLines(summary);
  const joined = summary.kind === "runs";
  const perRunLines = lines.some((line) => line.run !== null);
  const { size, perRow, perPage } = stripGeometry(width, height, lines.length, perRunLines ? 62 : 40);
  const [paged, setPaged] = useState<StripPage>(() => firstPage(summary));
  const current = paged.summary === summary ? paged : firstPage(summary);
  // Each line: the images the summary carries, then those fetched while paging past them.
  const shown = lines.map((line, i) => [...line.images, ...(current.more[i] ?? [])]);
  const loaded = Math.max(0, ...shown.map((images) => images.length));
  const total = Math.max(0, ...lines.map((line) => line.total));
  const load = actions.images && group ? actions.images : null;
  const start = clampStart(current.start, perPage, loaded);
  const end = Math.min(start + perPage, loaded);
  const go = (to: number) => setPaged({ ...current, start: clampStart(to, perPage, loaded) });
  const next = async () => {
    const to = start + perPage;
    if (to + perPage <= loaded || loaded >= total || !load || !group) {
      go(to);
      return;
    }
    setPaged({ ...current, loading: true });
    try {
      const fetched = await Promise.all(
        lines.map((line, i) =>
          load({
            by: group.by,
            key: group.key,
            column,
            // Runs holding the same images are read from run 0.
            run: line.run ?? (joined ? 0 : null),
            offset: shown[i]?.length ?? 0,
            size: Math.max(IMAGES_PER_GROUP, 2 * perPage),
          }),
        ),
      );
      setPaged((now) =>
        now.summary === summary
          ? {
              ...now,
              loading: false,
              start: to,
              more: lines.map((_, i) => [...(now.more[i] ?? []), ...(fetched[i] ?? [])]),
            }
          : now,
      );
    } catch {
      setPaged((now) => (now.summary === summary ? { ...now, loading: false, failed: true } : now));
    }
  };
  const reachable = load ? total : loaded;
  return (
    <div className="strip" data-kind="images" data-per-page={perPage} data-start={start}>
      <button
        type="button"
        className="strip-arrow"
        aria-label="Previous images"
        disabled={start === 0}
        onClick={() => go(start - perPage)}
      >
        ‹
      </button>
      <div className="strip-lines">
        {lines.map((line, i) => (
          <div
            key={line.run ?? "all"}
            className="strip-line"
            data-run={line.run ?? undefined}
            style={line.run === null ? { maxWidth: perRow * (size + 4) } : undefined}
          >
            {line.run !== null && (
              <span className="strip-run" style={{ borderColor: colors[line.run % colors.length] }}>
                [{line.run}]
              </span>
            )}
            {(shown[i] ?? []).slice(start, start + perPage).map((image, k) => (
              <Thumb
                key={`${start + k}`}
                image={image}
                size={size}
                onOpen={actions.onOpen}
                border={line.run !== null ? colors[line.run % colors.length] : undefined}
              />
            ))}
          </div>
        ))}
      </div>
      <button
        type="button"
        className="strip-arrow"
        aria-label="Next images"
        disabled={end >= reachable || current.loading}
        onClick={() => void next()}
      >
        ›
      </button>
      <span
        className="strip-count"
        title={current.failed ? "the next images could not be read" : "images in this group"}
      >
        {current.loading ? "loading… " : ""}
        {loaded ? `${start + 1}–${end}` : "0"} of {total}
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
