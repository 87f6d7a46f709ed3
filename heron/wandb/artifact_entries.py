"""The file-level objects of ``wandb.Artifact``: manifest entries and the files of a version.

``artifact.add_file(...)`` and ``artifact.get_entry(name)`` return an
:class:`ArtifactManifestEntry` (``path``, ``digest``, ``size``, ``ref``, ``download() -> str``);
``artifact.files()`` returns :class:`ArtifactFile` objects, whose ``download`` opens the file as
W&B's public ``File.download`` does. Digests are heron's sha256 (hex), not W&B's base64 MD5.
"""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING

from heron.errors import ArtifactError, NotFoundError
from heron.store.filehash import hash_file
from heron.store.manifest import ManifestEntry
from heron.wandb import artifact_downloads as downloads

if TYPE_CHECKING:
    from heron.wandb.artifacts import Artifact

HERON_ARTIFACT_SCHEME = "heron-artifact://"
"""``ref_url()`` of a stored file: ``heron-artifact://<version id>/<path>``, accepted by
``add_reference`` to put the same bytes in another artifact without copying them."""


class EntryNotFoundError(NotFoundError, KeyError):
    """A path an artifact does not hold (a KeyError too, as in W&B)."""

    def __str__(self) -> str:
        return self.message


class ArtifactManifestEntry:
    """One path of a ``wandb.Artifact``: ``path``, ``digest``, ``size``, ``ref``."""

    def __init__(
        self,
        artifact: Artifact,
        path: str,
        *,
        entry: ManifestEntry | None = None,
        local_path: str | None = None,
    ) -> None:
        self._artifact = artifact
        self._entry = entry
        self.path = path
        self.local_path = local_path
        """The local file a draft's entry was added from (None for logged versions)."""
        self.extra: dict[str, object] = {}
        self.birth_artifact_id: str | None = None

    @property
    def ref(self) -> str | None:
        """The reference URI (``s3://...``, ``file://...``), or None for a stored file."""
        return self._entry.ref_uri if self._entry is not None else None

    @property
    def size(self) -> int | None:
        """Bytes (None for a draft's table, sized when it is logged)."""
        if self._entry is not None:
            return self._entry.size
        if self.local_path is not None:
            return os.path.getsize(self.local_path)
        return None

    @property
    def digest(self) -> str | None:
        """sha256 of the content (hex); for an S3 reference without one, its ETag or URI."""
        if self._entry is not None:
            return self._entry.sha256 or self._entry.ref_etag or self._entry.ref_uri
        if self.local_path is not None:
            return hash_file(self.local_path)[0]
        return None

    def parent_artifact(self) -> Artifact:
        """The artifact this entry belongs to."""
        return self._artifact

    def manifest_entry(self) -> ManifestEntry:
        """heron's own entry (logged versions only)."""
        if self._entry is None:
            raise ArtifactError(
                f"{self.path!r} belongs to a draft: log the artifact before reading its entries"
            )
        return self._entry

    def ref_url(self) -> str:
        """The reference URI, or ``heron-artifact://<version id>/<path>`` for a stored file."""
        entry = self.manifest_entry()
        if entry.ref_uri is not None:
            return entry.ref_uri
        return f"{HERON_ARTIFACT_SCHEME}{self._artifact.id}/{entry.path}"

    def ref_target(self) -> str:
        """The reference URI of a reference entry (W&B raises ValueError for other entries)."""
        if self.ref is None:
            raise ArtifactError(f"{self.path!r} is not a reference: only references have a target")
        return self.ref

    def download(
        self, root: str | os.PathLike[str] | None = None, skip_cache: bool | None = None
    ) -> str:
        """Write this path under ``root`` (default: the artifact's download folder) and return
        the file's path as a str."""
        del skip_cache  # heron reads from its store directly: there is no cache to skip
        logged = downloads.require_logged(self._artifact.heron_artifact, "download")
        return downloads.download_path(logged, self.path, root)

    def __repr__(self) -> str:
        return f"ArtifactManifestEntry(path={self.path!r}, digest={self.digest!r}, ref={self.ref!r}, size={self.size!r})"


class ArtifactFile:
    """A file of a logged artifact, as ``artifact.files()`` lists it: ``name``, ``size``,
    ``digest``, ``download(root=".", replace=False, exist_ok=False)``."""

    def __init__(self, artifact: Artifact, entry: ManifestEntry) -> None:
        self._artifact = artifact
        self._entry = entry
        self.name = entry.path
        self.size = entry.size
        self.digest = entry.sha256

    @property
    def path_uri(self) -> str:
        """Where the bytes are: the reference URI, or the ``heron-artifact://`` address."""
        return self._entry.ref_uri or f"{HERON_ARTIFACT_SCHEME}{self._artifact.id}/{self.name}"

    def download(
        self, root: str = ".", replace: bool = False, exist_ok: bool = False
    ) -> io.TextIOWrapper:
        """Write the file under ``root`` and open it for reading, as W&B does; an existing file
        is an error unless ``replace`` (write it again) or ``exist_ok`` (open it as it is)."""
        path = os.path.join(root, self.name)
        if os.path.exists(path) and not replace:
            if exist_ok:
                return open(path)  # W&B hands back an open file
            raise ArtifactError(
                f"{path} already exists: pass replace=True to overwrite it or exist_ok=True to "
                "leave it as it is"
            )
        if replace and os.path.lexists(path):
            os.remove(path)
        logged = downloads.require_logged(self._artifact.heron_artifact, "download")
        downloads.download_path(logged, self.name, root)
        return open(path)  # W&B hands back an open file

    def __repr__(self) -> str:
        return f"<ArtifactFile {self.name} ({self.size} bytes)>"


class ArtifactManifest:
    """``artifact.manifest``: ``entries`` maps each path to its entry."""

    def __init__(self, entries: dict[str, ArtifactManifestEntry]) -> None:
        self.entries = entries

    def get_entry_by_path(self, path: str) -> ArtifactManifestEntry | None:
        """The entry at ``path``, or None."""
        return self.entries.get(path)

    def __len__(self) -> int:
        return len(self.entries)
