// Comment threads of a report: the report's own at the end of the page, and each panel's under
// the panel (a count that opens its thread). Plain text only: links are the one thing made
// clickable, and everything else is a React text node, so no comment can inject markup.
import type { ReactNode } from "react";
import { createContext, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { Comment, CommentIndex } from "./CommentApi";
import { indexComments, linkParts, MAX_COMMENT, threadCount, useCommentMutations, useComments } from "./CommentApi";
import "./Comments.css";

interface CommentsContext {
  index: CommentIndex;
  canComment: boolean;
  user: string;
  mutations: ReturnType<typeof useCommentMutations>;
}

const Context = createContext<CommentsContext | null>(null);

/** Loads a report's comments once for every thread on its page. */
export function CommentsProvider({
  project,
  reportId,
  panelIds,
  children,
}: {
  project: string;
  reportId: string;
  panelIds: string[];
  children: ReactNode;
}) {
  const list = useComments(project, reportId);
  const mutations = useCommentMutations(project, reportId);
  const key = panelIds.join("\n");
  const index = useMemo(() => indexComments(list.data?.comments ?? [], new Set(key.split("\n"))), [list.data, key]);
  const value = useMemo(
    () => ({ index, canComment: list.data?.can_comment ?? false, user: list.data?.user ?? "", mutations }),
    [index, list.data, mutations],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

function useThreads(): CommentsContext {
  const value = useContext(Context);
  if (!value) throw new Error("comment threads need a CommentsProvider");
  return value;
}

/** Under a panel: how many comments it has; a click opens its thread and a box to add one. */
export function PanelComments({ panelId }: { panelId: string }) {
  const { index, canComment } = useThreads();
  const [open, setOpen] = useState(false);
  const top = index.top.get(panelId) ?? [];
  const count = threadCount(top, index.replies);
  if (!canComment && top.length === 0) return null;
  return (
    <div className="panel-comments">
      <button
        type="button"
        className="comment-count"
        aria-expanded={open}
        aria-label={`${count} comment${count === 1 ? "" : "s"} on this panel`}
        onClick={() => setOpen(!open)}
      >
        <BubbleIcon /> {count === 0 ? "Comment" : `${count} comment${count === 1 ? "" : "s"}`}
      </button>
      {open && <Threads comments={top} panelId={panelId} />}
    </div>
  );
}

function BubbleIcon() {
  return (
    <svg className="bubble-icon" viewBox="0 0 16 16" width="13" height="13" aria-hidden="true">
      <path
        d="M2.5 3.5h11v7h-6l-3 2.5v-2.5h-2z"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
        strokeLinejoin="round"
      />
    </svg>
  );
}

/** The report's own comments, at the end of the page. */
export function ReportComments() {
  const { index } = useThreads();
  const top = index.top.get("") ?? [];
  const count = threadCount(top, index.replies);
  return (
    <section className="report-comments" aria-label="Comments">
      <h2>
        Comments <span className="muted">{count > 0 ? count : ""}</span>
      </h2>
      <Threads comments={top} panelId={null} />
    </section>
  );
}

function Threads({ comments, panelId }: { comments: Comment[]; panelId: string | null }) {
  const { canComment, user, mutations } = useThreads();
  return (
    <div className="comment-threads">
      {comments.length === 0 && !canComment && <p className="muted">No comments yet.</p>}
      {comments.map((comment) => (
        <CommentItem key={comment.id} comment={comment} />
      ))}
      {canComment && (
        <Composer
          label={panelId ? "Comment on this panel" : "Write a comment"}
          placeholder={`Comment as ${user}`}
          submit="Comment"
          onSubmit={(body) => mutations.add.mutateAsync(panelId ? { body, panel_id: panelId } : { body })}
        />
      )}
    </div>
  );
}

function when(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function CommentItem({ comment }: { comment: Comment }) {
  const { index, canComment, mutations } = useThreads();
  const [mode, setMode] = useState<"read" | "reply" | "edit">("read");
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const replies = index.replies.get(comment.id) ?? [];
  return (
    <article className="comment" data-comment={comment.id} aria-label={`Comment by ${comment.author}`}>
      {comment.deleted ? (
        <p className="comment-deleted">deleted</p>
      ) : (
        <>
          <div className="comment-meta">
            <span className="comment-author">{comment.author}</span>
            <span title={new Date(comment.created_at * 1000).toISOString()}>{when(comment.created_at)}</span>
            {comment.edited_at != null && (
              <span className="comment-edited" title={`edited ${when(comment.edited_at)}`}>
                edited
              </span>
            )}
          </div>
          {mode === "edit" ? (
            <Composer
              label="Edit comment"
              initial={comment.body}
              submit="Save"
              onCancel={() => setMode("read")}
              onSubmit={async (body) => {
                await mutations.edit.mutateAsync({ id: comment.id, body });
                setMode("read");
              }}
            />
          ) : (
            <p className="comment-body">
              {linkParts(comment.body).map((part, i) =>
                part.href ? (
                  <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
                    {part.text}
                  </a>
                ) : (
                  part.text
                ),
              )}
            </p>
          )}
          {mode === "read" && (
            <div className="comment-actions">
              {canComment && (
                <button type="button" className="link-action" onClick={() => setMode("reply")}>
                  Reply
                </button>
              )}
              {comment.can_edit && (
                <button type="button" className="link-action" onClick={() => setMode("edit")}>
                  Edit
                </button>
              )}
              {comment.can_delete && (
                <button
                  type="button"
                  className="link-action danger"
                  disabled={mutations.remove.isPending}
                  onClick={() => {
                    if (!window.confirm("Delete this comment?")) return;
                    setDeleteError(null);
                    mutations.remove.mutate(comment.id, { onError: (failure) => setDeleteError(failure.message) });
                  }}
                >
                  Delete
                </button>
              )}
              {deleteError && (
                <span className="problem composer-error" role="alert">
                  {deleteError}
                </span>
              )}
            </div>
          )}
        </>
      )}
      {(replies.length > 0 || mode === "reply") && (
        <div className="comment-replies">
          {replies.map((reply) => (
            <CommentItem key={reply.id} comment={reply} />
          ))}
          {mode === "reply" && (
            <Composer
              label="Write a reply"
              submit="Reply"
              autoFocus
              onCancel={() => setMode("read")}
              onSubmit={async (body) => {
                await mutations.add.mutateAsync({ body, parent_id: comment.id });
                setMode("read");
              }}
            />
          )}
        </div>
      )}
    </article>
  );
}

function Composer({
  label,
  placeholder,
  initial = "",
  submit,
  autoFocus,
  onSubmit,
  onCancel,
}: {
  label: string;
  placeholder?: string;
  initial?: string;
  submit: string;
  autoFocus?: boolean;
  /** Sends the text; the box empties when it resolves and shows the error when it fails. */
  onSubmit: (body: string) => Promise<unknown>;
  onCancel?: () => void;
}) {
  const [text, setText] = useState(initial);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const over = text.length > MAX_COMMENT;
  const field = useRef<HTMLTextAreaElement>(null);
  // A reply box opened by clicking Reply takes the keyboard, as the click asked for it.
  useEffect(() => {
    if (autoFocus) field.current?.focus();
  }, [autoFocus]);
  return (
    <form
      className="comment-composer"
      onSubmit={(event) => {
        event.preventDefault();
        if (!text.trim() || over || pending) return;
        setPending(true);
        setError(null);
        onSubmit(text).then(
          () => {
            setPending(false);
            setText("");
          },
          (failure: unknown) => {
            setPending(false);
            setError(failure instanceof Error ? failure.message : String(failure));
          },
        );
      }}
    >
      <textarea
        aria-label={label}
        placeholder={placeholder ?? label}
        value={text}
        ref={field}
        rows={Math.min(8, Math.max(2, text.split("\n").length))}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          // Ctrl/Cmd + Enter sends, as in most comment boxes.
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) event.currentTarget.form?.requestSubmit();
        }}
      />
      <div className="composer-row">
        {text.length > MAX_COMMENT * 0.9 && (
          <span className={over ? "composer-limit over" : "composer-limit"}>
            {text.length.toLocaleString()} / {MAX_COMMENT.toLocaleString()}
          </span>
        )}
        {error && (
          <span className="problem composer-error" role="alert">
            {error}
          </span>
        )}
        {onCancel && (
          <button type="button" className="button ghost" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="button primary" disabled={pending || over || !text.trim()}>
          {submit}
        </button>
      </div>
    </form>
  );
}
