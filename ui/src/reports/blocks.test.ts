import { describe, expect, it } from "vitest";
import { missingRuns, moveBlock, newMarkdown, newPanel, removeBlock, toggleRun } from "./blocks";

describe("report blocks", () => {
  it("moves a block up and down, clamped at the ends", () => {
    expect(moveBlock(["a", "b", "c"], 2, -1)).toEqual(["a", "c", "b"]);
    expect(moveBlock(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
    expect(moveBlock(["a", "b", "c"], 0, 5)).toEqual(["b", "c", "a"]);
  });
  it("makes blocks with unique ids and panel defaults", () => {
    const a = newMarkdown("x");
    const b = newPanel("evaluation");
    expect(a.id).not.toBe(b.id);
    expect(b.config).toMatchObject({ truth: "truth", guess: "guess" });
    expect(removeBlock([a, b], a.id)).toEqual([b]);
  });
  it("toggles runs in a run set and finds deleted ones", () => {
    const runs = toggleRun([], "r1");
    expect(runs).toEqual([{ id: "r1", visible: true }]);
    expect(toggleRun(runs, "r1")).toEqual([{ id: "r1", visible: false }]);
    expect(missingRuns([...runs, { id: "gone", visible: true }], new Set(["r1"]))).toEqual([
      { id: "gone", visible: true },
    ]);
  });
});
