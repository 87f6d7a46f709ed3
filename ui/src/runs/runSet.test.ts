import { describe, expect, it } from "vitest";
import {
  ACROSS_RUNS_COLOR,
  cellColors,
  identify,
  onlyThis,
  parseKeySelection,
  projectRunSet,
  reportRunSet,
  searchMembers,
  selectedMembers,
  sourceIndexOf,
  toggleHidden,
  withHidden,
} from "./runSet";

const runs = [
  { id: "r3", name: "fc 2048", created_at: 30 },
  { id: "r1", name: "fc 512", created_at: 10 },
  { id: "r2", name: "fc 1024", created_at: 20 },
];
const colorOf = (id: string) => `#00000${id.slice(1)}`;

describe("projectRunSet", () => {
  it("orders runs by creation, whatever order they are asked in", () => {
    const set = projectRunSet(runs, ["r3", "r1", "r2"], new Set(), colorOf);
    expect(set.map((m) => [m.name, m.index])).toEqual([
      ["fc 512", 0],
      ["fc 1024", 1],
      ["fc 2048", 2],
    ]);
  });

  it("indexes only the visible runs and keeps every run's colour when one is hidden", () => {
    const set = projectRunSet(runs, ["r1", "r2", "r3"], new Set(["r2"]), colorOf);
    expect(set.map((m) => [m.id, m.index, m.color])).toEqual([
      ["r1", 0, "#000001"],
      ["r2", null, "#000002"],
      ["r3", 1, "#000003"],
    ]);
  });

  it("accepts run names and leaves out runs the project does not have", () => {
    const set = projectRunSet(runs, ["fc 2048", "gone"], new Set(), colorOf);
    expect(set.map((m) => m.id)).toEqual(["r3"]);
  });
});

describe("toggles", () => {
  const members = identify([
    { id: "a", name: "a", color: "#1", visible: true },
    { id: "b", name: "b", color: "#2", visible: true },
    { id: "c", name: "c", color: "#3", visible: false },
  ]);

  it("the eye hides and shows one run", () => {
    const hidden = toggleHidden(new Set(["c"]), "a");
    expect([...hidden].sort()).toEqual(["a", "c"]);
    expect([...toggleHidden(hidden, "a")]).toEqual(["c"]);
  });

  it("only this hides every other run, hidden ones included", () => {
    expect([...onlyThis(members, "c")].sort()).toEqual(["a", "b"]);
  });

  it("search matches names and ids, case-insensitively", () => {
    expect(searchMembers(members, " B ").map((m) => m.id)).toEqual(["b"]);
    expect(searchMembers(members, "").length).toBe(3);
  });
});

describe("parseKeySelection", () => {
  it("reads a trailing index as the run to show", () => {
    expect(parseKeySelection("predictions[2]")).toEqual({ key: "predictions", index: 2 });
    expect(parseKeySelection(" val/predictions [0] ")).toEqual({ key: "val/predictions", index: 0 });
  });

  it("leaves a key without an index whole", () => {
    expect(parseKeySelection("predictions")).toEqual({ key: "predictions", index: null });
    expect(parseKeySelection("a[x]")).toEqual({ key: "a[x]", index: null });
  });

  it("selects the run whose index is typed, among the visible runs", () => {
    const set = projectRunSet(runs, ["r1", "r2", "r3"], new Set(["r1"]), colorOf);
    expect(selectedMembers(set, 1).map((m) => m.id)).toEqual(["r3"]);
    expect(selectedMembers(set, null).map((m) => m.id)).toEqual(["r2", "r3"]);
    expect(selectedMembers(set, 5)).toEqual([]);
  });
});

describe("sourceIndexOf", () => {
  const refs = [
    { run_id: "abc", key: "predictions", step: null },
    { run_id: "def", key: "predictions", step: 3 },
    { artifact: "model:v1", name: "val" },
  ];

  it("finds the run a concatenated row came from", () => {
    expect(sourceIndexOf("inat/def/predictions@3", refs)).toBe(1);
    expect(sourceIndexOf("inat/abc/predictions@0", refs)).toBe(0);
    expect(sourceIndexOf("inat/model:v1/val", refs)).toBe(2);
    expect(sourceIndexOf("inat/xyz/predictions@0", refs)).toBeNull();
    expect(sourceIndexOf(null, refs)).toBeNull();
  });

  it("tells one run's table at two steps apart", () => {
    const steps = [
      { run_id: "abc", key: "predictions", step: null },
      { run_id: "abc", key: "predictions", step: 0 },
    ];
    expect(sourceIndexOf("inat/abc/predictions@0", steps)).toBe(1);
    expect(sourceIndexOf("inat/abc/predictions@4", steps)).toBe(0);
  });
});

describe("cellColors", () => {
  const colors = ["#a", "#b", "#c"];

  it("draws a merged column's runs in their colours and a value across runs in gray", () => {
    expect(cellColors(colors, true, null)).toEqual(colors);
    expect(cellColors(colors, false, null)).toEqual([ACROSS_RUNS_COLOR]);
  });

  it("draws a group of one run in that run's colour, and a single table in its run's", () => {
    expect(cellColors(colors, false, 2)).toEqual(["#c"]);
    expect(cellColors(["#a"], false, null)).toEqual(["#a"]);
  });
});

describe("reportRunSet", () => {
  it("keeps the report's colours, falls back to the project's, and orders by creation", () => {
    const entries = [
      { id: "r3", visible: true, color: "#ff0000" },
      { id: "r1", visible: false },
      { id: "deleted", visible: true },
    ];
    const set = reportRunSet(runs, entries, colorOf);
    expect(set.map((m) => [m.id, m.index, m.color])).toEqual([
      ["r1", null, "#000001"],
      ["r3", 0, "#ff0000"],
    ]);
  });

  it("writes toggles back without losing order or colours", () => {
    const entries = [
      { id: "r3", visible: true, color: "#ff0000" },
      { id: "r1", visible: false },
    ];
    expect(withHidden(entries, new Set(["r3"]))).toEqual([
      { id: "r3", visible: false, color: "#ff0000" },
      { id: "r1", visible: true },
    ]);
  });
});
