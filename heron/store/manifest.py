"""Artifact manifests: what a version holds, path by path, and the digest that names its content.

Also the rules for artifact names and aliases, shared by the SDK, the store and the server.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from heron.errors import ArtifactError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,256}$")
ALIAS_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")
VERSION_PATTERN = re.compile(r"^v(\d+)$")


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
    ordered = sorted(entries, key=lambda e: e.path)
    body = "".join(
        f"{e.path}\0{e.sha256 or ''}\0{e.size}\0{e.ref_uri or ''}\0{e.ref_etag or ''}\0{e.ref_version or ''}\n"
        for e in ordered
    )
    return hashlib.sha256(f"heron.artifact-manifest/v2\n{body}".encode()).hexdigest()
