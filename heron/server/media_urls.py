"""Image cells in query results get URLs: a page of a table never carries image bytes.

Which values are image cells is read from the result's column descriptions (a column of type
``image``, one cell per row or one per run of a merged row), the group keys' columns and the
``images`` summaries of grouped pages. A value of any other type is left as it is, whatever
keys it holds: a JSON cell with ``sha256`` and ``format`` keys is not an image.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

THUMBNAIL_SIZE = 256


def media_url(sha256: str) -> str:
    """The URL of the stored bytes of a blob."""
    return f"/api/media/{sha256}"


def thumbnail_url(sha256: str, size: int = THUMBNAIL_SIZE) -> str:
    """The URL of a blob's thumbnail, fitted into ``size`` pixels."""
    return f"/api/media/{sha256}/thumbnail?size={size}"


def image_cell_with_urls(cell: Mapping[str, Any]) -> dict[str, Any]:
    """An image cell (the stored struct, heron.store.table_format.ImageRef.to_row()) with
    ``url`` and ``thumbnail_url`` added."""
    digest = str(cell["sha256"])
    return {**cell, "url": media_url(digest), "thumbnail_url": thumbnail_url(digest)}


def with_media_urls(result: dict[str, Any]) -> dict[str, Any]:
    """A query result (``QueryResult.to_json()``) with URLs on every image cell in it.

    The result's rows and groups are updated in place (they are built for this one response)
    and the result is returned; only image columns are visited, so a page without images
    costs nothing.
    """
    for run in result.get("runs") or ():
        with_media_urls(run)
    groups = result.get("groups")
    if groups is not None:
        # A grouped page's rows travel in ``groups`` alone; its columns describe the group keys.
        _groups_with_urls(groups)
        return result
    images = [
        (c["name"], c.get("runs")) for c in result.get("columns") or () if c["type"] == "image"
    ]
    if images:
        for row in result.get("rows") or ():
            for name, runs in images:
                row[name] = _cell(row.get(name), runs)
    return result


def _groups_with_urls(groups: dict[str, Any]) -> None:
    """Group keys of image columns and ``images`` summaries get URLs, in place."""
    # The group table's columns are the key columns, in ``by`` order, then ``count``.
    key_columns = (groups.get("columns") or [])[: len(groups.get("by") or ())]
    keys = [
        (index, column.get("runs"))
        for index, column in enumerate(key_columns)
        if column["type"] == "image"
    ]
    summarised = [
        name for name, info in (groups.get("summaries") or {}).items() if info["kind"] == "images"
    ]
    if not keys and not summarised:
        return
    for row in groups.get("rows") or ():
        key = row["key"]
        for index, runs in keys:
            key[index] = _cell(key[index], runs)
        for name in summarised:
            summary = row["summaries"].get(name)
            if summary is None:
                continue
            for part in summary["runs"] if summary["kind"] == "runs" else [summary]:
                if part["kind"] == "images":
                    part["images"] = [image_cell_with_urls(cell) for cell in part["images"]]


def _cell(value: Any, runs: int | None) -> Any:
    """An image column's cell with URLs: one image, or one per run of a merged column."""
    if value is None:
        return None
    if runs is not None:
        return [None if cell is None else image_cell_with_urls(cell) for cell in value]
    return image_cell_with_urls(value)
