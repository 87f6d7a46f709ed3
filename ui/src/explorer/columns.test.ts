import { describe, expect, it } from "vitest";
import type { ColumnInfo } from "./api";
import { confusion } from "./ConfusionGrid";
import { columnWidth, layoutColumns, moveColumn, orderColumns } from "./columns";
import { errorSpan } from "./FilterEditor";

const cols: ColumnInfo[] = ["id", "image", "guess", "truth", "score"].map((name) => ({
  name,
  type: name === "image" ? "image" : "string",
}));
const names = (list: ColumnInfo[]) => list.map((c) => c.name);

describe("column layout", () => {
  it("puts chosen columns first and keeps the rest in table order", () => {
    expect(names(orderColumns(cols, ["truth", "missing", "id"]))).toEqual(["truth", "id", "image", "guess", "score"]);
  });

  it("hides and pins", () => {
    const layout = layoutColumns(cols, [], ["score"], ["guess"]);
    expect(names(layout.pinned)).toEqual(["guess"]);
    expect(names(layout.scrolling)).toEqual(["id", "image", "truth"]);
  });

  it("moves a column within the full order, clamped at the ends", () => {
    expect(moveColumn(cols, [], "truth", -2)).toEqual(["id", "truth", "image", "guess", "score"]);
    expect(moveColumn(cols, [], "id", -1)).toEqual(["id", "image", "guess", "truth", "score"]);
    expect(moveColumn(cols, [], "id", 99)).toEqual(["image", "guess", "truth", "score", "id"]);
  });

  it("gives long names room, up to a limit", () => {
    expect(columnWidth({ name: "x", type: "float" }, false, 50)).toBe(110);
    expect(columnWidth({ name: "score_Arachnida", type: "float" }, false, 50)).toBeGreaterThan(150);
    expect(columnWidth({ name: "n".repeat(100), type: "string" }, false, 50)).toBe(260);
  });
});

describe("confusion grid", () => {
  it("lays counts on a grid whose diagonal lines up", () => {
    const grid = confusion({
      by: ["truth", "guess"],
      columns: [],
      summaries: {},
      total: 3,
      total_rows: 6,
      offset: 0,
      limit: 1000,
      rows: [
        { key: ["a", "a"], count: 3, summaries: {} },
        { key: ["a", "b"], count: 1, summaries: {} },
        { key: ["b", "a"], count: 2, summaries: {} },
      ],
    });
    expect(grid.rows).toEqual(["a", "b"]);
    expect(grid.columns).toEqual(["a", "b"]);
    expect(grid.rowTotals).toEqual([4, 2]);
    expect(grid.columnTotals).toEqual([5, 1]);
    expect(grid.max).toBe(3);
  });
});

describe("filter errors", () => {
  it("underlines the whole word or string at the error position", () => {
    expect(errorSpan('row["truth"] != row["gues"]', 21)).toEqual([21, 25]);
    expect(errorSpan('row["truth"] = "x', 15)).toEqual([15, 17]);
    expect(errorSpan("abc", 10)).toEqual([3, 4]);
  });
});
