"""The artifacts a W&B run logged, from the copies W&B staged on this machine, as heron versions.

W&B copies every file of a logged artifact into its staging folder (``$WANDB_DATA_DIR`` or
``~/.local/share/wandb``, ``artifacts/staging``) until the run is synced; a manifest entry
records where (``local_path``), or refers to an entry of another artifact logged in the same
process (``wandb-client-artifact://<client id>/<path>``): a table added to an artifact after it
was logged to the run is such a reference into W&B's ``run_table`` artifact. Once a run is
synced, the staged copies move into W&B's cache, where they are found by their MD5.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from heron.errors import HeronError
from heron.importers import wandb_mapping as mapping
from heron.importers.wandb_offline import ArtifactEntry, LoggedArtifact
from heron.sdk.artifact import Artifact
from heron.sdk.run import Run
from heron.sdk.table import Table
from heron.store import artifacts as artifact_store

# Artifacts W&B makes for its own bookkeeping: run tables are imported as the run's tables.
INTERNAL_ARTIFACT_TYPES = {
    "run_table": "W&B's copy of a logged table",
    "wandb-run-incremental-table": "W&B's copy of an increment of a logged table",
    "job": "W&B launch job",
}
_CLIENT_REF = "wandb-client-artifact://"


class ArtifactFiles:
    """The files of the artifacts a run logged, by W&B's client id, as they are staged here."""

    def __init__(
        self, artifacts: Iterable[LoggedArtifact], cache_dirs: list[Path] | None = None
    ) -> None:
        listed = list(artifacts)
        self.by_client_id = {a.client_id: a for a in listed if a.client_id}
        self.cache_dirs = wandb_cache_dirs() if cache_dirs is None else cache_dirs
        # W&B before 0.2x did not say which artifact holds a logged table: the n-th table
        # logged under a key is in the n-th run_table artifact named after the run and key.
        self._run_tables: dict[str, list[LoggedArtifact]] = {}
        for artifact in listed:
            if artifact.type == "run_table":
                self._run_tables.setdefault(artifact.name, []).append(artifact)

    def next_run_table(self, run_id: str, key: str) -> tuple[mapping.FileSource, str] | None:
        """The next copy of the table logged under ``key`` in W&B's run_table artifacts, for
        logs that do not name it (``artifact_path``)."""
        name = f"run-{run_id}-{re.sub(r'[^a-zA-Z0-9_]+', '', key)}"
        queue = self._run_tables.get(name)
        if not queue:
            return None
        artifact = queue.pop(0)
        path = f"{key}.table.json"
        if not any(entry.path == path for entry in artifact.entries):
            tables = [e.path for e in artifact.entries if e.path.endswith(".table.json")]
            if len(tables) != 1:
                return None
            path = tables[0]
        return self.resolve(artifact, path)

    def local_files(self, artifact: LoggedArtifact) -> tuple[dict[str, Path], list[str]]:
        """Artifact path -> local file for every entry found; and the paths not found."""
        found: dict[str, Path] = {}
        missing: list[str] = []
        for entry in artifact.entries:
            local = self._local(entry)
            if local is None:
                missing.append(entry.path)
            else:
                found[entry.path] = local
        return found, missing

    def _local(self, entry: ArtifactEntry, depth: int = 0) -> Path | None:
        if entry.local_path:
            path = Path(entry.local_path)
            if path.is_file() and path.stat().st_size == entry.size:
                return path
        elif entry.ref and entry.ref.startswith(_CLIENT_REF):
            found = self.locate(entry.ref)
            if found is not None and depth < 8:
                target = next((e for e in found[0].entries if e.path == found[1]), None)
                return self._local(target, depth + 1) if target is not None else None
            return None
        elif entry.ref and entry.ref.startswith("file://"):
            path = Path(entry.ref[len("file://") :])
            return path if path.is_file() else None
        elif entry.ref:
            return None  # s3://, gs://, http(s)://: not on this machine
        return self._cached(entry)

    def _cached(self, entry: ArtifactEntry) -> Path | None:
        """The copy W&B keeps in its cache once a run is synced (``wandb sync`` moves the
        staged files there): ``artifacts/obj/md5/<2 hex>/<rest>``, by the entry's MD5."""
        try:
            digest = base64.b64decode(entry.md5_b64, validate=True).hex()
        except (binascii.Error, ValueError):
            return None
        for cache in self.cache_dirs:
            path = cache / "artifacts" / "obj" / "md5" / digest[:2] / digest[2:]
            if path.is_file() and path.stat().st_size == entry.size:
                return path
        return None

    def table(
        self, artifact: LoggedArtifact, path: str, notes: list[str], where: str, **options: Any
    ) -> Table:
        """The table at ``path`` of ``artifact`` as a heron Table (``options``: see
        :func:`wandb_mapping.table`)."""
        source, document = self._document(artifact, path)
        return mapping.table(document, source, notes=notes, where=where, **options)

    def joined_table(
        self, artifact: LoggedArtifact, path: str, notes: list[str], where: str
    ) -> Table:
        """The joined table at ``path`` of ``artifact``; its two tables are beside it."""
        _, document = self._document(artifact, path)
        return mapping.joined_table(
            document,
            lambda table_path: self.table(artifact, table_path, notes, f"{where} {table_path}"),
        )

    def _document(self, artifact: LoggedArtifact, path: str) -> tuple[mapping.FileSource, Any]:
        """The source holding ``path`` of ``artifact`` and that JSON document, parsed."""
        found = self.resolve(artifact, path)
        if found is None:
            raise mapping.Unimportable(f"{path} of artifact {artifact.name} is not local")
        source, document_path = found
        return source, source.read_json(document_path)

    def locate(self, reference: str) -> tuple[LoggedArtifact, str] | None:
        """The artifact and entry path a ``wandb-client-artifact://`` reference names."""
        if not reference.startswith(_CLIENT_REF):
            return None
        client_id, _, entry_path = reference[len(_CLIENT_REF) :].partition("/")
        artifact = self.by_client_id.get(client_id.split(":", 1)[0])
        return (artifact, entry_path) if artifact is not None else None

    def resolve(
        self, artifact: LoggedArtifact, path: str, depth: int = 0
    ) -> tuple[mapping.FileSource, str] | None:
        """Where the document at ``path`` of ``artifact`` is, with the files its media paths
        are relative to: an entry that refers to another artifact's is followed there (a table
        added from a logged one refers to it, and its images are in that artifact)."""
        entry = next((e for e in artifact.entries if e.path == path), None)
        if entry is None:
            return None
        if entry.ref and entry.ref.startswith(_CLIENT_REF) and depth < 8:
            found = self.locate(entry.ref)
            return self.resolve(*found, depth=depth + 1) if found is not None else None
        files, _ = self.local_files(artifact)
        if path not in files:
            return None
        return mapping.FileSource(f"artifact {artifact.name}", files=files), path

    def source_for(self, reference: str) -> tuple[mapping.FileSource, str] | None:
        """The file source and entry path a ``wandb-client-artifact://`` reference names."""
        found = self.locate(reference)
        return self.resolve(*found) if found is not None else None


def import_artifact(
    run: Run, logged: LoggedArtifact, staged: ArtifactFiles, notes: list[str]
) -> str | None:
    """Log a W&B artifact whose files are all on this machine as a heron version of ``run``;
    returns its qualified name, or None with the reason in ``notes``."""
    if logged.type in INTERNAL_ARTIFACT_TYPES:
        return None  # its tables came in with the history
    label = f"artifact {logged.name}"
    files, missing = staged.local_files(logged)
    if missing:
        notes.append(
            f"{label}: files not local ({len(missing)} of {len(logged.entries)}, e.g. "
            f"{missing[0]!r}; W&B's staging copies are gone)"
        )
        return None
    try:
        artifact = Artifact(
            logged.name, logged.type, description=logged.description, metadata=logged.metadata
        )

        def load(path: str) -> Table:
            return staged.table(logged, path, notes, f"{label} {path}")

        for entry in logged.entries:
            path = entry.path
            try:
                if path.endswith(".joined-table.json"):
                    joined = staged.joined_table(logged, path, notes, f"{label} {path}")
                    artifact.add(joined, _table_name(path, ".joined-table.json"))
                    continue
                if path.endswith(".table.json"):
                    artifact.add(load(path), _table_name(path, ".table.json"))
                    continue
            except mapping.Unimportable as error:
                # The file stays in the version as W&B stored it; only its table is missing.
                notes.append(f"{label}: {path} kept as a file, not a table: {error}")
            artifact.add_file(files[path], name=path)
        taken = {
            alias
            for version in artifact_store.list_versions(
                run.store.engine, project=run.project, name=logged.name
            )
            for alias in version.aliases
        }
        aliases = [a for a in logged.aliases if a != "latest" and a not in taken]
        kept = [a for a in logged.aliases if a != "latest" and a in taken]
        run.log_artifact(artifact, aliases=aliases)
    except (HeronError, mapping.Unimportable) as error:
        message = error.message if isinstance(error, HeronError) else str(error)
        notes.append(f"{label}: {message}")
        return None
    if kept:
        notes.append(
            f"{label}: alias(es) {', '.join(kept)} already name another version in the "
            "store; left there"
        )
    return artifact.qualified_name


def _table_name(path: str, suffix: str) -> str:
    """The name a W&B table file is added under (``art.get(name)``): its path less the suffix."""
    return path[: -len(suffix)].replace("/", "_")


def wandb_cache_dirs() -> list[Path]:
    """Where W&B keeps its cache: ``$WANDB_CACHE_DIR``, else the platform's cache folder."""
    configured = os.environ.get("WANDB_CACHE_DIR")
    if configured:
        return [Path(configured).expanduser()]
    home = Path.home()
    base = os.environ.get("XDG_CACHE_HOME") or str(home / ".cache")
    return [Path(base) / "wandb", home / "Library" / "Caches" / "wandb"]
