import { describe, expect, it } from "vitest";
import type { RowLayout } from "./rowLayout";
import {
  CELL_PAD,
  cellBox,
  GROUP_HEIGHTS,
  GROUP_RUN_LINE,
  ROW_BORDER,
  ROW_HEIGHTS,
  RUN_LINE,
  rowLayout,
  tileImages,
} from "./rowLayout";
import type { RowHeight } from "./state";

const SIZES: RowHeight[] = ["s", "m", "l", "xl"];

/** The parts of a row add up to its height: padding, content, rule. */
function consistent(layout: RowLayout) {
  expect(layout.content + 2 * layout.padY + ROW_BORDER).toBe(layout.height);
  expect(layout.thumb).toBeLessThanOrEqual(layout.content);
}

describe("row layout", () => {
  it("follows the setting, taller at each step, grouped rows taller still", () => {
    for (const grouped of [false, true]) {
      const heights = SIZES.map((rowHeight) => rowLayout({ rowHeight, grouped, runs: 1 }).height);
      expect(heights).toEqual(SIZES.map((s) => (grouped ? GROUP_HEIGHTS[s] : ROW_HEIGHTS[s])));
      expect([...heights].sort((a, b) => a - b)).toEqual(heights);
    }
    for (const rowHeight of SIZES) {
      expect(rowLayout({ rowHeight, grouped: true, runs: 1 }).height).toBeGreaterThan(
        rowLayout({ rowHeight, grouped: false, runs: 1 }).height,
      );
    }
  });

  it("adds up, for every setting, grouping and number of runs", () => {
    for (const rowHeight of SIZES)
      for (const grouped of [false, true])
        for (let runs = 1; runs <= 12; runs++) consistent(rowLayout({ rowHeight, grouped, runs }));
  });

  it("grows a joined row to hold one line per run, never shrinking below the setting", () => {
    for (const rowHeight of SIZES) {
      for (let runs = 1; runs <= 12; runs++) {
        const layout = rowLayout({ rowHeight, grouped: false, runs });
        expect(layout.content).toBeGreaterThanOrEqual(runs * RUN_LINE);
        expect(layout.height).toBeGreaterThanOrEqual(ROW_HEIGHTS[rowHeight]);
      }
    }
    // Small rows with five runs: five lines, not the 34 px of one.
    expect(rowLayout({ rowHeight: "s", grouped: false, runs: 5 }).content).toBe(5 * RUN_LINE);
    // Extra large rows already hold them: the setting wins.
    expect(rowLayout({ rowHeight: "xl", grouped: false, runs: 5 }).height).toBe(ROW_HEIGHTS.xl);
  });

  it("gives a merged group's cell a strip per run", () => {
    for (let runs = 2; runs <= 8; runs++) {
      const layout = rowLayout({ rowHeight: "m", grouped: true, runs });
      expect(layout.content).toBeGreaterThanOrEqual(runs * GROUP_RUN_LINE);
    }
  });

  it("keeps the thumbnail on the setting when runs make the row taller", () => {
    const one = rowLayout({ rowHeight: "m", grouped: false, runs: 1 });
    const six = rowLayout({ rowHeight: "m", grouped: false, runs: 6 });
    expect(six.height).toBeGreaterThan(one.height);
    expect(six.thumb).toBe(one.thumb);
  });

  it("treats a nonsense run count as one", () => {
    expect(rowLayout({ rowHeight: "m", grouped: false, runs: 0 })).toEqual(
      rowLayout({ rowHeight: "m", grouped: false, runs: 1 }),
    );
  });

  it("gives a cell's content box inside the padding and rule", () => {
    const layout = rowLayout({ rowHeight: "l", grouped: false, runs: 1 });
    expect(cellBox(layout, 120)).toEqual({
      width: 120 - CELL_PAD.left - CELL_PAD.right - CELL_PAD.rule,
      height: layout.content,
    });
    expect(cellBox(layout, 5).width).toBe(1);
  });
});

describe("image tiling", () => {
  it("fits every image whole in the box", () => {
    for (let count = 1; count <= 9; count++) {
      for (const [width, height] of [
        [60, 51],
        [200, 40],
        [40, 200],
        [130, 95],
      ] as const) {
        const { size, columns } = tileImages(count, width, height, 4);
        const lines = Math.ceil(count / columns);
        expect(columns * size + (columns - 1) * 4).toBeLessThanOrEqual(width);
        expect(lines * size + (lines - 1) * 4).toBeLessThanOrEqual(height);
      }
    }
  });

  it("picks the arrangement with the largest images", () => {
    // Two images in a wide, short box sit side by side; in a tall, narrow one, one above the other.
    expect(tileImages(2, 200, 60, 4)).toEqual({ size: 60, columns: 2 });
    expect(tileImages(2, 60, 200, 4)).toEqual({ size: 60, columns: 1 });
    // Four in a square: two by two.
    expect(tileImages(4, 100, 100, 4)).toEqual({ size: 48, columns: 2 });
  });

  it("still draws every image in a tiny box", () => {
    expect(tileImages(6, 3, 3, 4).size).toBe(1);
  });
});
