"""Using what a server holds from a client's spool: an artifact version copied in on first use.

In remote mode ``run.use_artifact("name:alias")`` asks the server which version the name means
now, and copies into the spool whatever of it the spool lacks: its blobs (small ones many to an
answer), the tables it holds, then the version itself, committed with the server's digest. The
run then reads, downloads and records lineage exactly as in local mode; when the spool is pushed,
the server recognises the version by its content and records the lineage on its own version.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING
from urllib.parse import quote

from heron.errors import IntegrityError, NotFoundError
from heron.store import artifacts as artifact_store
from heron.store.jsonvalues import loads
from heron.store.manifest import ManifestEntry
from heron.store.safefiles import CREATE_NEW, open_directory_inside
from heron.store.tables import commit_table, get_table, part_name
from heron.sync.http import ApiClient
from heron.sync.models import MAX_DIGESTS, ArtifactVersionOut, TableOut
from heron.sync.pusher import CHUNK_BYTES
from heron.sync.receive import FRAME_HEADER

if TYPE_CHECKING:
    from heron.store.artifacts import VersionRecord
    from heron.store.store import Store


def pull_version(store: Store, client: ApiClient, project: str, ref: str) -> VersionRecord:
    """The spool's copy of the server's version ``ref`` in ``project``, copied in if missing."""
    answer = client.json(
        "GET",
        f"/api/sync/projects/{quote(project, safe='')}/artifacts/resolve?ref={quote(ref, safe='')}",
    )
    info = ArtifactVersionOut.model_validate(answer)
    entries = [ManifestEntry(**entry.model_dump()) for entry in info.entries]
    # Whatever of it the spool lacks, even when it holds the version: a listing copies
    # versions without their files (only what is missing is fetched).
    try:
        _fetch_blobs(store, client, entries)
    finally:
        store.blobs.close()  # the pack file the copy appended to (a later write reopens it)
    for entry in entries:
        if entry.table_id is not None:
            _fetch_table(store, client, entry.table_id)
    # Commits the version, or (same content held already) only moves the aliases the server has.
    artifact_store.commit_version(
        store.engine,
        project=info.project,
        name=info.name,
        type=info.type,
        description=info.description,
        metadata=loads(info.metadata),
        entries=entries,
        aliases=[alias for alias in info.aliases if alias != artifact_store.LATEST],
        run_id=None,
        digest=info.digest,
    )
    local = artifact_store.find_by_digest(store.engine, info.project, info.name, info.digest)
    if local is None:  # pragma: no cover - committed just above
        raise NotFoundError(f"{info.project}/{info.name}:v{info.version} could not be copied")
    return local


def _fetch_blobs(store: Store, client: ApiClient, entries: list[ManifestEntry]) -> None:
    sizes = {e.sha256: e.size for e in entries if e.sha256 and e.is_stored_blob}
    missing = store.blobs.missing(sizes)
    large = [d for d in missing if sizes[d] >= CHUNK_BYTES // 2]
    small = sorted(set(missing) - set(large))
    for digest in large:
        _, data = client.request("GET", f"/api/sync/blobs/{digest}")
        _check(digest, data)
        store.blobs.put(data)
    while small:
        _, body = client.request(
            "POST", "/api/sync/blobs/read", json_body={"digests": small[:MAX_DIGESTS]}
        )
        items = _frames(body)
        if not items:
            raise IntegrityError(f"the server sent none of {len(small)} blobs asked for")
        store.blobs.put_many(items)
        received = {hashlib.sha256(item).hexdigest() for item in items}
        small = [digest for digest in small if digest not in received]


def _frames(body: bytes) -> list[bytes]:
    items = []
    position = 0
    while position < len(body):
        digest = body[position : position + 64].decode("ascii")
        size = int.from_bytes(body[position + 64 : position + FRAME_HEADER], "big")
        data = body[position + FRAME_HEADER : position + FRAME_HEADER + size]
        _check(digest, data)
        items.append(data)
        position += FRAME_HEADER + size
    return items


def _check(digest: str, data: bytes) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest:
        raise IntegrityError(f"the server sent blob {digest} as bytes hashing to {actual}")


def _fetch_table(store: Store, client: ApiClient, table_id: str) -> None:
    try:
        get_table(store.engine, table_id)
        return
    except NotFoundError:
        pass
    table = TableOut.model_validate(client.json("GET", f"/api/sync/tables/{quote(table_id)}"))
    names = [part_name(table.id, index) for index in range(len(table.part_sizes))]
    directory = open_directory_inside(store.root / "tables", table.id, create=True)
    try:
        for index, relative in enumerate(names):
            _, data = client.request("GET", f"/api/sync/tables/{quote(table_id)}/parts/{index}")
            if len(data) != table.part_sizes[index]:
                raise IntegrityError(f"part {index} of table {table_id} arrived incomplete")
            temporary = f".pull-{os.urandom(16).hex()}"
            fd = os.open(temporary, CREATE_NEW, 0o644, dir_fd=directory)
            with open(fd, "wb") as handle:
                handle.write(data)
            os.replace(
                temporary, relative.rpartition("/")[2], src_dir_fd=directory, dst_dir_fd=directory
            )
    finally:
        os.close(directory)
    commit_table(store.engine, table.id, table.n_rows, json.loads(table.columns), names)
