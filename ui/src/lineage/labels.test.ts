import { describe, expect, it } from "vitest";
import { displayLabels, middleTruncate } from "./labels";

// A label box that holds 16 characters.
const fits = (text: string) => text.length <= 16;

describe("middleTruncate", () => {
  it("keeps a label that fits", () => {
    expect(middleTruncate("infer-fc256", fits)).toBe("infer-fc256");
  });

  it("takes characters from the middle, keeping both ends", () => {
    const shown = middleTruncate("infer-fc1024-rmsprop-e5", fits);
    expect(shown.length).toBe(16);
    expect(shown.startsWith("infer-")).toBe(true);
    expect(shown.endsWith("prop-e5")).toBe(true);
    expect(shown).toContain("…");
  });
});

describe("displayLabels", () => {
  it("tells apart names that differ only at the end", () => {
    const labels = ["infer-fc1024-rmsprop-e5", "infer-fc1024-rmsprop-e1", "infer-fc256-adam-e5"];
    const shown = displayLabels(labels, fits);
    expect(new Set(shown).size).toBe(3);
    for (const text of shown) expect(fits(text)).toBe(true);
  });

  it("shows where names differ when the middle is what tells them apart", () => {
    const labels = ["evaluate-model-alpha-shard-final", "evaluate-model-gamma-shard-final"];
    const shown = displayLabels(labels, fits);
    expect(shown[0]).not.toBe(shown[1]);
    expect(shown[0]).toContain("alpha");
    expect(shown[1]).toContain("gamma");
    for (const text of shown) expect(fits(text)).toBe(true);
  });

  it("leaves equal names equal and short names whole", () => {
    expect(displayLabels(["train", "train", "upload raw"], fits)).toEqual(["train", "train", "upload raw"]);
  });
});
