// A report's comments: read once per page, added, edited and deleted through the public API.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../api/client";
import { api, unwrap } from "../api/client";

export type Comment = Schemas["Comment"];
export type CommentList = Schemas["CommentList"];

/** Characters a comment may hold (the server refuses more with a 422 naming the limit). */
export const MAX_COMMENT = 10_000;

const key = (project: string, reportId: string) => ["comments", project, reportId];

export function useComments(project: string, reportId: string) {
  return useQuery({
    queryKey: key(project, reportId),
    queryFn: async (): Promise<CommentList> =>
      unwrap(
        await api.GET("/api/projects/{project}/reports/{report_id}/comments", {
          params: { path: { project, report_id: reportId } },
        }),
      ),
  });
}

export function useCommentMutations(project: string, reportId: string) {
  const client = useQueryClient();
  const refresh = () => void client.invalidateQueries({ queryKey: key(project, reportId) });
  const path = { project, report_id: reportId };
  return {
    add: useMutation({
      mutationFn: async (body: Schemas["CommentInput"]): Promise<Comment> =>
        unwrap(await api.POST("/api/projects/{project}/reports/{report_id}/comments", { params: { path }, body })),
      onSuccess: refresh,
    }),
    edit: useMutation({
      mutationFn: async ({ id, body }: { id: string; body: string }): Promise<Comment> =>
        unwrap(
          await api.PUT("/api/projects/{project}/reports/{report_id}/comments/{comment_id}", {
            params: { path: { ...path, comment_id: id } },
            body: { body },
          }),
        ),
      onSuccess: refresh,
    }),
    remove: useMutation({
      mutationFn: async (id: string): Promise<void> => {
        unwrap(
          await api.DELETE("/api/projects/{project}/reports/{report_id}/comments/{comment_id}", {
            params: { path: { ...path, comment_id: id } },
          }),
        );
      },
      onSuccess: refresh,
    }),
  };
}

/** Comments by where they are shown: each panel's threads, and the report's own. */
export interface CommentIndex {
  /** Top-level comments per panel id ("" for the report itself), oldest first. */
  top: Map<string, Comment[]>;
  /** Replies per parent id, oldest first. */
  replies: Map<string, Comment[]>;
}

export function indexComments(comments: Comment[], panelIds: Set<string>): CommentIndex {
  const top = new Map<string, Comment[]>();
  const replies = new Map<string, Comment[]>();
  const push = (map: Map<string, Comment[]>, at: string, comment: Comment) =>
    map.set(at, [...(map.get(at) ?? []), comment]);
  for (const comment of comments) {
    if (comment.parent_id) push(replies, comment.parent_id, comment);
    // A comment on a panel since removed from the report joins the report's own.
    else push(top, comment.panel_id && panelIds.has(comment.panel_id) ? comment.panel_id : "", comment);
  }
  return { top, replies };
}

/** How many comments (not deleted) a thread holds, its replies' replies included. */
export function threadCount(comments: Comment[], replies: Map<string, Comment[]>): number {
  return comments.reduce((sum, c) => sum + (c.deleted ? 0 : 1) + threadCount(replies.get(c.id) ?? [], replies), 0);
}

/** Text split into plain parts and http(s) links; the page renders both as text nodes. */
export function linkParts(text: string): { text: string; href?: string }[] {
  const parts: { text: string; href?: string }[] = [];
  const pattern = /https?:\/\/[^\s<>"']+/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    // Trailing punctuation usually ends the sentence, not the link.
    const url = match[0].replace(/[.,;:!?)\]}]+$/, "");
    const start = match.index ?? 0;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
