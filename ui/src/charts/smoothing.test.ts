import { describe, expect, it } from "vitest";
import { smooth } from "./smoothing";

describe("smooth", () => {
  it("leaves values unchanged at weight 0", () => {
    expect(smooth([1, 5, 2], 0)).toEqual([1, 5, 2]);
  });

  it("starts at the first value instead of zero", () => {
    expect(smooth([10, 10, 10], 0.9)).toEqual([10, 10, 10].map(() => expect.closeTo(10, 9)));
  });

  it("damps a spike and keeps gaps", () => {
    const out = smooth([1, 1, 100, null, 1], 0.8);
    expect(out[2]).toBeLessThan(100);
    expect(out[2]).toBeGreaterThan(1);
    expect(out[3]).toBeNull();
  });
});
