import { describe, expect, it } from "vitest";
import { sectionize, sectionOf } from "./sections";

describe("sectionize", () => {
  it("groups metrics by their prefix", () => {
    expect(sectionize(["val/loss", "train/loss", "val/acc", "lr"])).toEqual([
      { name: "Charts", keys: ["lr"] },
      { name: "train", keys: ["train/loss"] },
      { name: "val", keys: ["val/acc", "val/loss"] },
    ]);
  });

  it("uses the whole path before the last slash", () => {
    expect(sectionOf("eval/cifar/top1")).toBe("eval/cifar");
    expect(sectionOf("/odd")).toBe("Charts");
  });
});
