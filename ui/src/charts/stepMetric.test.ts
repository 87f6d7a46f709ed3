import { describe, expect, it } from "vitest";
import { againstStepMetric, alignLines, stepMetricFor } from "./chartData";

describe("stepMetricFor", () => {
  const definitions = [
    { name: "val/loss", step_metric: null },
    { name: "val/*", step_metric: "epoch" },
    { name: "test/acc", step_metric: "batch" },
    { name: "*", step_metric: "epoch" },
  ];

  it("uses a key's own definition before any glob", () => {
    expect(stepMetricFor("test/acc", definitions)).toBe("batch");
  });

  it("matches globs as the SDK does, across slashes", () => {
    expect(stepMetricFor("val/acc", definitions)).toBe("epoch");
    expect(stepMetricFor("val/top/5", [{ name: "val/*", step_metric: "epoch" }])).toBe("epoch");
    expect(stepMetricFor("train/loss", [{ name: "val/*", step_metric: "epoch" }])).toBeNull();
    expect(stepMetricFor("val/acc", [{ name: "v?l/*", step_metric: "e" }])).toBe("e");
    expect(stepMetricFor("val.x", [{ name: "val.*", step_metric: "e" }])).toBe("e");
    expect(stepMetricFor("valAx", [{ name: "val.*", step_metric: "e" }])).toBeNull();
  });

  it("keeps a glob's x-axis for a key defined only for its summary", () => {
    expect(stepMetricFor("val/loss", definitions)).toBe("epoch");
  });

  it("plots the step metric itself, and runs without definitions, against the step", () => {
    expect(stepMetricFor("epoch", definitions)).toBeNull();
    expect(stepMetricFor("val/acc", [])).toBeNull();
  });
});

describe("againstStepMetric", () => {
  it("puts each point at the step metric's value at the same step", () => {
    const epochs = { steps: [0, 10, 20, 30], values: [0, 1, 2, 3] };
    const accuracy = { steps: [0, 10, 20, 30], values: [0.5, 0.6, null, 0.8] };
    expect(againstStepMetric(accuracy, epochs)).toEqual({ steps: [0, 1, 2, 3], values: [0.5, 0.6, null, 0.8] });
  });

  it("uses the latest earlier value where the step metric was not logged at that step", () => {
    const epochs = { steps: [5, 10, 20], values: [1, 2, 3] };
    const loss = { steps: [0, 5, 7, 10, 25], values: [9, 8, 7, 6, 5] };
    // Step 0 has no epoch yet: it is left out.
    expect(againstStepMetric(loss, epochs)).toEqual({ steps: [1, 1, 2, 3], values: [8, 7, 6, 5] });
  });

  it("skips step-metric gaps (NaN arrives as null)", () => {
    const epochs = { steps: [0, 1], values: [4, null] };
    expect(againstStepMetric({ steps: [1], values: [2] }, epochs)).toEqual({ steps: [4], values: [2] });
  });

  it("aligns a run on its step metric with a run on its steps", () => {
    const mapped = againstStepMetric({ steps: [10, 20], values: [1, 2] }, { steps: [10, 20], values: [1, 2] });
    const [xs, a, b] = alignLines([mapped, { steps: [0, 1], values: [7, 8] }]);
    expect(xs).toEqual([0, 1, 2]);
    expect(a).toEqual([undefined, 1, 2]);
    expect(b).toEqual([7, 8, undefined]);
  });
});
