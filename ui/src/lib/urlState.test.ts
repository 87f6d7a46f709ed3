import { describe, expect, it } from "vitest";
import { formatSort, formatVisible, parseFilters, parseSort, visibleRunIds, withParams } from "./urlState";

describe("url state", () => {
  it("round-trips sort keys, including dotted config columns", () => {
    const keys = parseSort("created_at:desc,config.model.lr:asc");
    expect(keys).toEqual([
      { id: "created_at", desc: true },
      { id: "config.model.lr", desc: false },
    ]);
    expect(formatSort(keys)).toBe("created_at:desc,config.model.lr:asc");
  });

  it("reads column filters from f. params", () => {
    const params = new URLSearchParams("f.state=running&f.config.lr=%3E0.1&q=x");
    expect(parseFilters(params)).toEqual([
      { id: "state", value: "running" },
      { id: "config.lr", value: ">0.1" },
    ]);
  });

  it("shows the first runs until the user picks", () => {
    expect([...visibleRunIds(new URLSearchParams(""), ["a", "b", "c"], 2)]).toEqual(["a", "b"]);
    expect([...visibleRunIds(new URLSearchParams("show=c"), ["a", "b", "c"], 2)]).toEqual(["c"]);
    expect([...visibleRunIds(new URLSearchParams("show=-"), ["a"], 2)]).toEqual([]);
    expect(formatVisible([])).toBe("-");
  });

  it("removes params set to null", () => {
    const next = withParams(new URLSearchParams("a=1&b=2"), { a: null, c: "3" });
    expect(next.toString()).toBe("b=2&c=3");
  });
});
