"""Downloading a logged version the W&B way: ``str`` paths, W&B's default folders, and changed
files in the way replaced (heron's own ``download`` refuses them unless asked)."""

from __future__ import annotations

import os
import sys

import heron.sdk.artifact as core
from heron.errors import ArtifactError, NotFoundError
from heron.wandb.places import artifact_dir


def require_logged(artifact: core.Artifact, what: str) -> core.Artifact:
    """``artifact`` if it is a logged version, else the error W&B scripts get for using
    ``Artifact.<what>`` on a draft."""
    if not artifact.is_logged:
        raise ArtifactError(
            f"'Artifact.{what}' used before artifact {artifact.name!r} was logged: log it "
            "with run.log_artifact() first"
        )
    return artifact


def default_root(logged: core.Artifact, include_version: bool = True) -> str:
    """``<artifact dir>/<name>:vN`` (or ``<name>`` without the version, as ``checkout`` uses)."""
    folder = f"{logged.name}:{logged.version}" if include_version else logged.name
    if os.name == "nt":  # a colon cannot be in a Windows file name; W&B uses '-' there too
        folder = folder.replace(":", "-")
    return str(artifact_dir() / folder)


def download_path(logged: core.Artifact, path: str, root: str | os.PathLike[str] | None) -> str:
    """Write one path under ``root`` (default: the version's folder); returns the file's path."""
    target = os.fspath(root) if root is not None else default_root(logged)
    written = logged.get_path(path, root=target)
    return os.path.join(target, path) if root is not None else str(written)


def download(
    logged: core.Artifact,
    root: str | os.PathLike[str] | None,
    *,
    allow_missing_references: bool,
    path_prefix: str | None,
) -> str:
    """Write every path (under ``path_prefix``) beneath ``root``; returns ``root`` as given,
    or the default folder. A reference that cannot be fetched is skipped, with a note, when
    ``allow_missing_references``."""
    target = os.fspath(root) if root is not None else default_root(logged)
    try:
        logged.download(target, overwrite=True, path_prefix=path_prefix)
    except NotFoundError:
        if not allow_missing_references:
            raise
        for entry in logged.files():
            if entry.ref_uri is None or (path_prefix and not entry.path.startswith(path_prefix)):
                continue
            try:
                logged.get_path(entry.path, root=target)
            except NotFoundError as missing:
                print(f"heron.wandb: {missing}", file=sys.stderr)
    return target


def checkout(logged: core.Artifact, root: str | None) -> str:
    """Delete files under ``root`` that are not in the version, then download it there."""
    target = root if root is not None else default_root(logged, include_version=False)
    paths = set(logged.manifest)
    for directory, _, files in os.walk(target):
        for file_name in files:
            full = os.path.join(directory, file_name)
            if os.path.relpath(full, target).replace(os.sep, "/") not in paths:
                os.remove(full)
    return download(logged, target, allow_missing_references=False, path_prefix=None)


def verify(logged: core.Artifact, root: str | None) -> None:
    """Raise ArtifactError naming missing, changed and extra files under ``root``."""
    target = root if root is not None else default_root(logged)
    report = logged.verify(target)
    if not report.ok:
        raise ArtifactError(f"artifact {logged.name}:{logged.version} does not match {report}")
