import { describe, expect, it } from "vitest";
import { alignLines, nearestValue, positiveOnly } from "./chartData";

describe("alignLines", () => {
  it("puts runs with different steps on one x axis", () => {
    const [xs, a, b] = alignLines([
      { steps: [0, 2], values: [1, 3] },
      { steps: [1, 2], values: [5, null] },
    ]);
    expect(xs).toEqual([0, 1, 2]);
    expect(a).toEqual([1, undefined, 3]);
    expect(b).toEqual([undefined, 5, null]);
  });

  it("drops non-positive values for a log scale", () => {
    expect(positiveOnly([1, 0, -2, null, 3])).toEqual([1, null, null, null, 3]);
  });

  it("reads the nearest value for hover", () => {
    expect(nearestValue([undefined, undefined, 4], 0)).toBe(4);
    expect(nearestValue([undefined, undefined], 0)).toBeNull();
  });
});
