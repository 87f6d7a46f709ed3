"""The metadata schema, as SQLAlchemy Core tables shared by SQLite and PostgreSQL.

JSON documents are kept in Text columns on purpose: PostgreSQL's JSON types reject NaN and
infinity, which a run's config or summary may legitimately hold.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

store_meta = Table(
    "heron_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("name", String(256), nullable=False),
    Column("group_name", String(256)),
    Column("job_type", String(128)),
    Column("tags", Text, nullable=False, default="[]"),
    Column("notes", Text, nullable=False, default=""),
    Column("config", Text, nullable=False, default="{}"),
    Column("summary", Text, nullable=False, default="{}"),
    Column("state", String(16), nullable=False),
    Column("exit_code", Integer),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("finished_at", Float),
    Column("heartbeat_at", Float, nullable=False),
    Column("host", String(256), nullable=False, default=""),
    Column("pid", Integer, nullable=False, default=0),
    Column("python_version", String(64), nullable=False, default=""),
    Column("program", Text, nullable=False, default=""),
    Column("git_commit", String(64)),
    Column("git_dirty", Boolean),
    Column("git_remote", Text),
    Column("last_step", BigInteger, nullable=False, default=-1),
    Index("ix_runs_project", "project_id", "created_at"),
)

# Scalar history, stored as chunks of one metric's series: each flush of a run's writer adds
# one row per key holding the steps and values it logged since the last flush, as packed
# little-endian int64/float64 arrays. A million scalars are then a few hundred rows, reading one
# metric's series (a chart) is a concatenation, and NaN and infinities survive untouched.
metrics = Table(
    "metrics",
    metadata,
    Column("run_id", String(64), ForeignKey("runs.id"), nullable=False),
    Column("key", String(512), nullable=False),
    Column("first_step", BigInteger, nullable=False),
    Column("last_step", BigInteger, nullable=False),
    Column("n_points", Integer, nullable=False),
    Column("step_data", LargeBinary, nullable=False),
    Column("value_data", LargeBinary, nullable=False),
    Column("logged_at", Float, nullable=False),
    PrimaryKeyConstraint("run_id", "key", "first_step"),
)

# Non-scalar values logged per step: tables, histograms, single images.
run_objects = Table(
    "run_objects",
    metadata,
    Column("run_id", String(64), ForeignKey("runs.id"), nullable=False),
    Column("key", String(512), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("logged_at", Float, nullable=False),
    PrimaryKeyConstraint("run_id", "key", "step"),
)

# A committed table: Parquet parts under tables/<id>/ (see docs/table-format.md).
tables = Table(
    "tables",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("n_rows", BigInteger, nullable=False),
    Column("columns", Text, nullable=False),
    Column("parts", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

# The pack files of the blob store, by number: an index row names its pack by this id.
blob_packs = Table(
    "blob_packs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
)

# Each write to the blob index (one batch of blobs) in the order they committed: when (gc leaves
# young blobs alone) and how far a sync push got (its cursor is a batch number).
blob_batches = Table(
    "blob_batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Float, nullable=False),
)

# Index of the content-addressed blob store, one small row per blob (heron.store.blob_rows owns
# it, and alone sees the digest as the 32 bytes it is stored as). ``pack`` is NULL for a blob
# kept as an object of its own (large blobs). On SQLite the digest is the table's key itself.
blobs = Table(
    "blobs",
    metadata,
    Column("digest", LargeBinary(32), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("pack", Integer, ForeignKey("blob_packs.id")),
    Column("offset", BigInteger, nullable=False),
    Column("batch", Integer, ForeignKey("blob_batches.id"), nullable=False),
    sqlite_with_rowid=False,
)

artifact_collections = Table(
    "artifact_collections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("name", String(256), nullable=False),
    Column("type", String(128), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    # The number the next committed version takes. It only grows, and the row outlives its
    # last version, so a deleted version's number is never given to different content.
    Column("next_version", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("project_id", "name"),
)

artifact_versions = Table(
    "artifact_versions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("collection_id", Integer, ForeignKey("artifact_collections.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("metadata", Text, nullable=False, default="{}"),
    Column("size", BigInteger, nullable=False),
    Column("file_count", Integer, nullable=False),
    Column("created_by_run_id", String(64), ForeignKey("runs.id")),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("collection_id", "version"),
    Index("ix_artifact_versions_digest", "collection_id", "digest"),
)

artifact_files = Table(
    "artifact_files",
    metadata,
    Column("version_id", String(64), ForeignKey("artifact_versions.id"), nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64)),
    Column("size", BigInteger, nullable=False),
    Column("ref_uri", Text),
    Column("ref_etag", Text),
    Column("table_id", String(64)),
    PrimaryKeyConstraint("version_id", "path"),
)

artifact_aliases = Table(
    "artifact_aliases",
    metadata,
    Column("collection_id", Integer, ForeignKey("artifact_collections.id"), nullable=False),
    Column("alias", String(128), nullable=False),
    Column("version_id", String(64), ForeignKey("artifact_versions.id"), nullable=False),
    PrimaryKeyConstraint("collection_id", "alias"),
)

# Lineage edges: direction "output" = the run logged the version; "input" = the run used it.
lineage = Table(
    "lineage",
    metadata,
    Column("run_id", String(64), ForeignKey("runs.id"), nullable=False),
    Column("version_id", String(64), ForeignKey("artifact_versions.id"), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("created_at", Float, nullable=False),
    PrimaryKeyConstraint("run_id", "version_id", "direction"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("blocks", Text, nullable=False, default="[]"),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Comments on a report (panel_id: on one of its panels, by block id), threaded by parent_id.
# A deleted comment with replies keeps its row (deleted_at set, body emptied) for the thread.
comments = Table(
    "comments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("report_id", String(64), ForeignKey("reports.id"), nullable=False),
    Column("panel_id", String(64)),
    Column("parent_id", String(32), ForeignKey("comments.id")),
    Column("author", String(128), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("edited_at", Float),
    Column("deleted_at", Float),
    Index("ix_comments_report", "report_id", "created_at"),
    Index("ix_comments_parent", "parent_id"),
)

# Team-server access (heron/store/users.py). Local stores have these tables empty: `heron ui`
# serves every request as the local owner and never reads them.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
)

# An API key is shown once; only the sha256 of its secret part is kept. `id` is the public
# part written into the key itself, so a key is found (and revoked) without scanning hashes.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
    Index("ix_api_keys_user", "user_id"),
)

# A browser session started by signing in with a key; it ends with the key's revocation.
auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("key_id", String(32), ForeignKey("api_keys.id"), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

project_members = Table(
    "project_members",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("role", String(16), nullable=False),
    PrimaryKeyConstraint("project_id", "user_id"),
    Index("ix_project_members_user", "user_id"),
)

# A project without a row here is private.
project_visibility = Table(
    "project_visibility",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id"), primary_key=True),
    Column("visibility", String(16), nullable=False),
)
