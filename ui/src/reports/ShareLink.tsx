// The report's share link: the same page with ?read=1, which opens it read-only (live panels, run
// toggles that are not saved, comments by the reader's role; no edit, save or duplicate).
import { useEffect, useRef, useState } from "react";

/** The read-only link to a report page. */
export function shareUrl(project: string, reportId: string): string {
  const path = `/projects/${encodeURIComponent(project)}/reports/${encodeURIComponent(reportId)}?read=1`;
  return `${window.location.origin}${path}`;
}

export function ShareLink({ project, reportId }: { project: string; reportId: string }) {
  const [open, setOpen] = useState(false);
  const [copied, setCopied] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const url = shareUrl(project, reportId);
  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === "Escape" : !box.current?.contains(event.target as Node))
        setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);
  return (
    <div className="share-anchor" ref={box}>
      <button
        type="button"
        className="button"
        aria-expanded={open}
        onClick={() => {
          setCopied(false);
          setOpen(!open);
        }}
      >
        Share
      </button>
      {open && (
        <div className="share-box" role="dialog" aria-label="Share this report">
          <strong>Read-only link</strong>
          <input
            className="search"
            aria-label="Share link"
            readOnly
            value={url}
            onFocus={(event) => event.currentTarget.select()}
          />
          <div className="composer-row">
            <span className="muted" style={{ marginRight: "auto" }}>
              {copied ? "Copied." : ""}
            </span>
            <button
              type="button"
              className="button primary"
              onClick={() => {
                void navigator.clipboard?.writeText(url).then(() => setCopied(true));
              }}
            >
              Copy link
            </button>
          </div>
          <p className="muted">
            Anyone who may read project {project} opens the report with its live panels, read-only: they can hide runs
            or change a step, but nothing they change is saved. Members can comment.
          </p>
        </div>
      )}
    </div>
  );
}
