import { describe, expect, it } from "vitest";
import { belowFilter, classCurves, curvePoints, explorerLink, percent, thresholdIndex } from "./threshold";

const GRID = Array.from({ length: 101 }, (_, k) => k / 100);

describe("threshold helpers", () => {
  it("finds a threshold on the grid, and the nearest one off it", () => {
    expect(thresholdIndex(GRID, 0)).toBe(0);
    expect(thresholdIndex(GRID, 0.58)).toBe(58);
    expect(thresholdIndex(GRID, 1)).toBe(100);
    expect(thresholdIndex(GRID, 0.584)).toBe(58);
    expect(thresholdIndex(GRID, 7)).toBe(100);
  });
  it("writes the filter of the rows below a threshold with the grid's own number", () => {
    const sweep = {
      labelled: 'row["truth"] != null and row["guess"] != null',
      top_score: 'max(row["score_a"], row["score_b"])',
    };
    expect(belowFilter(sweep, 0.58)).toBe(
      'row["truth"] != null and row["guess"] != null and max(row["score_a"], row["score_b"]) < 0.58',
    );
    expect(belowFilter(sweep, GRID[29] as number)).toMatch(/< 0\.29$/);
  });
  it("links the explorer on a run's table with the filter and the step in its URL", () => {
    const link = explorerLink("zoo park", "r1", "val/predictions", 4, 'row["x"] < 0.5', 'row["truth"] = "cat"');
    const [path, query] = link.split("?");
    expect(path).toBe("/projects/zoo%20park/runs/r1/tables/val/predictions");
    const params = new URLSearchParams(query);
    expect(params.get("filter")).toBe('(row["truth"] = "cat") and (row["x"] < 0.5)');
    expect(params.get("step")).toBe("4");
    expect(new URLSearchParams(explorerLink("p", "r", "k", null, "f").split("?")[1]).get("step")).toBeNull();
  });
  it("keeps the curve points where both rates are defined", () => {
    expect(curvePoints([1, null, 0.5], [0.2, 0.3, null])).toEqual({ xs: [1], ys: [0.2] });
    const curves = classCurves({
      positives: 2,
      negatives: 2,
      precision: [0.5, 1, null],
      recall: [1, 0.5, 0],
      false_positive_rate: [1, 0, 0],
      average_precision: null,
      roc_auc: null,
    });
    expect(curves.pr).toEqual({ xs: [1, 0.5], ys: [0.5, 1] });
    expect(curves.roc).toEqual({ xs: [1, 0, 0], ys: [1, 0.5, 0] });
  });
  it("formats rates as percentages", () => {
    expect(percent(0.125)).toBe("12.5%");
    expect(percent(null)).toBe("—");
  });
});
