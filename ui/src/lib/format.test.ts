import { describe, expect, it } from "vitest";
import { formatAgo, formatDuration, formatNumber, formatValue, plural } from "./format";

describe("format", () => {
  it("formats durations for people", () => {
    expect(formatDuration(4.21)).toBe("4.2s");
    expect(formatDuration(185)).toBe("3m 05s");
    expect(formatDuration(3 * 3600 + 120)).toBe("3h 02m");
    expect(formatDuration(null)).toBe("–");
  });

  it("keeps four significant digits and switches to exponents when tiny", () => {
    expect(formatNumber(0.123456)).toBe("0.1235");
    expect(formatNumber(0.00001234)).toBe("1.234e-5");
    expect(formatNumber(42)).toBe("42");
    expect(formatNumber(0.0003)).toBe("0.0003");
    expect(formatNumber(2e-7)).toBe("2e-7");
    expect(formatValue("NaN")).toBe("NaN");
    expect(formatValue(null)).toBe("–");
  });

  it("says how long ago", () => {
    expect(formatAgo(1000, 1030)).toBe("just now");
    expect(formatAgo(0, 7200)).toBe("2 h ago");
  });

  it("says one of a thing, and many things", () => {
    expect(plural(1, "project")).toBe("1 project");
    expect(plural(0, "file")).toBe("0 files");
    expect(plural(2, "file")).toBe("2 files");
    expect(plural(1200, "row")).toBe("1,200 rows");
    expect(plural(1, "class", "classes")).toBe("1 class");
    expect(plural(3, "class", "classes")).toBe("3 classes");
  });
});
