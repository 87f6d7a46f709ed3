"""Pieces shared by CLI commands: the --dir option, opening the store, error reporting."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from heron.errors import HeronError

F = TypeVar("F", bound=Callable[..., Any])


def format_size(n: int) -> str:
    """A byte count for people: ``512 B``, ``1.5 MB`` (decimal units, as disks are sold)."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"  # pragma: no cover


def dir_option(function: F) -> F:
    """Add ``--dir`` (the store directory) to a command."""
    return click.option(
        "--dir",
        "store_dir",
        type=click.Path(file_okay=False),
        default=None,
        envvar="HERON_DIR",
        help="Store directory (default: $HERON_DIR, else ./heron-data).",
    )(function)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn heron's errors into a one-line message and exit status 1, without a traceback."""
    try:
        yield
    except HeronError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(1)


def format_time(timestamp: float | None) -> str:
    """A Unix time as ``YYYY-MM-DD HH:MM:SS`` (UTC), or ``-``."""
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def format_duration(seconds: float | None) -> str:
    """A duration as ``1h02m``, ``3m05s`` or ``4.2s``."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """Print rows as aligned columns under a header line."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    click.echo(line.rstrip())
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
