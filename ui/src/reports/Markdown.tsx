// Report text: markdown rendered by marked, then cleaned by DOMPurify before it touches the DOM.
import DOMPurify from "dompurify";
import { marked } from "marked";
import { useMemo } from "react";

/** Markdown as safe HTML: scripts, event handlers and javascript: links are removed. */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true });
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ["style", "form", "iframe"],
    FORBID_ATTR: ["style"],
  });
}

export function Markdown({ text }: { text: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  if (!text.trim()) return <p className="muted">Empty text block.</p>;
  // biome-ignore lint/security/noDangerouslySetInnerHtml: renderMarkdown's HTML is sanitised by DOMPurify.
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
