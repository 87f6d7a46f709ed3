import { describe, expect, it } from "vitest";
import type { ImageCell, QueryResult } from "./api";
import { viewerStops } from "./viewerStops";

const image = (sha256: string): ImageCell => ({
  sha256,
  format: "png",
  width: 24,
  height: 24,
  caption: null,
  overlays: null,
});

function page(rows: Record<string, unknown>[], runs: number | null = null): QueryResult {
  return {
    columns: [
      { name: "id", type: "string" },
      { name: "image", type: "image", runs },
      { name: "guess", type: "string", runs },
    ],
    rows,
    labels: runs ? ["fc256", "fc1024"] : [],
    groups: null,
    offset: 20,
    size: 20,
    total: 45,
    query: null,
    runs: null,
  } as unknown as QueryResult;
}

describe("viewerStops", () => {
  it("steps through the same column of every row, with each row's other cells", () => {
    const images = [image("a"), image("b"), image("c")];
    const result = page(images.map((im, i) => ({ id: `r${i}`, image: im, guess: `g${i}` })));
    const { stops, index } = viewerStops(result, images[1] as ImageCell);
    expect(index).toBe(1);
    expect(stops.map((s) => s.image.sha256)).toEqual(["a", "b", "c"]);
    expect(stops[1]?.where).toBe("row 22 of 45");
    expect(stops[1]?.cells).toEqual([
      { name: "id", values: ["r1"] },
      { name: "guess", values: ["g1"] },
    ]);
  });

  it("keeps to the run an image of a joined row came from, and skips rows without it", () => {
    const a = [image("a0"), image("a1")];
    const b = [image("b0"), null];
    const c = [image("c0"), image("c1")];
    const result = page(
      [
        { id: "x", image: a, guess: ["A", "B"] },
        { id: "y", image: b, guess: ["A", null] },
        { id: "z", image: c, guess: ["C", "C"] },
      ],
      2,
    );
    const { stops, index } = viewerStops(result, c[1] as ImageCell);
    expect(stops.map((s) => s.image.sha256)).toEqual(["a1", "c1"]);
    expect(index).toBe(1);
    expect(stops[0]?.cells).toContainEqual({ name: "guess", values: ["A", "B"] });
    // Runs that agree are said once.
    expect(stops[1]?.cells).toContainEqual({ name: "guess", values: ["C"] });
  });

  it("steps through a group's strip and says which group it is", () => {
    const strip = [image("s0"), image("s1"), image("s2")];
    const result = {
      ...page([]),
      groups: {
        by: ["truth"],
        columns: [],
        limit: 20,
        offset: 0,
        total: 1,
        total_rows: 7,
        summaries: {},
        rows: [{ key: ["Fungi"], count: 7, summaries: { image: { kind: "images", images: strip, total: 7 } } }],
      },
    } as unknown as QueryResult;
    const { stops, index } = viewerStops(result, strip[2] as ImageCell);
    expect(index).toBe(2);
    expect(stops).toHaveLength(3);
    expect(stops[0]?.where).toBe("truth = Fungi");
    expect(stops[0]?.cells).toContainEqual({ name: "rows in group", values: [7] });
  });

  it("shows an image that is no longer on the page alone", () => {
    const lost = image("gone");
    expect(viewerStops(page([{ id: "x", image: image("a"), guess: "A" }]), lost)).toEqual({
      stops: [{ image: lost, where: "", cells: [] }],
      index: 0,
    });
  });
});
