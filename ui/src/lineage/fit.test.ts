import { describe, expect, it } from "vitest";
import { legibleViewport } from "./fit";

const options = { legible: 0.85, maxZoom: 1.1, padding: 20 };

describe("legibleViewport", () => {
  it("centres a graph that fits, at no more than the largest zoom", () => {
    const view = legibleViewport({ x: 0, y: 0, width: 460, height: 60 }, 1000, 400, { x: 0, y: 0 }, options);
    expect(view.zoom).toBe(1.1);
    // The graph's centre lands on the box's centre.
    expect(view.x + 230 * view.zoom).toBeCloseTo(500);
    expect(view.y + 30 * view.zoom).toBeCloseTo(200);
  });

  it("shrinks a graph to fit while its labels stay legible", () => {
    const view = legibleViewport({ x: 0, y: 0, width: 1040, height: 100 }, 1000, 400, { x: 0, y: 0 }, options);
    expect(view.zoom).toBeCloseTo(1000 / 1080);
    expect(view.x + 520 * view.zoom).toBeCloseTo(500);
  });

  it("keeps the legible zoom for a wide graph, centred on the focus, never past its ends", () => {
    const graph = { x: 0, y: 0, width: 3000, height: 100 };
    const middle = legibleViewport(graph, 1000, 400, { x: 1500, y: 50 }, options);
    expect(middle.zoom).toBe(0.85);
    expect(middle.x + 1500 * 0.85).toBeCloseTo(500);
    expect(middle.y + 50 * 0.85).toBeCloseTo(200);
    // A focus at the graph's start puts the start (with its padding) at the box's left edge.
    const start = legibleViewport(graph, 1000, 400, { x: 10, y: 50 }, options);
    expect(start.x + (0 - 20) * 0.85).toBeCloseTo(0);
    const end = legibleViewport(graph, 1000, 400, { x: 2990, y: 50 }, options);
    expect(end.x + (3000 + 20) * 0.85).toBeCloseTo(1000);
  });
});
