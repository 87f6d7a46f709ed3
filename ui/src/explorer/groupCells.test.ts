import { describe, expect, it } from "vitest";
import type { ImageCell, ScalarSummary, Summary } from "./api";
import {
  clampStart,
  groupImagesDocument,
  MIN_THUMB,
  othersCondition,
  stripGeometry,
  stripLines,
  valueList,
} from "./groupCells";

const values = (pairs: [unknown, number][], distinct = pairs.length, other = 0): ScalarSummary => ({
  kind: "values",
  values: pairs.map(([value, count]) => ({ value: value as string, count })),
  distinct,
  other,
});

const image = (sha: string): ImageCell => ({
  sha256: sha,
  format: "png",
  width: 24,
  height: 24,
  caption: null,
  overlays: null,
});

const images = (shas: string[], total = shas.length): ScalarSummary => ({
  kind: "images",
  images: shas.map(image),
  total,
});

describe("value lists", () => {
  it("lists every value sent with its count, nothing hidden when all were sent", () => {
    const list = valueList(
      values([
        ["Aves", 3],
        ["Fungi", 3],
        ["Insecta", 2],
      ]),
    );
    expect(list.lines).toEqual([
      { value: "Aves", counts: [3] },
      { value: "Fungi", counts: [3] },
      { value: "Insecta", counts: [2] },
    ]);
    expect([list.hiddenValues, list.hiddenRows, list.hiddenRun]).toEqual([0, 0, null]);
  });

  it("counts the values the server left out from distinct and other, not from what fits", () => {
    const list = valueList(
      values(
        [
          ["a", 50],
          ["b", 20],
        ],
        7,
        30,
      ),
    );
    expect(list.lines).toHaveLength(2);
    expect([list.hiddenValues, list.hiddenRows]).toEqual([5, 30]);
  });

  it("merges the runs' lists: each value once, a zero where a run lacks it", () => {
    const merged: Summary = {
      kind: "runs",
      runs: [
        values([
          ["Aves", 4],
          ["Fungi", 1],
        ]),
        values(
          [
            ["Fungi", 3],
            ["Insecta", 2],
          ],
          4,
          1,
        ),
      ],
    };
    const list = valueList(merged);
    expect(list.lines).toEqual([
      { value: "Aves", counts: [4, 0] },
      { value: "Fungi", counts: [1, 3] },
      { value: "Insecta", counts: [0, 2] },
    ]);
    expect([list.hiddenValues, list.hiddenRows, list.hiddenRun]).toEqual([2, 1, 1]);
  });

  it("keeps a missing value as a value of its own", () => {
    expect(
      valueList(
        values([
          [null, 2],
          ["x", 1],
        ]),
      ).lines.map((l) => l.value),
    ).toEqual([null, "x"]);
  });
});

describe("the condition for values not listed", () => {
  it("keeps rows holding none of the listed values, and missing ones", () => {
    expect(othersCondition("label", null, ["Aves", "Fungi"])).toBe(
      '(row["label"] = null or row["label"] not in ["Aves", "Fungi"])',
    );
  });

  it("leaves missing values out when null was listed, and names the run of a merged column", () => {
    expect(othersCondition("guess", 1, [null, true])).toBe('row["guess"][1] != null and row["guess"][1] not in [true]');
    expect(othersCondition("guess", null, [null])).toBe('row["guess"] != null');
    expect(othersCondition("meta", null, [{ a: 1 }, "x"])).toBe("");
  });
});

describe("image strips", () => {
  it("draws a merged column once when every run holds the same images", () => {
    const same: Summary = { kind: "runs", runs: [images(["a", "b"], 9), images(["a", "b"], 9)] };
    expect(stripLines(same)).toEqual([{ run: null, images: [image("a"), image("b")], total: 9 }]);
  });

  it("gives each run its line when their images differ", () => {
    const differ: Summary = { kind: "runs", runs: [images(["a", "b"]), images(["a", "c"])] };
    expect(stripLines(differ).map((line) => [line.run, line.images.map((i) => i.sha256)])).toEqual([
      [0, ["a", "b"]],
      [1, ["a", "c"]],
    ]);
    expect(stripLines(images(["a"])).map((line) => line.run)).toEqual([null]);
  });

  it("fills the cell's width with thumbnails, never smaller than the minimum", () => {
    // 94 px tall, one line: up to 86 px; 300 px less 40 reserved holds three of 84 px.
    expect(stripGeometry(300, 94, 1, 40)).toEqual({ size: 84, perRow: 3, rows: 1, perPage: 3 });
    expect(stripGeometry(900, 94, 1, 40)).toMatchObject({ size: 82, perPage: 10 });
    // Five runs in a short row would be 14 px each: they stay at the minimum and scroll.
    expect(stripGeometry(300, 94, 5, 40)).toMatchObject({ size: MIN_THUMB, rows: 1 });
    for (const width of [120, 260, 333, 700, 1200]) {
      const { size, perRow } = stripGeometry(width, 94, 1, 40);
      expect(perRow * (size + 4)).toBeLessThanOrEqual(width - 40 + 4);
    }
  });

  it("wraps one line into rows of thumbnails in a tall cell", () => {
    // 250 px tall: two rows of three 84 px thumbnails in 300 px.
    expect(stripGeometry(300, 250, 1, 40)).toEqual({ size: 84, perRow: 3, rows: 2, perPage: 6 });
    // One line per run stays one row each.
    expect(stripGeometry(300, 250, 2, 40)).toMatchObject({ rows: 1, perPage: 3 });
  });

  it("keeps the page start inside the images, on a page boundary", () => {
    expect(clampStart(6, 3, 24)).toBe(6);
    expect(clampStart(7, 3, 24)).toBe(6);
    expect(clampStart(30, 3, 24)).toBe(21);
    expect(clampStart(8, 5, 10)).toBe(5);
    expect(clampStart(4, 3, 0)).toBe(0);
  });
});

describe("reading more of a group's images", () => {
  const view = {
    version: 1,
    merge: { mode: "join", how: "inner" },
    filter: 'row["score"] > 0.5',
    sort: [{ column: "score", descending: true }],
    group: { by: ["truth", "split"], top_n: 100 },
    page: { offset: 0, size: 100 },
  };

  it("narrows the view to the group and to rows with an image, in table order", () => {
    const doc = groupImagesDocument(view, {
      by: ["truth", "split"],
      key: ["Aves", null],
      column: "image",
      run: null,
      offset: 24,
      size: 48,
    });
    expect(doc).toEqual({
      version: 1,
      merge: { mode: "join", how: "inner" },
      filter: 'row["score"] > 0.5 and row["truth"] = "Aves" and is_null(row["split"]) and row["image"] != null',
      page: { offset: 24, size: 48 },
    });
  });

  it("matches every run's value of a merged key, and reads one run's images", () => {
    const doc = groupImagesDocument(
      { version: 1 },
      { by: ["guess"], key: [["Aves", "Fungi"]], column: "image", run: 1, offset: 0, size: 24 },
    );
    expect(doc.filter).toBe('row["guess"][0] = "Aves" and row["guess"][1] = "Fungi" and row["image"][1] != null');
  });
});
