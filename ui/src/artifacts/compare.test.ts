import { describe, expect, it } from "vitest";
import type { RunRef } from "./api";
import { keysOf, parseVersions, previousVersion, versionColor, versionColors } from "./compare";

const run = (id: string): RunRef => ({
  id,
  name: `run ${id}`,
  project: "p",
  job_type: "train",
  state: "finished",
  exists: true,
});
const entry = (key: string, step: number) => ({ key, step, n_rows: 1, table_id: `${key}-${step}` });

describe("parseVersions", () => {
  it("keeps the order, drops blanks and repeats", () => {
    expect(parseVersions("v3, v0,,v3,best")).toEqual(["v3", "v0", "best"]);
    expect(parseVersions(null)).toEqual([]);
  });
});

describe("previousVersion", () => {
  const versions = [0, 1, 3, 5].map((number) => ({ number, version: `v${number}` }));
  it("picks the nearest earlier version that still exists", () => {
    expect(previousVersion(versions, 5)).toBe("v3");
    expect(previousVersion(versions, 3)).toBe("v1");
    expect(previousVersion(versions, 4)).toBe("v3");
  });
  it("is null for the first version", () => {
    expect(previousVersion(versions, 0)).toBeNull();
    expect(previousVersion([], 2)).toBeNull();
  });
});

describe("versionColor", () => {
  it("gives neighbours different colours", () => {
    expect(versionColor(0)).not.toEqual(versionColor(1));
    expect(versionColor(12)).toEqual(versionColor(0));
  });
});

describe("keysOf", () => {
  it("groups the runs by key, with sorted steps, keys logged by more runs first", () => {
    const keys = keysOf(
      [run("a"), run("b")],
      [[entry("val", 2), entry("val", 0), entry("solo", 0)], [entry("val", 0)]],
    );
    expect(keys.map((k) => k.key)).toEqual(["val", "solo"]);
    expect(keys[0]?.runs.map((r) => [r.run.id, r.steps])).toEqual([
      ["a", [0, 2]],
      ["b", [0]],
    ]);
  });
  it("leaves out runs whose tables are not known yet", () => {
    expect(keysOf([run("a")], [undefined])).toEqual([]);
  });
});

describe("versionColors", () => {
  const colorOf = (id: string) => ({ a: "#aa0000", b: "#00bb00", c: "#aa0000" })[id] ?? "#999999";

  it("colours each version as the run that logged it", () => {
    expect(versionColors([{ created_by: run("a") }, { created_by: run("b") }], colorOf)).toEqual([
      "#aa0000",
      "#00bb00",
    ]);
  });

  it("falls back to the palette by place when runs are shared, missing or look alike", () => {
    const byPlace = [versionColor(0), versionColor(1)];
    expect(versionColors([{ created_by: run("a") }, { created_by: run("a") }], colorOf)).toEqual(byPlace);
    expect(versionColors([{ created_by: run("a") }, { created_by: null }], colorOf)).toEqual(byPlace);
    expect(versionColors([{ created_by: run("a") }, { created_by: run("c") }], colorOf)).toEqual(byPlace);
  });
});
