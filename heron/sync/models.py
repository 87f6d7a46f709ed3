"""The bodies of the ``/api/sync`` routes, shared by the pusher that sends them and the server.

JSON documents of the store (a run's config and summary, an object's payload, a table's columns,
an artifact's metadata) travel as the text the store keeps, so NaN and infinities survive as
they do on disk. A metric chunk's packed steps and values travel as base64.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from heron._types import RunState
from heron.store.jsonvalues import loads

SHA256_PATTERN = r"^[0-9a-f]{64}$"
ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"
MAX_DIGESTS = 10_000
"""The most digests one ``blobs/missing`` question may hold."""
MAX_BATCH_ITEMS = 5_000
"""The most metric chunks or run objects one request may hold."""


class DigestList(BaseModel):
    """Digests the pusher is about to send."""

    digests: list[str] = Field(max_length=MAX_DIGESTS)


class MissingBlobs(BaseModel):
    """The asked digests the server does not hold."""

    missing: list[str]


class Stored(BaseModel):
    """How many items a request added (0 when the server had them all already)."""

    stored: int


class UploadState(BaseModel):
    """How many bytes of an interrupted upload the server holds: the offset to resume at."""

    offset: int


class RunRecordIn(BaseModel):
    """A run as the store keeps it; created or replaced whole, by id."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(max_length=256)
    group_name: str | None = Field(None, max_length=256)
    job_type: str | None = Field(None, max_length=128)
    tags: str = "[]"
    notes: str = ""
    config: str = "{}"
    summary: str = "{}"
    state: RunState
    exit_code: int | None = None
    created_at: float
    updated_at: float
    finished_at: float | None = None
    heartbeat_at: float
    host: str = Field("", max_length=256)
    pid: int = 0
    python_version: str = Field("", max_length=64)
    program: str = ""
    git_commit: str | None = Field(None, max_length=64)
    git_dirty: bool | None = None
    git_remote: str | None = None
    last_step: int = -1

    # The store keeps these as JSON text and every reader parses them: text that does not
    # parse to the right shape would break the project's run list for all its readers.
    @field_validator("tags")
    @classmethod
    def _tags_are_a_list_of_strings(cls, text: str) -> str:
        value = _parsed(text)
        if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
            raise ValueError("tags must be the JSON text of a list of strings")
        return text

    @field_validator("config", "summary")
    @classmethod
    def _is_an_object(cls, text: str) -> str:
        if not isinstance(_parsed(text), dict):
            raise ValueError("must be the JSON text of an object")
        return text


def _parsed(text: str) -> Any:
    try:
        return loads(text)
    except ValueError:
        raise ValueError("is not JSON text") from None


class MetricChunk(BaseModel):
    """Consecutive steps of one metric, as stored: packed little-endian int64 steps and float64
    values (base64), keyed by (run, key, first_step)."""

    key: str = Field(min_length=1, max_length=512)
    first_step: int
    last_step: int
    n_points: int = Field(ge=1)
    step_data: str
    value_data: str
    logged_at: float


class MetricBatch(BaseModel):
    """Metric chunks of one run."""

    chunks: list[MetricChunk] = Field(max_length=MAX_BATCH_ITEMS)


class RunObjectIn(BaseModel):
    """A logged table, image, histogram or chart record of one run at one step."""

    key: str = Field(min_length=1, max_length=512)
    step: int
    kind: str = Field(min_length=1, max_length=32)
    payload: str
    logged_at: float

    @field_validator("payload")
    @classmethod
    def _is_json(cls, text: str) -> str:
        _parsed(text)  # every reader of the run's objects parses it
        return text


class ObjectBatch(BaseModel):
    """Run objects of one run; each replaces what the run had under its key and step."""

    objects: list[RunObjectIn] = Field(max_length=MAX_BATCH_ITEMS)


class TablePart(BaseModel):
    """One Parquet part of a table, sent beforehand under its sha256: in chunks to
    ``/uploads`` under ``upload``, or (``blob``) as a blob, which every replica of a server
    keeping its blobs in an object store can read."""

    sha256: str = Field(pattern=SHA256_PATTERN)
    size: int = Field(ge=0)
    upload: str = Field(pattern=ID_PATTERN, description="the upload id its bytes were sent under")
    blob: bool = Field(default=False, description="its bytes were sent as a blob, not an upload")


class TableIn(BaseModel):
    """A committed table: registered once its parts are uploaded."""

    id: str = Field(pattern=ID_PATTERN)
    n_rows: int = Field(ge=0)
    columns: str
    parts: list[TablePart]

    @field_validator("columns")
    @classmethod
    def _columns_are_a_list(cls, text: str) -> str:
        if not isinstance(_parsed(text), list):
            raise ValueError("must be the JSON text of a list of columns")
        return text

    created_at: float


class ArtifactEntryIn(BaseModel):
    """One path of an artifact version (see heron.store.manifest.ManifestEntry)."""

    path: str
    size: int = Field(ge=0)
    sha256: str | None = Field(default=None, pattern=SHA256_PATTERN)
    ref_uri: str | None = None
    ref_etag: str | None = None
    ref_version: str | None = None
    table_id: str | None = None


class ArtifactIn(BaseModel):
    """An artifact version logged in the spool; the server numbers it."""

    name: str
    type: str
    description: str = ""
    metadata: str = "{}"
    entries: list[ArtifactEntryIn]
    aliases: list[str] = []
    run_id: str | None = None


class ArtifactOut(BaseModel):
    """The server's version for a pushed one: its id and number, and whether it is new."""

    version_id: str
    version: int
    created: bool


class LineageIn(BaseModel):
    """An edge between a run and a server's artifact version (``input``: the run used it)."""

    run_id: str = Field(pattern=ID_PATTERN)
    version_id: str
    direction: str = Field(pattern=r"^(input|output)$")


class TableOut(BaseModel):
    """A table of the server, for a client that copies it: its parts are read one by one."""

    id: str
    n_rows: int
    columns: str
    part_sizes: list[int]
    created_at: float


class ArtifactVersionOut(BaseModel):
    """A version of the server with its manifest, for a client that uses it."""

    version_id: str
    version: int
    project: str
    name: str
    type: str
    description: str
    metadata: str
    digest: str
    aliases: list[str]
    entries: list[ArtifactEntryIn]
