import { describe, expect, it } from "vitest";
import type { Comment } from "./CommentApi";
import { indexComments, linkParts, threadCount } from "./CommentApi";

function comment(id: string, extra: Partial<Comment> = {}): Comment {
  return {
    id,
    report_id: "r",
    panel_id: null,
    parent_id: null,
    author: "ana",
    body: id,
    created_at: 0,
    edited_at: null,
    deleted: false,
    can_edit: true,
    can_delete: true,
    ...extra,
  };
}

describe("linkParts", () => {
  it("links http(s) addresses and leaves the sentence's punctuation out", () => {
    expect(linkParts("see https://example.org/a?b=1. or (http://x.io/p)")).toEqual([
      { text: "see " },
      { text: "https://example.org/a?b=1", href: "https://example.org/a?b=1" },
      { text: ". or (" },
      { text: "http://x.io/p", href: "http://x.io/p" },
      { text: ")" },
    ]);
  });

  it("never links other schemes and keeps markup as text", () => {
    const text = '<a href="javascript:alert(1)">x</a> javascript:alert(2)';
    expect(linkParts(text)).toEqual([{ text }]);
  });
});

describe("indexComments", () => {
  it("groups threads by panel; a removed panel's comments join the report's own", () => {
    const comments = [
      comment("a"),
      comment("b", { panel_id: "p1" }),
      comment("c", { panel_id: "gone" }),
      comment("d", { panel_id: "p1", parent_id: "b" }),
      comment("e", { panel_id: "p1", parent_id: "d", deleted: true }),
    ];
    const index = indexComments(comments, new Set(["p1"]));
    expect(index.top.get("")?.map((c) => c.id)).toEqual(["a", "c"]);
    expect(index.top.get("p1")?.map((c) => c.id)).toEqual(["b"]);
    expect(index.replies.get("b")?.map((c) => c.id)).toEqual(["d"]);
    // Deleted comments are not counted; replies of replies are.
    expect(threadCount(index.top.get("p1") ?? [], index.replies)).toBe(2);
  });
});
