import { describe, expect, it } from "vitest";
import { PALETTE, runColor } from "./colors";

describe("runColor", () => {
  it("gives a run the same color every time", () => {
    expect(runColor("s401nt4n")).toBe(runColor("s401nt4n"));
  });

  it("picks from the palette and spreads runs over it", () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => runColor(`run-${i}`)));
    for (const color of used) expect(PALETTE).toContain(color);
    expect(used.size).toBeGreaterThan(PALETTE.length / 2);
  });
});
