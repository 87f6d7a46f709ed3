// The drawable shapes of logged charts: lines and points per series, bars per label, histogram
// bins and confusion cells, from each run's chart columns (role -> values).
import { PALETTE } from "../lib/colors";
import type { ChartData } from "./api";

export interface RunChart {
  runId: string;
  runName: string;
  color: string;
  data: ChartData;
}

export interface XYLine {
  name: string;
  color: string;
  dash: number[];
  xs: number[];
  ys: (number | null)[];
}

// Several runs' series share the run's color and differ by dash.
const DASHES: number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 6]];

function label(value: unknown): string {
  return value === null || value === undefined ? "–" : String(value);
}

function numberOrNull(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  return null;
}

/** One line (or point cloud) per run and series value, in the order the rows name them. */
export function xyLines(charts: RunChart[]): XYLine[] {
  const lines: XYLine[] = [];
  const single = charts.length === 1;
  for (const chart of charts) {
    const xs = chart.data.columns.x ?? [];
    const ys = chart.data.columns.y ?? [];
    const series = chart.data.columns.series;
    const groups = new Map<string, { xs: number[]; ys: (number | null)[] }>();
    xs.forEach((rawX, i) => {
      const x = numberOrNull(rawX);
      if (x === null) return;
      const name = series ? label(series[i]) : "";
      let group = groups.get(name);
      if (!group) {
        group = { xs: [], ys: [] };
        groups.set(name, group);
      }
      group.xs.push(x);
      group.ys.push(numberOrNull(ys[i]));
    });
    [...groups.entries()].forEach(([name, group], index) => {
      const color = single && series ? (PALETTE[index % PALETTE.length] ?? chart.color) : chart.color;
      const fullName = single ? name || chart.runName : name ? `${chart.runName} · ${name}` : chart.runName;
      lines.push({ name: fullName, color, dash: single ? [] : (DASHES[index % DASHES.length] ?? []), ...group });
    });
  }
  return lines;
}

export interface Bars {
  labels: string[];
  /** values[run][label]: the sum of that run's rows with that label, or null when it has none. */
  values: (number | null)[][];
  max: number;
}

/** Bars by label (first-seen order across runs); several rows with one label add up. */
export function barsOf(charts: RunChart[]): Bars {
  const labels: string[] = [];
  const index = new Map<string, number>();
  const sums = charts.map((chart) => {
    const byLabel = new Map<number, number>();
    const names = chart.data.columns.label ?? [];
    const values = chart.data.columns.value ?? [];
    names.forEach((raw, i) => {
      const name = label(raw);
      if (!index.has(name)) {
        index.set(name, labels.length);
        labels.push(name);
      }
      const value = numberOrNull(values[i]);
      if (value === null) return;
      const at = index.get(name) as number;
      byLabel.set(at, (byLabel.get(at) ?? 0) + value);
    });
    return byLabel;
  });
  const values = sums.map((byLabel) => labels.map((_, i) => byLabel.get(i) ?? null));
  const max = Math.max(0, ...values.flat().map((value) => Math.abs(value ?? 0)));
  return { labels, values, max };
}

export interface Histogram {
  edges: number[];
  /** counts[run][bin] */
  counts: number[][];
}

/** Shared bins over every run's values (Sturges' rule, at most `maxBins`), counted per run. */
export function histogramOf(valuesPerRun: unknown[][], maxBins = 40): Histogram {
  const numbers = valuesPerRun.map((values) => values.map(numberOrNull).filter((v): v is number => v !== null));
  const all = numbers.flat();
  if (all.length === 0) return { edges: [], counts: numbers.map(() => []) };
  let low = Infinity;
  let high = -Infinity;
  for (const value of all) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  const oneValue = low === high;
  if (oneValue) {
    low -= 0.5;
    high += 0.5;
  }
  const bins = oneValue ? 1 : Math.max(1, Math.min(maxBins, Math.ceil(Math.log2(all.length)) + 1));
  const width = (high - low) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => low + i * width);
  const counts = numbers.map((values) => {
    const row = new Array<number>(bins).fill(0);
    for (const value of values) {
      const bin = Math.min(bins - 1, Math.floor((value - low) / width));
      row[bin] = (row[bin] ?? 0) + 1;
    }
    return row;
  });
  return { edges, counts };
}

export interface Confusion {
  classes: string[];
  counts: Map<string, number>;
  max: number;
}

export const confusionKey = (actual: string, predicted: string) => JSON.stringify([actual, predicted]);

/** Cells by (actual, predicted); both axes share one class order (actual's first-seen order first). */
export function confusionOf(data: ChartData): Confusion {
  const actual = data.columns.actual ?? [];
  const predicted = data.columns.predicted ?? [];
  const counts = data.columns.count ?? [];
  const classes: string[] = [];
  const seen = new Set<string>();
  const add = (name: string) => {
    if (!seen.has(name)) {
      seen.add(name);
      classes.push(name);
    }
  };
  for (const value of actual) add(label(value));
  for (const value of predicted) add(label(value));
  const cells = new Map<string, number>();
  actual.forEach((value, i) => {
    const key = confusionKey(label(value), label(predicted[i]));
    cells.set(key, (cells.get(key) ?? 0) + (numberOrNull(counts[i]) ?? 0));
  });
  return { classes, counts: cells, max: Math.max(0, ...cells.values()) };
}
