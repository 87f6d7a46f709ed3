import { describe, expect, it } from "vitest";
import { missingRuns, moveBlock, newMarkdown, newPanel, removeBlock, runStep, toggleRun } from "./blocks";
import { matchingKeys, stepsOf } from "./KeyPicker";

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
  it("reads each run's table at the panel's step, or its latest when another run has that step", () => {
    expect(runStep(null, [0, 1], [0, 1, 2])).toBeNull();
    expect(runStep(2, [0, 1, 2], [0, 1, 2])).toBe(2);
    expect(runStep(2, [0, 1], [0, 1, 2])).toBeNull();
    // No run has step 7: each run is asked for it and says which steps it has.
    expect(runStep(7, [0, 1], [0, 1, 2])).toBe(7);
  });
});

describe("key picker", () => {
  const keys = [
    { key: "split_table", runs: [{ run_id: "a", steps: [0] }] },
    { key: "test_predictions", runs: [{ run_id: "b", steps: [0] }] },
    {
      key: "val_predictions",
      runs: [
        { run_id: "c", steps: [0, 1] },
        { run_id: "d", steps: [1, 4] },
      ],
    },
  ];
  it("lists keys containing the typed text, those starting with it first, ignoring a run index", () => {
    expect(matchingKeys(keys, "").map((k) => k.key)).toEqual(["split_table", "test_predictions", "val_predictions"]);
    expect(matchingKeys(keys, "pred").map((k) => k.key)).toEqual(["test_predictions", "val_predictions"]);
    expect(matchingKeys(keys, "val").map((k) => k.key)).toEqual(["val_predictions"]);
    expect(matchingKeys(keys, "val_predictions[1]").map((k) => k.key)).toEqual(["val_predictions"]);
    expect(matchingKeys(keys, "t").map((k) => k.key)).toEqual(["test_predictions", "split_table", "val_predictions"]);
  });
  it("gives the steps any run logged a key at", () => {
    expect(stepsOf(keys, "val_predictions")).toEqual([0, 1, 4]);
    expect(stepsOf(keys, "nope")).toEqual([]);
    expect(stepsOf(undefined, "val_predictions")).toEqual([]);
  });
});
