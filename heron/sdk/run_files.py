"""Files saved with a run (``run.save("model.h5")``), kept as the run's ``run-<id>-files`` artifact.

heron has no separate file area per run: saved files become one artifact version, of type
``run-files``, logged by the run when it finishes, so they are versioned, deduplicated and
browsable like any other artifact (``heron.Api().artifact("project/run-<id>-files:latest")``).
A glob is expanded when ``save`` is called; files saved with ``policy="now"`` are copied at
once (a script may delete them later), the others are read when the run finishes.
"""

from __future__ import annotations

import glob as globbing
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from heron.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from heron.sdk.artifact import Artifact

SavePolicy = Literal["live", "now", "end"]
SAVE_POLICIES: tuple[SavePolicy, ...] = ("live", "now", "end")
FILES_ARTIFACT_TYPE = "run-files"


def files_artifact_name(run_id: str) -> str:
    """The name of the artifact that holds a run's saved files."""
    return f"run-{run_id}-files"


class RunFiles:
    """The files a run was asked to save, by their name in the artifact."""

    def __init__(self) -> None:
        self._files: dict[str, str] = {}
        self._snapshots: str | None = None

    def save(
        self,
        glob_str: str | os.PathLike[str],
        base_path: str | os.PathLike[str] | None = None,
        policy: SavePolicy = "live",
    ) -> list[str]:
        """Add the files ``glob_str`` matches now; names are relative to ``base_path`` (default:
        the pattern's directory). Returns the names they are saved under."""
        if policy not in SAVE_POLICIES:
            raise UsageError(f"policy must be one of {SAVE_POLICIES}, got {policy!r}")
        pattern = os.fspath(glob_str)
        matches = sorted(p for p in globbing.glob(pattern, recursive=True) if os.path.isfile(p))
        if not matches:
            if globbing.has_magic(pattern):
                return []
            raise NotFoundError(f"save(): {pattern} does not exist")
        if base_path is None:
            base = (
                Path(pattern).parent if not globbing.has_magic(pattern) else _static_root(pattern)
            )
        else:
            base = Path(base_path)
        names = []
        for match in matches:
            try:
                name = Path(os.path.relpath(match, base)).as_posix()
            except ValueError:
                name = Path(match).name
            if name.startswith("../"):
                raise UsageError(f"save(): {match} is not under base_path {os.fspath(base)}")
            source = os.path.abspath(match)
            if policy == "now":
                source = self._snapshot(source, len(self._files))
            self._files[name] = source
            names.append(name)
        return names

    def _snapshot(self, source: str, index: int) -> str:
        if self._snapshots is None:
            self._snapshots = tempfile.mkdtemp(prefix="heron-run-files-")
            weakref.finalize(self, shutil.rmtree, self._snapshots, True)
        target = Path(self._snapshots) / str(index)
        target.mkdir()
        return str(shutil.copy2(source, str(target / Path(source).name)))

    def __bool__(self) -> bool:
        return bool(self._files)

    def artifact(self, run_id: str) -> Artifact | None:
        """The saved files that still exist, as a draft of run ``run_id``'s files artifact
        (None when there are none); the run logs it when it finishes."""
        present = {name: path for name, path in self._files.items() if os.path.isfile(path)}
        if not present:
            return None
        from heron.sdk.artifact import Artifact  # artifacts' modules load when files are saved

        artifact = Artifact(files_artifact_name(run_id), type=FILES_ARTIFACT_TYPE)
        for name, path in present.items():
            artifact.add_file(path, name=name)
        return artifact


def _static_root(pattern: str) -> Path:
    """The directory part of a glob before its first wildcard."""
    parts = Path(pattern).parts
    static: list[str] = []
    for part in parts[:-1]:
        if globbing.has_magic(part):
            break
        static.append(part)
    return Path(*static) if static else Path(".")
