"""Artifact manifests: what a version holds, path by path, and the digest that names its content.

Also the naming rules, shared by the SDK, the store and the server: artifact names, aliases,
project names and the paths inside an artifact.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from heron.errors import ArtifactError, UsageError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,256}$")
ALIAS_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")
VERSION_PATTERN = re.compile(r"^v(\d+)$")
PROJECT_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")

# Paths inside an artifact become file names when downloaded: each part must fit the usual
# file-name limit (255 bytes on ext4, XFS, APFS, NTFS...), and the whole path must leave room
# under PATH_MAX (4096 bytes) for the directory it is downloaded into.
MAX_PATH_PART_BYTES = 255
MAX_PATH_BYTES = 1024
_BAD_PATH_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\\]")
_LONG_PART = re.compile(f"[^/]{{{MAX_PATH_PART_BYTES + 1}}}")


def check_project_name(name: str) -> str:
    """``name`` if it is a valid project name, else UsageError saying what is allowed."""
    if not isinstance(name, str) or not PROJECT_PATTERN.match(name) or set(name) == {"."}:
        raise UsageError(
            f"project name {name!r} is invalid: use 1-128 letters, digits, '_', '.' or '-' "
            "(not only dots)"
        )
    return name


def check_path(path: str) -> str:
    """``path`` if it can name a file in an artifact, else ArtifactError naming it and why.

    A path is UTF-8 text, relative, '/'-separated, without empty, '.' or '..' parts, control
    characters or backslashes, each part at most 255 bytes and the whole at most 1024 bytes.
    """
    if not isinstance(path, str) or not path:
        raise ArtifactError(f"a path in an artifact must be a non-empty string, got {path!r}")
    try:
        size = len(path.encode("utf-8"))
    except UnicodeEncodeError:
        raise ArtifactError(
            f"path {os.fsencode(path)!r} is not valid UTF-8 (a file name in another encoding?): "
            "rename it, or add it under a UTF-8 name"
        ) from None
    if _BAD_PATH_CHARACTERS.search(path):
        raise ArtifactError(f"path {path!r} holds a control character or a backslash")
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ArtifactError(f"path {path!r} must be relative, with no empty, '.' or '..' parts")
    if size > MAX_PATH_BYTES:
        raise ArtifactError(
            f"path {_cut(path)!r} is {size} bytes long; paths in an artifact are at most "
            f"{MAX_PATH_BYTES} bytes"
        )
    for part in parts:
        part_size = len(part.encode("utf-8"))
        if part_size > MAX_PATH_PART_BYTES:
            raise ArtifactError(
                f"path {_cut(path)!r} has a part of {part_size} bytes ({_cut(part, 40)!r}); "
                f"each part is at most {MAX_PATH_PART_BYTES} bytes, as file systems allow"
            )
    return path


def check_paths(paths: list[str], prefix: str = "") -> None:
    """Check ``prefix + path`` for every path (see :func:`check_path`), in one pass over all of
    them when they are plain ASCII (a directory of 10,000 files costs a millisecond)."""
    joined = "/".join(paths)
    longest = max(map(len, paths), default=0)
    # Only str methods here: each is one C loop, where a regex over the same text is ten times
    # slower. Printable ASCII excludes exactly the control characters check_path refuses.
    if (
        joined.isascii()
        and joined.isprintable()
        and "\\" not in joined
        and longest + len(prefix) <= MAX_PATH_BYTES
        and (longest <= MAX_PATH_PART_BYTES or not _LONG_PART.search(joined))
        and "//" not in joined
        and "/./" not in joined
        and "/../" not in joined
        and not joined.startswith(("/", "./", "../"))
        and not joined.endswith(("/", "/.", "/.."))
        and joined not in ("", ".", "..")
    ) or not paths:
        return
    for path in paths:
        check_path(prefix + path)


def _cut(text: str, limit: int = 80) -> str:
    """Its start and its end (where a long path's file name is)."""
    half = (limit - 3) // 2
    return text if len(text) <= limit else f"{text[:half]}...{text[-half:]}"


def check_name(name: str, what: str = "artifact name") -> str:
    """``name`` if it is a valid artifact name, else ArtifactError saying what is allowed."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or set(name) == {"."}:
        raise ArtifactError(
            f"{what} {name!r} is invalid: use 1-256 letters, digits, '_', '.' or '-'"
        )
    return name


def check_alias(alias: str) -> str:
    """``alias`` if it may be set by a user; ``vN`` is reserved for version numbers."""
    if not isinstance(alias, str) or not ALIAS_PATTERN.match(alias) or set(alias) == {"."}:
        raise ArtifactError(
            f"alias {alias!r} is invalid: use 1-128 letters, digits, '_', '.' or '-'"
        )
    if VERSION_PATTERN.match(alias):
        raise ArtifactError(f"alias {alias!r} is reserved: vN names the version numbered N")
    return alias


@dataclass(frozen=True)
class ManifestEntry:
    """One path of an artifact version.

    A stored file has ``sha256`` (its blob) and ``size``. A table is a stored file too (its
    Parquet form, so it downloads like any file) that also has ``table_id``, the table it reads
    back as. A reference has ``ref_uri`` and, where the source gives them, ``ref_etag`` /
    ``ref_version`` (and ``sha256`` for ``file://``, whose bytes heron hashes but does not copy).
    """

    path: str
    size: int
    sha256: str | None = None
    ref_uri: str | None = None
    ref_etag: str | None = None
    ref_version: str | None = None
    table_id: str | None = None

    @property
    def kind(self) -> str:
        """``file``, ``reference`` or ``table``."""
        if self.ref_uri is not None:
            return "reference"
        if self.table_id is not None:
            return "table"
        return "file"

    @property
    def is_stored_blob(self) -> bool:
        """Whether the bytes live in the store's blob store under ``sha256``."""
        return self.ref_uri is None

    def as_dict(self) -> dict[str, Any]:
        """The entry as a JSON-friendly dict, without empty fields."""
        data: dict[str, Any] = {"path": self.path, "size": self.size, "kind": self.kind}
        for key in ("sha256", "ref_uri", "ref_etag", "ref_version", "table_id"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


def manifest_digest(entries: Iterable[ManifestEntry]) -> str:
    """The artifact digest: sha256 over the manifest's canonical lines, sorted by path.

    The text is ``heron.artifact-manifest/v2\n`` then, per entry, its path, sha256, size,
    ref_uri, ref_etag and ref_version (missing ones empty) joined by NUL and ended by a newline,
    all UTF-8. Paths cannot hold control characters, so the text is unambiguous.
    """
    import hashlib  # here, not at the top: a run's start needs this module, not OpenSSL (~3 ms)

    ordered = sorted(entries, key=lambda e: e.path)
    body = "".join(
        f"{e.path}\0{e.sha256 or ''}\0{e.size}\0{e.ref_uri or ''}\0{e.ref_etag or ''}\0{e.ref_version or ''}\n"
        for e in ordered
    )
    return hashlib.sha256(f"heron.artifact-manifest/v2\n{body}".encode()).hexdigest()
