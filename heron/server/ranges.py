"""HTTP byte ranges (RFC 9110): one range per request, which is what players and browsers send."""

from __future__ import annotations


class RangeNotSatisfiable(Exception):
    """The requested range lies outside the content."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``(start, end)`` inclusive for a ``bytes=`` header; None to send everything.

    Headers we do not understand (another unit, several ranges) are ignored, as RFC 9110 allows:
    the whole content is sent instead.
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first == "":
            # A suffix range: the last N bytes.
            length = int(last)
            if length <= 0:
                raise RangeNotSatisfiable(f"empty suffix range {header!r}")
            return max(0, size - length), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size:
        raise RangeNotSatisfiable(f"range {header!r} starts past the end of {size} bytes")
    if start < 0 or end < start:
        return None
    return start, min(end, size - 1)
