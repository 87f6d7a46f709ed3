// Pure helpers of the score threshold: where a threshold sits on the server's grid, the filter and
// the explorer link listing the rows below it, and the points of a class's PR and ROC curves.
import type { Schemas } from "../api/client";
import { DEFAULT_STATE, stateToParams } from "../explorer/state";
import { combineFilters } from "./matrix";

export type ThresholdSweep = Schemas["ThresholdSweep"];
export type ClassCurve = Schemas["ClassCurve"];

/** The index of the grid threshold nearest `value` (the grid is sorted, from 0 to 1). */
export function thresholdIndex(thresholds: readonly number[], value: number): number {
  let best = 0;
  thresholds.forEach((t, i) => {
    if (Math.abs(t - value) < Math.abs((thresholds[best] ?? 0) - value)) best = i;
  });
  return best;
}

/** The filter listing the evaluated rows whose top score is below `threshold` (the same rule the
 * server counts by: see heron.query.thresholds). */
export function belowFilter(sweep: Pick<ThresholdSweep, "labelled" | "top_score">, threshold: number): string {
  return `${sweep.labelled} and ${sweep.top_score} < ${String(threshold)}`;
}

/** The table explorer on one run's table, filtered to `filter` and, when combined with the panel's
 * own filter, to both. */
export function explorerLink(
  project: string,
  runId: string,
  key: string,
  step: number | null | undefined,
  filter: string,
  panelFilter = "",
): string {
  const keyPath = key.split("/").map(encodeURIComponent).join("/");
  const params = stateToParams({ ...DEFAULT_STATE, filter: combineFilters(panelFilter, filter), step: step ?? null });
  return `/projects/${encodeURIComponent(project)}/runs/${encodeURIComponent(runId)}/tables/${keyPath}?${params}`;
}

export interface CurvePoints {
  xs: number[];
  ys: number[];
}

/** (x, y) pairs with both rates defined, in grid order. */
export function curvePoints(xs: readonly (number | null)[], ys: readonly (number | null)[]): CurvePoints {
  const out: CurvePoints = { xs: [], ys: [] };
  xs.forEach((x, i) => {
    const y = ys[i];
    if (x === null || x === undefined || y === null || y === undefined) return;
    out.xs.push(x);
    out.ys.push(y);
  });
  return out;
}

/** The PR curve (x recall, y precision) and the ROC curve (x false positive rate, y recall). */
export function classCurves(curve: ClassCurve): { pr: CurvePoints; roc: CurvePoints } {
  return {
    pr: curvePoints(curve.recall, curve.precision),
    roc: curvePoints(curve.false_positive_rate, curve.recall),
  };
}

/** "12.5%", or "—" for a rate with nothing to divide by. */
export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}
