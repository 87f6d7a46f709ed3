"""What a spool copied from a server, so that the pusher never sends it back as logged here.

The file is ``sync/<server>.pulled.json`` next to the push cursors (:mod:`heron.sync.state`).
It holds the rowids of the rows a pull added to the spool (metric chunks, run objects, tables,
artifact versions, lineage edges),
as sorted ``[first, last]`` ranges, and per copied run the host and process its record names
(where it was logged). The pusher skips those rows, and the record of a copied run (whatever this
spool did to it, such as marking it crashed when its heartbeat looks stale here, is not the
run's truth); a run copied here and then resumed on this machine names this host and process,
and it and its new rows are pushed. It also notes which copied tables have all the blobs their
image cells name (copied once, not checked again).

A pull writes its rows and this file while holding the push lock (:func:`push_lock`), and a
push reads the file under the same lock, so a push sees either both or neither.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heron.sync.state import read_document, server_key, write_document

PULLED_KINDS = ("metrics", "objects", "tables", "artifacts", "lineage")


@dataclass
class PulledRows:
    """The rows and run records of one spool that came from one server."""

    path: Path
    # run id -> [host, pid] of the server's record copied: the process that logged it elsewhere
    runs: dict[str, list[Any]] = field(default_factory=dict)
    ranges: dict[str, list[list[int]]] = field(default_factory=dict)  # kind -> [first, last]
    # table id -> whether the blobs its image cells name were all copied too
    tables: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path, url: str) -> PulledRows:
        """What ``root`` copied from ``url`` (nothing if it never pulled)."""
        path = root / "sync" / f"{server_key(url)}.pulled.json"
        document = read_document(path)
        return cls(
            path,
            runs={str(k): [str(v[0]), int(v[1])] for k, v in document.get("runs", {}).items()},
            ranges={
                str(kind): [[int(a), int(b)] for a, b in spans]
                for kind, spans in document.get("ranges", {}).items()
            },
            tables={str(k): bool(v) for k, v in document.get("tables", {}).items()},
        )

    def add_rows(self, kind: str, rowids: list[int]) -> None:
        """Remember rows of ``kind`` a pull added (or rewrote)."""
        spans = self.ranges.setdefault(kind, [])
        for rowid in rowids:
            spans.append([rowid, rowid])
        spans.sort()
        merged: list[list[int]] = []
        for first, last in spans:
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        self.ranges[kind] = merged

    def pulled(self, kind: str, rowid: int) -> bool:
        """Whether row ``rowid`` of ``kind`` came from the server."""
        spans = self.ranges.get(kind)
        if not spans:
            return False
        index = bisect.bisect_right(spans, rowid, key=lambda span: span[0]) - 1
        return index >= 0 and spans[index][0] <= rowid <= spans[index][1]

    def run_is_copy(self, run_id: str, host: str, pid: int) -> bool:
        """Whether the spool's record of ``run_id`` is a copy of the server's that no process
        of this machine resumed (resuming writes the resuming process's host and pid)."""
        return self.runs.get(run_id) == [host, pid]

    def forget_below(self, cursors: dict[str, int]) -> None:
        """Drop ranges the pusher's cursors have passed (it will never read those rows again)."""
        for kind, spans in self.ranges.items():
            cursor = cursors.get(kind, 0)
            self.ranges[kind] = [span for span in spans if span[1] > cursor]

    def save(self) -> None:
        """Write the file atomically (temporary file, then rename)."""
        write_document(self.path, {"runs": self.runs, "ranges": self.ranges, "tables": self.tables})
