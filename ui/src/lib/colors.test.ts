import { describe, expect, it } from "vitest";
import { colorsByCreation, PALETTE, runColor } from "./colors";

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

describe("colorsByCreation", () => {
  it("gives consecutive runs different colors that do not move when runs are added", () => {
    const runs = [
      { id: "b", created_at: 2 },
      { id: "a", created_at: 1 },
      { id: "c", created_at: 3 },
    ];
    const colors = colorsByCreation(runs);
    expect(new Set(colors.values()).size).toBe(3);
    const later = colorsByCreation([...runs, { id: "d", created_at: 4 }]);
    for (const run of runs) expect(later.get(run.id)).toBe(colors.get(run.id));
  });
});
