"""Comments in the static report export: each panel's thread under the panel, the report's at
the end, as plain text (escaped) whose http(s) links are the only markup."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterable

from heron.server.report_svg import escape
from heron.store.comments import CommentRecord

# A link ends at white space or a character that cannot be in one; trailing punctuation is
# usually the sentence's, not the link's.
_LINK = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}"

CSS = """
.comments{margin-top:10px;border-top:1px solid var(--border);padding-top:8px}
.comments h4{margin:0 0 6px;font-size:13px;color:var(--muted);font-weight:600}
.comment{margin:6px 0;font-size:13px}.comment .replies{margin-left:18px;padding-left:10px;
border-left:2px solid var(--border)}
.comment-meta{color:var(--muted);font-size:12px}.comment-author{font-weight:600;color:#111827}
.comment-body{white-space:pre-wrap;overflow-wrap:anywhere;margin:2px 0}
.comment-deleted{color:var(--muted);font-style:italic}
section.report-comments{background:#fff;border:1px solid var(--border);border-radius:8px;
padding:14px 18px;margin:14px 0}
"""


def linked_text(text: str) -> str:
    """``text`` escaped for HTML, with each http(s) URL in it made a link."""
    out: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        start, end = match.start(), match.start() + len(url)
        out.append(escape(text[last:start]))
        out.append(f'<a href="{escape(url)}" rel="nofollow noopener noreferrer">{escape(url)}</a>')
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds))


def _thread(comment: CommentRecord, replies: dict[str | None, list[CommentRecord]]) -> str:
    if comment.deleted:
        body = '<div class="comment-deleted">deleted</div>'
    else:
        edited = " · edited" if comment.edited_at is not None else ""
        body = (
            f'<div class="comment-meta"><span class="comment-author">{escape(comment.author)}'
            f"</span> · {_when(comment.created_at)}{edited}</div>"
            f'<div class="comment-body">{linked_text(comment.body)}</div>'
        )
    children = "".join(_thread(reply, replies) for reply in replies.get(comment.id, []))
    nested = f'<div class="replies">{children}</div>' if children else ""
    return f'<div class="comment">{body}{nested}</div>'


class CommentThreads:
    """A report's comments grouped for the export: per panel, and the report's own."""

    def __init__(self, comments: Iterable[CommentRecord], panel_ids: set[str]) -> None:
        self._replies: dict[str | None, list[CommentRecord]] = defaultdict(list)
        self._top: dict[str | None, list[CommentRecord]] = defaultdict(list)
        for comment in comments:
            if comment.parent_id is not None:
                self._replies[comment.parent_id].append(comment)
            else:
                # A comment on a panel since removed from the report joins the report's own.
                panel = comment.panel_id if comment.panel_id in panel_ids else None
                self._top[panel].append(comment)
        self._counts = {panel: sum(self._count(c) for c in top) for panel, top in self._top.items()}

    def _count(self, comment: CommentRecord) -> int:
        """The comment and its replies, all the way down, less those deleted."""
        own = 0 if comment.deleted else 1
        return own + sum(self._count(r) for r in self._replies.get(comment.id, []))

    def html(self, panel_id: str | None) -> str:
        """The threads on panel ``panel_id`` (None: on the report itself), or "" if none."""
        top = self._top.get(panel_id, [])
        if not top:
            return ""
        count = self._counts[panel_id]
        heading = f"{count} comment{'s' if count != 1 else ''}"
        threads = "".join(_thread(comment, self._replies) for comment in top)
        return f'<div class="comments"><h4>{heading}</h4>{threads}</div>'
