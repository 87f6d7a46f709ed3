import { describe, expect, it } from "vitest";
import { queryDocument } from "./api";
import type { ExplorerState } from "./state";
import {
  DEFAULT_STATE,
  decodeList,
  decodeSort,
  encodeList,
  encodeSort,
  resetColumns,
  stateFromJSON,
  stateFromParams,
  stateToJSON,
  stateToParams,
  update,
} from "./state";

const busy: ExplorerState = {
  ...DEFAULT_STATE,
  filter: 'row["truth"] = "Plantae" and row["guess"] != "Plantae"',
  sort: [
    { column: "disagreement", descending: true },
    { column: "id", descending: false },
  ],
  group: ["truth", "guess"],
  derived: [{ name: "disagreement", expr: 'stddev(row["score_Amphibia"])' }],
  order: ["image", "guess"],
  hidden: ["score, odd", "100%"],
  pinned: ["image"],
  widths: { "a=b": 300, note: 48 },
  rowHeight: "xl",
  offset: 200,
  pageSize: 500,
  merge: "side_by_side",
  on: "image",
  how: "outer",
  panels: [0, 2, 1],
  step: 4,
  compare: 0,
  histogram: "side",
  groupView: "list",
};

describe("explorer URL state", () => {
  it("round-trips every setting through search params", () => {
    expect(stateFromParams(stateToParams(busy))).toEqual(busy);
  });

  it("leaves defaults out of the URL", () => {
    expect(stateToParams(DEFAULT_STATE).toString()).toBe("");
    expect(stateFromParams(new URLSearchParams())).toEqual(DEFAULT_STATE);
  });

  it("keeps other params and honours a prefix", () => {
    const params = stateToParams({ ...DEFAULT_STATE, filter: "x" }, new URLSearchParams("runs=a,b"), "p1.");
    expect(params.get("runs")).toBe("a,b");
    expect(params.get("p1.filter")).toBe("x");
    expect(stateFromParams(params, "p1.").filter).toBe("x");
    expect(stateFromParams(params).filter).toBe("");
  });

  it("survives column names with commas, percents and leading dashes", () => {
    const names = ["a,b", "50%", "%2C", "-neg", ""];
    expect(decodeList(encodeList(names))).toEqual(names);
    const keys = [
      { column: "-neg", descending: false },
      { column: "-neg", descending: true },
      { column: "a,b", descending: true },
    ];
    expect(decodeSort(encodeSort(keys))).toEqual(keys);
  });

  it("ignores malformed params", () => {
    const params = new URLSearchParams("rows=huge&offset=-3&size=abc&merge=zip&derive={bad&step=x&panels=1,a,2");
    const state = stateFromParams(params);
    expect(state.rowHeight).toBe("m");
    expect(state.offset).toBe(0);
    expect(state.pageSize).toBe(100);
    expect(state.merge).toBe("join");
    expect(state.derived).toEqual([]);
    expect(state.step).toBeNull();
    expect(state.panels).toEqual([1, 2]);
  });

  it("keeps column widths within bounds", () => {
    expect(stateFromParams(new URLSearchParams("widths=a%3D5,b%3D99999,c%3Dx")).widths).toEqual({ a: 48, b: 1200 });
  });

  it("caps the page size and the group depth", () => {
    const state = stateFromParams(new URLSearchParams("size=100000&group=a,b,c"));
    expect(state.pageSize).toBe(1000);
    expect(state.group).toEqual(["a", "b"]);
  });
});

describe("explorer JSON state (reports)", () => {
  it("stores only what differs from the defaults and reads it back", () => {
    expect(stateToJSON(DEFAULT_STATE)).toEqual({});
    const json = JSON.parse(JSON.stringify(stateToJSON(busy))) as unknown;
    expect(stateFromJSON(json)).toEqual(busy);
  });

  it("validates stored JSON field by field", () => {
    expect(stateFromJSON(null)).toEqual(DEFAULT_STATE);
    const state = stateFromJSON({ rowHeight: "giant", filter: 3, sort: [{ column: "x", descending: true }, 7] });
    expect(state.rowHeight).toBe("m");
    expect(state.filter).toBe("");
    expect(state.sort).toEqual([{ column: "x", descending: true }]);
  });
});

describe("explorer state changes", () => {
  it("goes back to the first page when the rows change, not when the look changes", () => {
    const paged = { ...DEFAULT_STATE, offset: 300 };
    expect(update(paged, { filter: 'row["x"] > 1' }).offset).toBe(0);
    expect(update(paged, { rowHeight: "l" }).offset).toBe(300);
    expect(update(paged, { offset: 400 }).offset).toBe(400);
  });

  it("resets columns to the table as logged", () => {
    const state = resetColumns(busy);
    expect([state.order, state.hidden, state.pinned, state.widths]).toEqual([[], [], [], {}]);
    expect(state.filter).toBe(busy.filter);
  });
});

describe("query documents", () => {
  it("turns a view into the server's query document", () => {
    const doc = queryDocument({ ...busy, merge: "join", groupView: "list" }, 2);
    expect(doc).toEqual({
      version: 1,
      merge: { mode: "join", how: "outer", on: "image" },
      filter: busy.filter,
      columns: busy.derived,
      sort: busy.sort,
      group: { by: ["truth", "guess"], top_n: 100, bins: 12, images_per_group: 24 },
      page: { offset: 200, size: 500 },
    });
  });

  it("uses one table, a side-by-side index, or all groups for a confusion grid", () => {
    expect(queryDocument(DEFAULT_STATE, 1).merge).toEqual({ mode: "table" });
    expect(queryDocument(DEFAULT_STATE, 3, 2).merge).toEqual({ mode: "side_by_side", index: 2 });
    expect(queryDocument({ ...DEFAULT_STATE, merge: "concat" }, 2).merge).toEqual({ mode: "concat" });
    const grid = queryDocument({ ...DEFAULT_STATE, group: ["truth", "guess"], offset: 100 }, 1);
    expect(grid.page).toEqual({ offset: 0, size: 1000 });
    // The grid draws counts only: no value lists or images per pair.
    expect(grid.group).toEqual({ by: ["truth", "guess"], top_n: 0, bins: 12, images_per_group: 0 });
    expect(queryDocument({ ...DEFAULT_STATE, filter: "   " }, 1).filter).toBeUndefined();
  });
});
