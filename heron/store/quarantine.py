"""Quarantine: where a blob that failed its check is set aside, and the record that says so.

A blob whose stored bytes no longer hash to their name (or whose file is missing, or is a symlink
or a special file) is never served again. Its index row is dropped, so the next time the same
content is stored (logged again, or restored by ``heron verify --repair-from``) it is written
afresh and the blob is healed. A file of its own is moved to ``blobs/quarantine/`` rather than
deleted, so nothing is destroyed; bytes inside a pack stay where they are (only their index row
goes). Each blob gets a record, ``blobs/quarantine/<sha256>.json``, that reads of the blob and
``heron verify`` report.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from heron.store import blob_rows
from heron.store.database import write
from heron.store.safefiles import NotARegularFile, open_directory_inside, temporary_sibling

DIRECTORY = "quarantine"

logger = logging.getLogger("heron.store")


@dataclass(frozen=True)
class QuarantineRecord:
    """A blob found bad: what the index said, what was wrong, and where its bytes were put."""

    digest: str
    size: int
    where: str  # "file of its own" or "pack <name> at offset <n>"
    problem: str  # "hash mismatch", "missing", "not a regular file"...
    found_at: float
    set_aside_as: str | None  # file name under blobs/quarantine/, None when nothing was moved

    def describe(self) -> str:
        """One line for a person: the blob, what was wrong and when."""
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.found_at))
        return f"blob {self.digest} ({self.where}): {self.problem}, found {when}"


def quarantine_blob(
    engine: Engine,
    blobs_root: Path,
    digest: str,
    size: int,
    location: str,
    offset: int,
    problem: str,
) -> bool:
    """Quarantine a blob found bad; False if its index row no longer says ``location``/``offset``.

    The row is deleted first, in a statement that matches the location read, so of several
    readers finding the same bad blob exactly one moves its file aside and writes the record,
    and a blob removed by gc or stored again elsewhere meanwhile is left alone. Failing to set it
    aside (a read-only store) is logged; the caller's read fails all the same.
    """
    where = f"pack {location} at offset {offset}" if location else "file of its own"
    try:
        with write(engine) as connection:
            removed = blob_rows.delete_at(connection, digest, location, offset)
        if not removed:
            return False
        moved = (
            None if location else set_aside(blobs_root, f"objects/{digest[:2]}/{digest}", digest)
        )
        record = QuarantineRecord(digest, size, where, problem, time.time(), moved)
        write_record(blobs_root, record)
        logger.warning("quarantined blob %s (%s): %s", digest, where, problem)
    except (OSError, SQLAlchemyError) as error:
        logger.error("could not quarantine blob %s (%s): %s", digest, problem, error)
    return True


def directory(blobs_root: Path) -> Path:
    """The quarantine directory of a blob store."""
    return blobs_root / DIRECTORY


def set_aside(blobs_root: Path, relative: str, digest: str) -> str | None:
    """Move the file ``blobs_root/relative`` into quarantine; its new name, or None if it is gone.

    The rename goes through no symlinked directory, and moves a symlink itself, never its
    target: whatever a planted link points at outside the store is left alone.
    """
    target_dir = directory(blobs_root)
    target_dir.mkdir(exist_ok=True)
    name = f"{digest}.{time.time_ns()}.bad"
    parent, _, filename = relative.rpartition("/")
    try:
        parent_fd = open_directory_inside(blobs_root, parent)
    except (FileNotFoundError, NotARegularFile):
        return None
    try:
        os.rename(filename, target_dir / name, src_dir_fd=parent_fd)
    except FileNotFoundError:
        return None
    finally:
        os.close(parent_fd)
    return name


def write_record(blobs_root: Path, record: QuarantineRecord) -> None:
    """Store ``record`` (replacing an earlier one for the same blob), atomically."""
    target_dir = directory(blobs_root)
    target_dir.mkdir(exist_ok=True)
    final = target_dir / f"{record.digest}.json"
    temporary = temporary_sibling(final)
    try:
        temporary.write_text(json.dumps(asdict(record), indent=1) + "\n")
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)


def find(blobs_root: Path, digest: str) -> QuarantineRecord | None:
    """The record of a quarantined blob, or None."""
    path = directory(blobs_root) / f"{digest}.json"
    if path.is_symlink():
        return None
    try:
        return _parse(path.read_text())
    except (OSError, ValueError, TypeError, KeyError):
        return None


def records(blobs_root: Path) -> list[QuarantineRecord]:
    """Every quarantine record, oldest first."""
    found: list[QuarantineRecord] = []
    target_dir = directory(blobs_root)
    if not target_dir.is_dir():
        return found
    for path in target_dir.glob("*.json"):
        if path.is_symlink():
            continue
        try:
            found.append(_parse(path.read_text()))
        except (OSError, ValueError, TypeError, KeyError):
            continue
    return sorted(found, key=lambda r: (r.found_at, r.digest))


def _parse(text: str) -> QuarantineRecord:
    data = json.loads(text)
    return QuarantineRecord(
        digest=str(data["digest"]),
        size=int(data["size"]),
        where=str(data["where"]),
        problem=str(data["problem"]),
        found_at=float(data["found_at"]),
        set_aside_as=None if data.get("set_aside_as") is None else str(data["set_aside_as"]),
    )
