import { describe, expect, it } from "vitest";
import { andFilter, columnPrefixAt, columnRef, equals, inBin, literal, wordAt } from "./expr";
import { binAt, histogramBars, peak, shade, valueBarWidths } from "./histogram";

describe("histogram bars", () => {
  it("scales one run's counts to the height, one slot per bin", () => {
    const bars = histogramBars([[1, 0, 4]], 30, 40, "stacked", undefined, 0);
    expect(bars).toEqual([
      { x: 0, y: 30, width: 10, height: 10, run: 0, bin: 0, count: 1 },
      { x: 20, y: 0, width: 10, height: 40, run: 0, bin: 2, count: 4 },
    ]);
  });

  it("stacks runs with run 0 at the bottom", () => {
    const bars = histogramBars([[2], [2]], 10, 40, "stacked", undefined, 0);
    expect(bars.map((b) => [b.run, b.y, b.height])).toEqual([
      [0, 20, 20],
      [1, 0, 20],
    ]);
    expect(
      peak(
        [
          [2, 1],
          [2, 5],
        ],
        "stacked",
      ),
    ).toBe(6);
  });

  it("puts runs side by side inside each bin", () => {
    const bars = histogramBars(
      [
        [4, 2],
        [2, 0],
      ],
      40,
      20,
      "side",
      undefined,
      0,
    );
    expect(bars.map((b) => [b.run, b.bin, b.x, b.width, b.height])).toEqual([
      [0, 0, 0, 10, 20],
      [1, 0, 10, 10, 10],
      [0, 1, 20, 10, 10],
    ]);
    expect(
      peak(
        [
          [4, 2],
          [2, 0],
        ],
        "side",
      ),
    ).toBe(4);
  });

  it("shares a scale across cells and keeps tiny counts visible", () => {
    const bars = histogramBars([[1, 1000]], 20, 50, "stacked", 1000, 0);
    expect(bars[0]?.height).toBe(1);
    expect(bars[1]?.height).toBe(50);
    expect(histogramBars([[0, 0]], 20, 50, "stacked")).toEqual([]);
    expect(histogramBars([], 20, 50, "side")).toEqual([]);
  });

  it("finds the bin under the pointer", () => {
    expect(binAt(0, 100, 10)).toBe(0);
    expect(binAt(99.9, 100, 10)).toBe(9);
    expect(binAt(100, 100, 10)).toBeNull();
    expect(binAt(-1, 100, 10)).toBeNull();
  });

  it("sizes value bars and confusion-grid shading", () => {
    expect(valueBarWidths([10, 5, 0], 100)).toEqual([100, 50, 0]);
    expect(valueBarWidths([1000, 1], 100)[1]).toBe(2);
    expect(shade(0, 10)).toBe(0);
    expect(shade(10, 10)).toBe(1);
    expect(shade(1, 100)).toBeGreaterThan(0.12);
  });
});

describe("filters from clicks", () => {
  it("quotes column names and values", () => {
    expect(columnRef('we"ird')).toBe('row["we\\"ird"]');
    expect(columnRef("guess", 1)).toBe('row["guess"][1]');
    expect(literal('say "hi"')).toBe('"say \\"hi\\""');
    expect(equals("truth", null, "Plantae")).toBe('row["truth"] = "Plantae"');
    expect(equals("truth", 0, null)).toBe('is_null(row["truth"][0])');
  });

  it("selects a bin: half-open, the last one closed", () => {
    const edges = [0, 0.5, 1];
    expect(inBin("score", null, edges, 0)).toBe('row["score"] >= 0 and row["score"] < 0.5');
    expect(inBin("score", 1, edges, 1)).toBe('row["score"][1] >= 0.5 and row["score"][1] <= 1');
    expect(inBin("score", null, edges, 5)).toBe("");
  });

  it("narrows an existing filter without changing its meaning", () => {
    expect(andFilter("", "a")).toBe("a");
    expect(andFilter("x = 1", "")).toBe("x = 1");
    expect(andFilter('row["a"] = 1 or row["b"] = 2', 'row["c"] = 3')).toBe(
      '(row["a"] = 1 or row["b"] = 2) and row["c"] = 3',
    );
  });

  it("knows what is being typed for completion", () => {
    expect(columnPrefixAt('row["tr', 7)).toEqual({ start: 5, prefix: "tr" });
    expect(columnPrefixAt('row["truth"] = ', 15)).toBeNull();
    expect(wordAt("std", 3)).toEqual({ start: 0, word: "std" });
    expect(wordAt('row["truth"] = "Pla', 19)).toBeNull();
  });
});
