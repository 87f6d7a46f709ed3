import { describe, expect, it } from "vitest";
import { matchesSearch, parseFilter } from "./filters";

describe("parseFilter", () => {
  it("compares numbers", () => {
    expect(parseFilter("> 0.5")(0.7)).toBe(true);
    expect(parseFilter("> 0.5")(0.2)).toBe(false);
    expect(parseFilter("<=3")(3)).toBe(true);
    expect(parseFilter("=1024")(1024)).toBe(true);
    expect(parseFilter("!=1024")(256)).toBe(true);
  });

  it("accepts ranges", () => {
    const inRange = parseFilter("1e-4..1e-3");
    expect(inRange(3e-4)).toBe(true);
    expect(inRange(0.1)).toBe(false);
  });

  it("matches text by substring, exactly, or negated", () => {
    expect(parseFilter("ADA")("adam")).toBe(true);
    expect(parseFilter("=adam")("adamw")).toBe(false);
    expect(parseFilter("!adam")("rmsprop")).toBe(true);
    expect(parseFilter("!=adam")("adam")).toBe(false);
  });

  it("never matches a number filter on a missing value", () => {
    expect(parseFilter("> 1")(undefined)).toBe(false);
    expect(parseFilter("")(undefined)).toBe(true);
  });
});

describe("matchesSearch", () => {
  const run = { id: "abc123", name: "iv3 fc 256", tags: ["baseline"], group: "fc", job_type: "train", notes: "" };
  it("needs every word somewhere in the run", () => {
    expect(matchesSearch(run, "fc baseline")).toBe(true);
    expect(matchesSearch(run, "fc eval")).toBe(false);
    expect(matchesSearch(run, "  ")).toBe(true);
  });
});
