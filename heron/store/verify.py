"""Checking a whole store: every blob's bytes, every reference to a blob, table files, manifests.

:func:`verify_store` reads every indexed blob (packs in offset order, files of their own through
descriptors opened without following symlinks) and hashes it; a blob that fails is quarantined
(heron.store.quarantine) unless asked not to. It then checks that every blob something refers to
(an artifact file, a table's image cell, a run object) is in the index, that every Parquet part a
table lists is a regular file whose row counts add up to the table's, that every artifact
version's manifest still hashes to its digest, and that no symlink sits inside the store below its
top-level directories. Blobs quarantined earlier and not restored since are reported again.

Repair (``repair_from``) restores quarantined or missing blobs from other copies, matched by
hash: a directory of files (the original dataset, a download of the version...) or another heron
store. Nothing else is repaired: a table part or a manifest that is wrong is reported only, as
heron keeps no second copy of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from heron.errors import HeronError, IntegrityError, StoreError
from heron.store import blob_rows, quarantine, schema
from heron.store.blobs import sha256_hex
from heron.store.jsonvalues import loads
from heron.store.manifest import manifest_digest
from heron.store.quarantine import QuarantineRecord
from heron.store.safefiles import NotARegularFile, hash_fd, open_inside

if TYPE_CHECKING:
    from heron.store.store import Store

Progress = Callable[[int], object]
_TOP_LEVEL = ("blobs", "tables", "cache")


@dataclass(frozen=True)
class Finding:
    """One thing wrong: what kind of object, which one, and what is wrong with it."""

    kind: str  # "blob", "reference", "table", "manifest", "symlink"
    subject: str  # a digest, a table id, a version name, a store-relative path
    problem: str

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}: {self.problem}"


@dataclass
class StoreReport:
    """What :func:`verify_store` checked and found."""

    blobs: int = 0
    blob_bytes: int = 0
    tables: int = 0
    versions: int = 0
    bad_blobs: list[Finding] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    still_quarantined: list[QuarantineRecord] = field(default_factory=list)
    missing: list[Finding] = field(default_factory=list)
    table_problems: list[Finding] = field(default_factory=list)
    manifest_problems: list[Finding] = field(default_factory=list)
    symlinks: list[Finding] = field(default_factory=list)
    unindexed_files: int = 0
    forgotten_quarantined: int = 0  # quarantined earlier, referred to by nothing now
    referred_by: dict[str, str] = field(default_factory=dict)  # bad digest -> who uses it

    @property
    def problems(self) -> list[Finding]:
        """Everything still wrong once the check (and any repair) is done."""
        repaired = set(self.repaired)
        bad = [self._used_by(f) for f in self.bad_blobs if f.subject not in repaired]
        earlier = [
            self._used_by(
                Finding("blob", r.digest, f"quarantined earlier ({r.problem}), not restored")
            )
            for r in self.still_quarantined
        ]
        return (
            bad
            + earlier
            + self.missing
            + self.table_problems
            + self.manifest_problems
            + self.symlinks
        )

    def _used_by(self, finding: Finding) -> Finding:
        who = self.referred_by.get(finding.subject)
        if who is None:
            return finding
        return Finding(finding.kind, finding.subject, f"{finding.problem}; used by {who}")

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


@dataclass(frozen=True)
class _Blob:
    digest: str
    size: int
    pack: str
    offset: int


def indexed_blobs(store: Store) -> list[_Blob]:
    """Every blob in the index, packs first in offset order (the order they are read in)."""
    with store.engine.connect() as connection:
        rows = blob_rows.every_row(connection)
    blobs = [_Blob(row.digest, row.size, row.pack, row.offset) for row in rows]
    return sorted(blobs, key=lambda x: (x.pack == "", x.pack, x.offset, x.digest))


def verify_store(
    store: Store,
    *,
    quarantine_bad: bool = True,
    repair_from: Sequence[Path] = (),
    blobs: list[_Blob] | None = None,
    progress: Progress | None = None,
) -> StoreReport:
    """Check the whole store; quarantine bad blobs unless ``quarantine_bad`` is False.

    ``repair_from``: directories or heron stores to take good copies of quarantined or missing
    blobs from. ``progress`` is called with the bytes of each blob once it is checked.
    """
    if store.remote is not None:  # its blobs are not in the directory this checks
        raise StoreError(
            f"heron verify checks local stores only; this one keeps its blobs in {store.remote.location}"
        )
    report = StoreReport()
    report.symlinks = _symlinks(store)
    listed = indexed_blobs(store) if blobs is None else blobs
    report.blobs = len(listed)
    report.blob_bytes = sum(b.size for b in listed)
    bad = _check_blobs(store, listed, progress or (lambda _: None))
    report.bad_blobs = [Finding("blob", blob.digest, problem) for blob, problem in bad]
    if quarantine_bad:
        for blob, problem in bad:
            store.blobs.quarantine(blob.digest, blob.size, blob.pack, blob.offset, problem)
            report.quarantined.append(blob.digest)
    report.unindexed_files = _unindexed_files(store, {b.digest for b in listed})
    referrers = _referrers(store)
    if repair_from:
        wanted = _wanted(store, referrers, [b for b, _ in bad] if quarantine_bad else [])
        report.repaired = repair(store, wanted, repair_from)
    bad_now = {f.subject for f in report.bad_blobs} - set(report.repaired)
    records = quarantine.records(store.blobs.root)
    present = set(store.blobs.located({r.digest for r in records}))
    unrestored = [r for r in records if r.digest not in present and r.digest not in bad_now]
    # A quarantined blob nothing refers to any more is history, not a problem (gc-able garbage).
    report.still_quarantined = [r for r in unrestored if r.digest in referrers]
    report.forgotten_quarantined = len(unrestored) - len(report.still_quarantined)
    earlier = {r.digest for r in report.still_quarantined}
    indexed = set(store.blobs.located(set(referrers)))
    report.missing = [
        Finding("reference", digest, f"referred to by {who}, but not in the store")
        for digest, who in sorted(referrers.items())
        if digest not in indexed and digest not in bad_now and digest not in earlier
    ]
    report.referred_by = {d: referrers[d] for d in bad_now | earlier if d in referrers}
    report.tables, report.table_problems = _check_tables(store)
    report.versions, report.manifest_problems = _check_manifests(store)
    return report


def _check_blobs(store: Store, blobs: list[_Blob], progress: Progress) -> list[tuple[_Blob, str]]:
    bad: list[tuple[_Blob, str]] = []
    root = store.blobs.root
    open_pack: tuple[str, int, str] | None = None  # pack name, descriptor (-1: failed), why
    try:
        for blob in blobs:
            if blob.pack:
                if open_pack is None or open_pack[0] != blob.pack:
                    if open_pack is not None and open_pack[1] >= 0:
                        os.close(open_pack[1])
                    open_pack = (blob.pack, *_open_or_problem(root / "packs", blob.pack))
                fd = open_pack[1]
                if fd < 0:
                    bad.append((blob, open_pack[2]))
                else:
                    data = os.pread(fd, blob.size, blob.offset)
                    if len(data) != blob.size:
                        bad.append((blob, f"{len(data)} bytes where {blob.size} were stored"))
                    elif sha256_hex(data) != blob.digest:
                        bad.append((blob, f"hash mismatch (hashes to {sha256_hex(data)[:12]}…)"))
            else:
                problem = _check_object(root / "objects", blob)
                if problem:
                    bad.append((blob, problem))
            progress(blob.size)
    finally:
        if open_pack is not None and open_pack[1] >= 0:
            os.close(open_pack[1])
    return bad


def _open_or_problem(base: Path, relative: str) -> tuple[int, str]:
    try:
        return open_inside(base, relative), ""
    except FileNotFoundError:
        return -1, "missing"
    except NotARegularFile:
        return -1, "not a regular file (a symlink or a special file)"
    except OSError as error:
        return -1, f"unreadable ({error.strerror or error})"


def _check_object(objects: Path, blob: _Blob) -> str:
    fd, problem = _open_or_problem(objects, f"{blob.digest[:2]}/{blob.digest}")
    if fd < 0:
        return problem
    try:
        actual, length = hash_fd(fd, blob.size)
    except OSError as error:
        return f"unreadable ({error.strerror or error})"
    finally:
        os.close(fd)
    if length != blob.size:
        return f"{length} bytes where {blob.size} were stored"
    if actual != blob.digest:
        return f"hash mismatch (hashes to {actual[:12]}…)"
    return ""


def _symlinks(store: Store) -> list[Finding]:
    """Symlinks below the store's top-level directories (which may themselves be links)."""
    found: list[Finding] = []
    for top in _TOP_LEVEL:
        base = store.root / top
        if not base.is_dir():
            continue
        for directory, dirnames, filenames in os.walk(base):
            for name in dirnames + filenames:
                path = Path(directory) / name
                if path.is_symlink():
                    relative = f"{top}/{path.relative_to(base).as_posix()}"
                    found.append(
                        Finding("symlink", relative, "a symlink inside the store (never followed)")
                    )
    return found


def _unindexed_files(store: Store, indexed: set[str]) -> int:
    objects = store.blobs.root / "objects"
    count = 0
    if not objects.is_dir():
        return 0
    for prefix in os.scandir(objects):
        if not prefix.is_dir(follow_symlinks=False):
            continue
        for entry in os.scandir(prefix.path):
            if entry.name not in indexed and entry.is_file(follow_symlinks=False):
                count += 1
    return count


def _referrers(store: Store) -> dict[str, str]:
    """Every digest something refers to -> a description of one thing that does."""
    from heron.store.gc import referenced_digests

    f, v, c, p = (
        schema.artifact_files,
        schema.artifact_versions,
        schema.artifact_collections,
        schema.projects,
    )
    found: dict[str, str] = {}
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(f.c.sha256, f.c.path, p.c.name, c.c.name, v.c.version)
            .select_from(
                f.join(v, v.c.id == f.c.version_id)
                .join(c, c.c.id == v.c.collection_id)
                .join(p, p.c.id == c.c.project_id)
            )
            .where(f.c.sha256.is_not(None), f.c.ref_uri.is_(None))
        )
        for digest, path, project, name, version in rows:
            found.setdefault(str(digest), f"{project}/{name}:v{version} file {path!r}")
        for digest in referenced_digests(store, connection, on_unreadable=lambda *_: None):
            found.setdefault(digest, "a table image or a run object")
    return found


def _wanted(store: Store, referrers: dict[str, str], bad: Iterable[_Blob]) -> dict[str, int | None]:
    """Digests a repair should look for (-> their size where known)."""
    wanted: dict[str, int | None] = {b.digest: b.size for b in bad}
    for record in quarantine.records(store.blobs.root):
        wanted.setdefault(record.digest, record.size)
    for digest in referrers:
        wanted.setdefault(digest, None)
    present = set(store.blobs.located(set(wanted)))
    f = schema.artifact_files
    with store.engine.connect() as connection:
        absent = sorted(set(wanted) - present)
        for start in range(0, len(absent), 500):
            rows = connection.execute(
                select(f.c.sha256, f.c.size).where(f.c.sha256.in_(absent[start : start + 500]))
            )
            for digest, size in rows:
                if wanted.get(str(digest)) is None:
                    wanted[str(digest)] = int(size)
    return {d: s for d, s in wanted.items() if d not in present}


def repair(store: Store, wanted: dict[str, int | None], sources: Sequence[Path]) -> list[str]:
    """Store good copies of ``wanted`` blobs found in ``sources``; the digests restored.

    A source that is a heron store is asked for the blobs by digest (each copy checked); any
    other directory is walked (symlinks not followed) and files whose size could match are
    hashed. Restored blobs are written like any new blob, so their index rows come back.
    """
    restored: list[str] = []
    remaining = dict(wanted)
    for source in sources:
        if not remaining:
            break
        if not source.is_dir():
            raise StoreError(f"cannot repair from {source}: it is not a directory")
        from heron.store.store import MARKER_NAME, Store

        if (source / MARKER_NAME).is_file():
            other = Store.open(source, create=False)
            try:
                found = _from_store(store, other, remaining)
            finally:
                other.close()
        else:
            found = _from_directory(store, source, remaining)
        for digest in found:
            remaining.pop(digest, None)
        restored.extend(found)
    return sorted(restored)


def _from_store(store: Store, other: Store, wanted: dict[str, int | None]) -> list[str]:
    restored: list[str] = []
    located = other.blobs.located(set(wanted))
    for digest, where in sorted(located.items()):
        try:
            if where.pack:
                fd = open_inside(other.blobs.root / "packs", where.pack)
                try:
                    data = os.pread(fd, where.size, where.offset)
                finally:
                    os.close(fd)
                if sha256_hex(data) != digest:
                    continue
                store.blobs.forget([digest])
                store.blobs.put(data)
            else:
                fd, _ = other.blobs.open_object(digest)
                os.close(fd)
                store.blobs.forget([digest])
                store.blobs.put_file(other.blobs.object_path(digest), expected_sha256=digest)
        except (OSError, HeronError):
            continue  # that copy is bad too: look elsewhere
        restored.append(digest)
    return restored


def _from_directory(store: Store, source: Path, wanted: dict[str, int | None]) -> list[str]:
    sizes = {s for s in wanted.values() if s is not None}
    any_size = any(s is None for s in wanted.values())
    restored: list[str] = []
    for directory, _, filenames in os.walk(source):
        for name in filenames:
            path = Path(directory) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if path.is_symlink() or not path.is_file():
                continue
            if not any_size and info.st_size not in sizes:
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
                try:
                    digest, _ = hash_fd(fd, info.st_size)
                finally:
                    os.close(fd)
                if digest not in wanted or digest in restored:
                    continue
                store.blobs.forget([digest])
                store.blobs.put_file(path, expected_sha256=digest)
            except (OSError, IntegrityError):
                continue
            restored.append(digest)
    return restored


def _check_tables(store: Store) -> tuple[int, list[Finding]]:
    t = schema.tables
    with store.engine.connect() as connection:
        rows = connection.execute(select(t.c.id, t.c.n_rows, t.c.parts)).fetchall()
    counted: dict[str, int | str] = {}  # part -> rows, or the problem with it
    problems: list[Finding] = []
    for table_id, n_rows, parts_json in rows:
        parts = [str(p) for p in loads(parts_json)]
        total = 0
        failed = False
        for part in parts:
            if part not in counted:
                counted[part] = _part_rows(store, part)
            result = counted[part]
            if isinstance(result, str):
                problems.append(Finding("table", str(table_id), f"part {part}: {result}"))
                failed = True
            else:
                total += result
        if not failed and total != int(n_rows):
            problems.append(
                Finding("table", str(table_id), f"its parts hold {total} rows, not {n_rows}")
            )
    return len(rows), problems


def _part_rows(store: Store, part: str) -> int | str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not part.startswith("tables/"):
        return "not a path under tables/"
    fd, problem = _open_or_problem(store.tables_dir, part.removeprefix("tables/"))
    if fd < 0:
        return problem
    from heron.store.tables import arrow_file

    try:
        with arrow_file(fd) as source:
            return int(pq.ParquetFile(source).metadata.num_rows)
    except (OSError, ValueError, pa.ArrowException) as error:
        return f"not a readable Parquet file ({error})"


def _check_manifests(store: Store) -> tuple[int, list[Finding]]:
    from heron.store.artifacts import list_versions, read_manifest

    problems: list[Finding] = []
    versions = list_versions(store.engine)
    for record in versions:
        entries = read_manifest(store.engine, record.id)
        if manifest_digest(entries) != record.digest:
            problem = "its file list no longer hashes to the version's digest"
        elif len(entries) != record.file_count or sum(e.size for e in entries) != record.size:
            problem = (
                f"it lists {len(entries)} file(s) of {sum(e.size for e in entries)} bytes; "
                f"the version says {record.file_count} of {record.size}"
            )
        else:
            continue
        problems.append(Finding("manifest", record.qualified_name, problem))
    return len(versions), problems
