import { describe, expect, it } from "vitest";
import type { ChartData } from "./api";
import type { RunChart } from "./shapes";
import { barsOf, confusionKey, confusionOf, histogramOf, xyLines } from "./shapes";

function chart(runId: string, kind: ChartData["spec"]["kind"], columns: Record<string, unknown[]>): RunChart {
  const fields = Object.fromEntries(Object.keys(columns).map((role) => [role, role]));
  return {
    runId,
    runName: `run ${runId}`,
    color: runId === "a" ? "#111111" : "#222222",
    data: {
      run_id: runId,
      key: "k",
      step: 0,
      steps: [0],
      spec: { kind, fields, title: "" },
      n_rows: 0,
      truncated: false,
      columns,
    },
  };
}

describe("xyLines", () => {
  it("splits one run's rows into a line per series value, in row order", () => {
    const lines = xyLines([
      chart("a", "line", { x: [0, 1, 0, 1], y: [1, 2, 3, 4], series: ["cat", "cat", "dog", "dog"] }),
    ]);
    expect(lines.map((line) => line.name)).toEqual(["cat", "dog"]);
    expect(lines[1]).toMatchObject({ xs: [0, 1], ys: [3, 4], dash: [] });
    expect(lines[0]?.color).not.toEqual(lines[1]?.color);
  });

  it("colors several runs by run and tells their series apart by dash", () => {
    const lines = xyLines([
      chart("a", "line", { x: [0, 0], y: [1, 2], series: ["cat", "dog"] }),
      chart("b", "line", { x: [0], y: [5], series: ["cat"] }),
    ]);
    expect(lines.map((line) => line.name)).toEqual(["run a · cat", "run a · dog", "run b · cat"]);
    expect(lines.map((line) => line.color)).toEqual(["#111111", "#111111", "#222222"]);
    expect(lines[1]?.dash.length).toBeGreaterThan(0);
  });

  it("leaves out rows without a number for x and keeps gaps in y", () => {
    const [line] = xyLines([chart("a", "scatter", { x: [0, null, 2], y: [1, 2, null] })]);
    expect(line).toMatchObject({ name: "run a", xs: [0, 2], ys: [1, null] });
  });
});

describe("barsOf", () => {
  it("gives each label a bar per run and adds up repeated labels", () => {
    const bars = barsOf([
      chart("a", "bar", { label: ["cat", "dog", "cat"], value: [1, 2, 3] }),
      chart("b", "bar", { label: ["bird"], value: [-7] }),
    ]);
    expect(bars.labels).toEqual(["cat", "dog", "bird"]);
    expect(bars.values).toEqual([
      [4, 2, null],
      [null, null, -7],
    ]);
    expect(bars.max).toBe(7);
  });
});

describe("histogramOf", () => {
  it("shares bin edges between runs and counts every value once", () => {
    const histogram = histogramOf([
      [0, 1, 2, 3],
      [3, 3, "x", null],
    ]);
    expect(histogram.edges[0]).toBe(0);
    expect(histogram.edges[histogram.edges.length - 1]).toBe(3);
    expect(histogram.counts.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([4, 2]);
    expect(histogram.counts[1]?.[histogram.counts[1].length - 1]).toBe(2);
  });

  it("gives a single value a bin around it and no values no bins", () => {
    expect(histogramOf([[5, 5]]).edges).toEqual([4.5, 5.5]);
    expect(histogramOf([[]]).edges).toEqual([]);
  });
});

describe("confusionOf", () => {
  it("puts classes in one order on both axes and sums repeated cells", () => {
    const confusion = confusionOf(
      chart("a", "confusion_matrix", {
        actual: ["cat", "cat", "dog"],
        predicted: ["dog", "dog", "bird"],
        count: [1, 2, 5],
      }).data,
    );
    expect(confusion.classes).toEqual(["cat", "dog", "bird"]);
    expect(confusion.counts.get(confusionKey("cat", "dog"))).toBe(3);
    expect(confusion.max).toBe(5);
  });
});
