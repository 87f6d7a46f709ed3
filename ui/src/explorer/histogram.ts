// Geometry of the bar charts drawn in grouped cells: pure functions, so they are unit-tested.

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Index of the run (0 for a single table). */
  run: number;
  bin: number;
  count: number;
}

export type BarMode = "stacked" | "side";

/** The largest bar a set of per-run counts needs: a bin's sum when stacked, one count otherwise. */
export function peak(series: readonly (readonly number[])[], mode: BarMode): number {
  const bins = Math.max(0, ...series.map((counts) => counts.length));
  let top = 0;
  for (let bin = 0; bin < bins; bin++) {
    if (mode === "stacked")
      top = Math.max(
        top,
        series.reduce((sum, counts) => sum + (counts[bin] ?? 0), 0),
      );
    else for (const counts of series) top = Math.max(top, counts[bin] ?? 0);
  }
  return top;
}

/**
 * Bars for per-run histogram counts (one array per run, bins shared) inside width x height.
 * Stacked: run 0 at the bottom of each bin. Side: each bin split into one slim bar per run.
 * `scale` is the count drawn at full height (pass a shared peak to compare cells); a non-zero
 * count is never thinner than one pixel, so a single outlier stays visible.
 */
export function histogramBars(
  series: readonly (readonly number[])[],
  width: number,
  height: number,
  mode: BarMode,
  scale: number = peak(series, mode),
  gap = 1,
): Bar[] {
  const bins = Math.max(0, ...series.map((counts) => counts.length));
  if (bins === 0 || scale <= 0 || width <= 0 || height <= 0) return [];
  const slot = width / bins;
  const barHeight = (count: number) => (count <= 0 ? 0 : Math.max(1, (Math.min(count, scale) / scale) * height));
  const bars: Bar[] = [];
  for (let bin = 0; bin < bins; bin++) {
    const x0 = bin * slot + gap / 2;
    const inner = Math.max(slot - gap, 0.5);
    if (mode === "stacked") {
      let top = height;
      series.forEach((counts, run) => {
        const count = counts[bin] ?? 0;
        const h = barHeight(count);
        if (h === 0) return;
        top -= h;
        bars.push({ x: x0, y: top, width: inner, height: h, run, bin, count });
      });
    } else {
      const each = inner / Math.max(series.length, 1);
      series.forEach((counts, run) => {
        const count = counts[bin] ?? 0;
        const h = barHeight(count);
        if (h === 0) return;
        bars.push({ x: x0 + run * each, y: height - h, width: each, height: h, run, bin, count });
      });
    }
  }
  return bars;
}

/** Which bin a horizontal position falls into. */
export function binAt(x: number, width: number, bins: number): number | null {
  if (bins <= 0 || width <= 0 || x < 0 || x >= width) return null;
  return Math.min(bins - 1, Math.floor((x / width) * bins));
}

/** Horizontal value-count bars: each length relative to the largest count shown. */
export function valueBarWidths(counts: readonly number[], width: number): number[] {
  const top = Math.max(0, ...counts);
  return counts.map((count) => (top <= 0 || count <= 0 ? 0 : Math.max(2, (count / top) * width)));
}

/** Cell shading of a confusion grid: 0 for an empty cell, up to 1 for the largest count. */
export function shade(count: number, max: number): number {
  if (count <= 0 || max <= 0) return 0;
  return 0.12 + 0.88 * Math.sqrt(count / max);
}
