import { describe, expect, it } from "vitest";
import { cellColor, cellFilter, combineFilters, normaliseRows } from "./matrix";

describe("evaluation helpers", () => {
  it("normalises rows and keeps empty rows at zero", () => {
    expect(
      normaliseRows([
        [3, 1],
        [0, 0],
      ]),
    ).toEqual([
      [0.75, 0.25],
      [0, 0],
    ]);
  });
  it("writes a cell filter with escaped names and labels", () => {
    expect(cellFilter("truth", "guess", 'A"b', "C")).toBe('row["truth"] = "A\\"b" and row["guess"] = "C"');
  });
  it("combines filters", () => {
    expect(combineFilters("", "x")).toBe("x");
    expect(combineFilters("a", "b")).toBe("(a) and (b)");
    expect(combineFilters(" ", "")).toBe("");
  });
  it("colours the diagonal green and errors red", () => {
    expect(cellColor(1, true)).toContain("22, 163, 74");
    expect(cellColor(0, false)).toBe("rgba(220, 38, 38, 0.000)");
  });
});
