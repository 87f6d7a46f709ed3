"""Reading a W&B run directory: its ``run-<id>.wandb`` transaction log, decoded into plain data.

The log is a sequence of protobuf ``Record`` messages (wandb's own ``wandb.proto``) framed the
way LevelDB frames its log: a 7-byte file header (``:W&B``, a 2-byte magic, a version byte),
then 32 KiB blocks of chunks, each with a 7-byte header (CRC-32 of the chunk type byte and the
data, little-endian length, type: full / first / middle / last). A record never starts in the
last 6 bytes of a block; those are padding. Every chunk's checksum is verified, so a damaged
log is refused with the byte offset where it breaks, never half-read. W&B writes the log in
whole blocks, so the log of a process that died ends mid-record: such a truncated log is refused
too, unless the caller asks for ``partial`` reading, which keeps every complete record before
the cut (the run then counts as crashed).

Decoding the protobuf needs the ``wandb`` package (``pip install 'heron[wandb]'``); it is
imported only here and only when a log is read.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

from heron.errors import ImportSourceError, UsageError

_FILE_HEADER = struct.Struct("<4sHB")
_FILE_IDENT = b":W&B"
_FILE_MAGIC = 0xBEE1
_CHUNK_HEADER = struct.Struct("<IHB")
_BLOCK = 32 * 1024
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
_FILE_OTHER = 0  # FilesItem.type of a file the user saved (W&B's own are WANDB, MEDIA...)
# Files W&B writes itself, which older versions list without marking them as W&B's.
_WANDB_FILES = {
    "wandb-metadata.json",
    "wandb-summary.json",
    "config.yaml",
    "requirements.txt",
    "output.log",
    "conda-environment.yaml",
    "diff.patch",
    "wandb-job.json",
}
# The CRC of each chunk starts from the CRC of its type byte.
_TYPE_CRC = {kind: zlib.crc32(bytes([kind])) for kind in (_FULL, _FIRST, _MIDDLE, _LAST)}


@dataclass
class ArtifactEntry:
    """One path of a logged W&B artifact: where its bytes are on this machine, if anywhere."""

    path: str
    size: int
    md5_b64: str
    local_path: str | None  # a copy W&B staged when the artifact was logged
    ref: str | None  # another artifact's entry, or an external URI


@dataclass
class LoggedArtifact:
    """An artifact the run logged (``log_artifact``), as its record describes it."""

    name: str
    type: str
    description: str
    metadata: dict[str, Any]
    aliases: list[str]
    digest: str
    client_id: str
    entries: list[ArtifactEntry]


@dataclass
class UsedArtifact:
    """An artifact the run declared as an input (``use_artifact``)."""

    name: str
    type: str
    artifact_id: str


@dataclass
class MetricDefinition:
    """A ``define_metric`` call: a metric name or glob, its x-axis, kept aggregates, hidden."""

    name: str
    step_metric: str
    aggregates: list[str]
    hidden: bool


@dataclass
class WandbRun:
    """Everything a run's transaction log says, as plain Python values.

    :meth:`history` yields one ``(step, row)`` per logged step, ``row`` nested as W&B logged
    it (media values are dicts with ``_type``); the rows are decoded as they are read, so a long
    run's history is held as its compact log records, never all at once as dicts.
    ``exit_code`` is None when the log has no exit record (the process died, or is running).
    """

    run_dir: Path
    log_path: Path
    log_sha256: str
    run_id: str = ""
    project: str = ""
    entity: str = ""
    name: str = ""
    group: str = ""
    job_type: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    host: str = ""
    program: str = ""
    python_version: str = ""
    git_commit: str = ""
    git_remote: str = ""
    start_time: float | None = None
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history_records: list[bytes] = field(default_factory=list)  # checked, decoded on reading
    artifacts: list[LoggedArtifact] = field(default_factory=list)
    uses: list[UsedArtifact] = field(default_factory=list)
    metrics: list[MetricDefinition] = field(default_factory=list)
    saved_files: list[str] = field(default_factory=list)  # wandb.save, relative to files/
    exit_code: int | None = None
    runtime: float | None = None
    producer: str = ""
    truncated_at: int | None = None  # where a log read with partial=True was cut short

    def history(self) -> Iterator[tuple[int, dict[str, Any], list[str]]]:
        """``(step, row, problems)`` per logged step, in the order W&B logged them;
        ``problems`` names the values of the row that did not decode (left out of ``row``)."""
        pb = proto_module()
        for raw in self.history_records:
            record = pb.Record()
            record.ParseFromString(raw)  # it parsed when the log was read
            yield _history_row(record.history)

    @property
    def files_dir(self) -> Path:
        """The run's ``files/`` directory (media, tables, saved files)."""
        return self.run_dir / "files"


def proto_module() -> ModuleType:
    """wandb's protobuf messages; a clear message when the ``wandb`` package is missing."""
    try:
        return importlib.import_module("wandb.proto.wandb_internal_pb2")
    except ImportError as error:
        raise UsageError(
            "importing W&B runs needs the wandb package to decode their logs: "
            f"pip install 'heron[wandb]' ({error})"
        ) from None


def find_log(run_dir: Path) -> Path:
    """The ``run-<id>.wandb`` file of a run directory."""
    logs = sorted(run_dir.glob("run-*.wandb"))
    if not logs:
        raise ImportSourceError(f"{run_dir}: no run-*.wandb transaction log in this directory")
    if len(logs) > 1:
        names = ", ".join(log.name for log in logs)
        raise ImportSourceError(f"{run_dir}: more than one transaction log ({names})")
    return logs[0]


def read_records(
    path: Path, data: bytes, *, partial: bool = False
) -> tuple[list[bytes], int | None]:
    """The raw records of a transaction log (``data``, read from ``path``), every chunk's
    checksum verified, and the byte offset where the log is cut short (None if it is whole).
    A cut-short log raises ImportSourceError unless ``partial``."""

    def truncated(at: int, what: str) -> tuple[list[bytes], int | None]:
        if partial:
            return records, at
        raise ImportSourceError(
            f"{path}: truncated at byte {at} ({what}; the W&B process may have died while "
            "writing: --partial imports the records before it as a crashed run)"
        )

    if len(data) < _FILE_HEADER.size:
        raise ImportSourceError(f"{path}: too short to be a W&B transaction log")
    ident, magic, _version = _FILE_HEADER.unpack_from(data)
    if ident != _FILE_IDENT or magic != _FILE_MAGIC:
        raise ImportSourceError(f"{path}: not a W&B transaction log (bad header)")
    records: list[bytes] = []
    pending: list[bytes] | None = None
    position = _FILE_HEADER.size
    end = len(data)
    while position < end:
        room = _BLOCK - position % _BLOCK
        if room < _CHUNK_HEADER.size:
            position += room  # block trailer
            continue
        if end - position < _CHUNK_HEADER.size:
            return truncated(position, "incomplete record")
        checksum, length, kind = _CHUNK_HEADER.unpack_from(data, position)
        if kind == 0 and length == 0 and checksum == 0:
            position += room  # zero padding to the end of the block
            continue
        start = position + _CHUNK_HEADER.size
        if start + length > end:
            return truncated(position, "incomplete record")
        chunk = data[start : start + length]
        if kind not in _TYPE_CRC or zlib.crc32(chunk, _TYPE_CRC[kind]) != checksum:
            raise ImportSourceError(f"{path}: corrupt record at byte {position} (bad checksum)")
        position = start + length
        if kind == _FULL:
            records.append(chunk)
        elif kind == _FIRST:
            pending = [chunk]
        elif pending is None:
            raise ImportSourceError(f"{path}: corrupt record at byte {position} (stray fragment)")
        else:
            pending.append(chunk)
            if kind == _LAST:
                records.append(b"".join(pending))
                pending = None
    if pending is not None:
        return truncated(end, "record cut short")
    return records, None


def _read_log(run_dir: Path) -> tuple[Path, bytes]:
    log_path = find_log(run_dir)
    try:
        return log_path, log_path.read_bytes()
    except OSError as error:
        raise ImportSourceError(f"{log_path}: cannot read it: {error.strerror}") from None


class LogIdentity(NamedTuple):
    """Which W&B run a log belongs to: its id, the log's sha256, and whether the log is a
    resumed part (``wandb.init(id=..., resume=...)`` of a run begun in another log)."""

    run_id: str
    log_sha256: str
    resumed: bool


def read_identity(run_dir: Path) -> LogIdentity:
    """The :class:`LogIdentity` of a run directory's log, decoding only up to the run record:
    enough to tell whether a run was imported already, without decoding its whole history."""
    log_path, data = _read_log(run_dir)
    digest = hashlib.sha256(data).hexdigest()
    pb = proto_module()
    for raw in read_records(log_path, data, partial=True)[0]:
        record = pb.Record()
        try:
            record.ParseFromString(raw)
        except Exception:  # read_run reports it, with the record's position
            break
        if record.WhichOneof("record_type") == "run":
            run = record.run
            return LogIdentity(str(run.run_id), digest, bool(run.resume or run.resumed))
    return LogIdentity("", digest, False)


def read_run(run_dir: Path, *, partial: bool = False) -> WandbRun:
    """Read and decode one W&B run directory's log into a :class:`WandbRun`; ``partial``
    accepts a log cut short (see the module's docstring)."""
    log_path, data = _read_log(run_dir)
    pb = proto_module()
    raw_records, truncated_at = read_records(log_path, data, partial=partial)
    run = WandbRun(run_dir=run_dir, log_path=log_path, log_sha256=hashlib.sha256(data).hexdigest())
    run.truncated_at = truncated_at
    for index, raw in enumerate(raw_records):
        record = pb.Record()
        try:
            record.ParseFromString(raw)
        except Exception as error:  # protobuf's DecodeError has no stable import path
            raise ImportSourceError(
                f"{log_path}: record {index} does not decode ({error})"
            ) from None
        try:
            if record.WhichOneof("record_type") == "history":
                run.history_records.append(raw)  # decoded when it is read
            else:
                _apply(run, record)
        except (ValueError, TypeError) as error:
            raise ImportSourceError(
                f"{log_path}: record {index} ({record.WhichOneof('record_type')}) is malformed: "
                f"{error}"
            ) from None
    if not run.run_id:
        raise ImportSourceError(f"{log_path}: the log has no run record (not a complete run)")
    try:
        run.config, run.summary = _decoded(run.config), _decoded(run.summary)
    except ValueError as error:
        raise ImportSourceError(
            f"{log_path}: the run's config or summary holds malformed JSON ({error})"
        ) from None
    return run


def _apply(run: WandbRun, record: Any) -> None:
    kind = record.WhichOneof("record_type")
    if kind == "run":
        _apply_run(run, record.run)
    elif kind == "config":
        _update(run.config, record.config.update, record.config.remove)
    elif kind == "summary":
        _update(run.summary, record.summary.update, record.summary.remove)
    elif kind == "artifact":
        run.artifacts.append(_artifact(record.artifact))
    elif kind == "use_artifact":
        use = record.use_artifact
        run.uses.append(UsedArtifact(name=use.name, type=use.type, artifact_id=use.id))
    elif kind == "metric":
        _apply_metric(run, record.metric)
    elif kind == "files":
        for item in record.files.files:
            # W&B's own files and logged media are not files the user saved.
            if (
                item.type == _FILE_OTHER
                and not item.path.startswith("media/")
                and item.path not in _WANDB_FILES
                and item.path not in run.saved_files
            ):
                run.saved_files.append(item.path)
    elif kind == "environment":
        environment = record.environment
        run.program = run.program or environment.program or environment.code_path
        run.python_version = run.python_version or environment.python
        run.host = run.host or environment.host
        if environment.HasField("git"):
            run.git_commit = run.git_commit or environment.git.commit
            run.git_remote = run.git_remote or environment.git.remote_url
    elif kind == "exit":
        run.exit_code = int(record.exit.exit_code)
        run.runtime = float(record.exit.runtime)
    elif kind == "header":
        run.producer = record.header.version_info.producer


def _apply_metric(run: WandbRun, record: Any) -> None:
    name = record.name or record.glob_name
    if not name or record.expanded_from_glob:
        return  # W&B repeats a glob's definition per matching key; the glob itself is enough
    summary = record.summary
    aggregates = [
        aggregate
        for aggregate in ("min", "max", "mean", "best", "last", "none", "copy", "first")
        if getattr(summary, aggregate)
    ]
    definition = MetricDefinition(
        name=name,
        step_metric=record.step_metric,
        aggregates=aggregates,
        hidden=bool(record.options.hidden),
    )
    run.metrics = [m for m in run.metrics if m.name != name] + [definition]


def _apply_run(run: WandbRun, record: Any) -> None:
    run.run_id = record.run_id
    run.project = record.project
    run.entity = record.entity
    run.name = record.display_name
    run.group = record.run_group
    run.job_type = record.job_type
    run.notes = record.notes
    run.tags = list(record.tags)
    run.host = record.host or run.host
    if record.HasField("git"):
        run.git_commit = record.git.commit or run.git_commit
        run.git_remote = record.git.remote_url or run.git_remote
    if record.HasField("start_time"):
        start = record.start_time
        run.start_time = start.seconds + start.nanos / 1e9
    # A resumed run's record repeats the config: the record's items apply like an update.
    _update(run.config, record.config.update, [])
    _update(run.summary, record.summary.update, [])


def _path_of(item: Any) -> list[str]:
    return list(item.nested_key) if item.nested_key else [item.key]


def _value_of(item: Any) -> Any:
    return json.loads(item.value_json) if item.value_json else None


class _Json:
    """A config or summary value still in JSON: W&B rewrites the summary at every step, and only
    the values left at the end need decoding."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def decode(self) -> Any:
        return _decoded(json.loads(self.text))


def _decoded(value: Any) -> Any:
    """``value`` with every :class:`_Json` inside it decoded."""
    if isinstance(value, _Json):
        return value.decode()
    if isinstance(value, dict):
        return {key: _decoded(item) for key, item in value.items()}
    return value


def _update(target: dict[str, Any], updates: Any, removes: Any) -> None:
    for item in updates:
        _set_nested(target, _path_of(item), _Json(item.value_json) if item.value_json else None)
    for item in removes:
        path = _path_of(item)
        parent: Any = target
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            parent.pop(path[-1], None)


def _set_nested(target: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        child = target.get(part)
        if isinstance(child, _Json):  # a later update goes into a value set whole before
            child = target[part] = child.decode()
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    target[path[-1]] = value


def _history_value(item: Any) -> Any:
    which = item.WhichOneof("value")
    if which in (None, "value_json") or not which:
        return _value_of(item)
    if which == "none":
        return None
    if which == "json":
        return json.loads(item.json)
    return getattr(item, which)


def _history_row(record: Any) -> tuple[int, dict[str, Any], list[str]]:
    row: dict[str, Any] = {}
    problems: list[str] = []
    for item in record.item:
        path = _path_of(item)
        try:
            _set_nested(row, path, _history_value(item))
        except ValueError as error:
            problems.append(f"{'.'.join(path)!r}: malformed value ({error})")
    step = row.get("_step")
    if not isinstance(step, int) or isinstance(step, bool):
        step = int(record.step.num)
    return step, row, problems


def _artifact(record: Any) -> LoggedArtifact:
    metadata = json.loads(record.metadata) if record.metadata else {}
    entries = [
        ArtifactEntry(
            path=entry.path,
            size=int(entry.size),
            md5_b64=entry.digest,
            local_path=entry.local_path or None,
            ref=entry.ref or None,
        )
        for entry in record.manifest.contents
    ]
    return LoggedArtifact(
        name=record.name,
        type=record.type,
        description=record.description,
        metadata=metadata if isinstance(metadata, dict) else {"metadata": metadata},
        aliases=list(record.aliases),
        digest=record.digest,
        client_id=record.client_id,
        entries=entries,
    )


def find_run_dirs(path: Path) -> list[Path]:
    """The W&B run directories at ``path``: itself if it holds a ``run-*.wandb`` log, else its
    ``offline-run-*`` and ``run-*`` subdirectories (also under a ``wandb/`` child), oldest first.
    """
    if not path.exists():
        raise ImportSourceError(f"{path}: no such file or directory")
    if path.is_file():
        if path.suffix == ".wandb":
            return [path.parent]
        raise ImportSourceError(f"{path}: not a W&B run directory or transaction log")
    if any(path.glob("run-*.wandb")):
        return [path]
    found: list[Path] = []
    for base in (path, path / "wandb"):
        if base.is_dir():
            found.extend(
                child
                for child in base.iterdir()
                if child.is_dir()
                and (child.name.startswith("offline-run-") or child.name.startswith("run-"))
            )
    # Directory names carry the start time (offline-run-YYYYMMDD_HHMMSS-id): runs that logged
    # an artifact come before runs that used it.
    return sorted(set(found), key=lambda child: (child.name.split("run-", 1)[-1], child.name))
