import { describe, expect, it } from "vitest";
import type { ArtifactFile } from "./api";
import { baseName, buildTree, findFolder } from "./fileTree";

const file = (path: string, size = 1): ArtifactFile => ({ path, size, kind: "file", preview: "binary" });

describe("buildTree", () => {
  it("nests folders, sums sizes and counts, sorts folders then files", () => {
    const root = buildTree([
      file("b.txt", 2),
      file("train/Aves/1.png", 3),
      file("train/Aves/0.png", 4),
      file("a/x.json", 5),
    ]);
    expect(root.folders.map((f) => f.name)).toEqual(["a", "train"]);
    expect(root.files.map((f) => f.path)).toEqual(["b.txt"]);
    expect(root.size).toBe(14);
    expect(root.count).toBe(4);
    const aves = findFolder(root, "train/Aves");
    expect(aves?.files.map((f) => baseName(f.path))).toEqual(["0.png", "1.png"]);
    expect(aves?.size).toBe(7);
    expect(findFolder(root, "nope")).toBeNull();
  });
});
