"""Moving an artifact's bytes: storing local files as blobs, materialising and verifying a version.

Storing reads each new file once more after it was hashed and refuses it if the bytes no longer
hash to the digest in the manifest (the file changed while it was being added). Small files are
read by a thread pool and stored in batches (one index transaction per batch, packed); large
files are copied into the store one by one.

Materialising writes every file atomically (a short random temporary name in the same directory,
then a rename, so a name of up to NAME_MAX bytes works), verifies every byte against its sha256,
skips files already present and correct, and refuses to replace a different file unless asked.
A downloaded file never shares an inode with the store unless nobody downloading could write it:
large blobs are reflinked or copied, and hard-linked only where
:func:`heron.store.safefiles.hard_link_is_safe` proves the downloading process can neither write
the store's file nor make it writable (never as root, never as the store's owner). Names that the
file system cannot hold (a component over NAME_MAX bytes, a string that is not a file name) are
refused before anything is written, with an ArtifactError naming them.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import ArtifactError, IntegrityError, NotFoundError
from heron.store.blobs import PACK_THRESHOLD, BlobLocation, sha256_hex
from heron.store.filehash import (
    FileChangedError,
    Fingerprint,
    HashCache,
    fingerprint_files,
    hash_file,
    map_chunked,
)
from heron.store.manifest import ManifestEntry
from heron.store.references import fetch_reference
from heron.store.safefiles import (
    copy_verified,
    hard_link_is_safe,
    hash_fd,
    temporary_sibling,
)

if TYPE_CHECKING:
    from heron.store.store import Store

_BATCH_BYTES = 64 << 20
_PROGRESS_BYTES = 64 << 20
_PROGRESS_FILES = 2_000


def hash_cache(store: Store) -> HashCache:
    """The store's cache of local file digests."""
    return HashCache(store.cache_dir / "file-hashes.sqlite")


# -- storing ---------------------------------------------------------------------------------


def _changed(path: str, expected: str, actual: str) -> ArtifactError:
    return ArtifactError(
        f"{path} changed while it was being added: it hashed to {expected[:12]}… and now reads as "
        f"{actual[:12]}…; add it again once nothing writes to it"
    )


def _read_verified(item: tuple[str, str]) -> bytes:
    path, expected = item
    with open(path, "rb") as handle:
        data = handle.read()
    actual = sha256_hex(data)
    if actual != expected:
        raise _changed(path, expected, actual)
    return data


def _read_hashed(path: str) -> tuple[bytes, str, Fingerprint]:
    with open(path, "rb") as handle:
        before = os.fstat(handle.fileno())
        data = handle.read()
    after = os.stat(path)
    fingerprint = Fingerprint.of(after)
    if Fingerprint.of(before) != fingerprint or len(data) != fingerprint.size:
        raise FileChangedError(path)
    return data, sha256_hex(data), fingerprint


def hash_and_store(
    store: Store, paths: Sequence[str], cache: HashCache
) -> tuple[dict[str, str], dict[str, Fingerprint]]:
    """Digest and fingerprint of each local file (path -> each), storing small new files as
    they are read.

    Digests of unchanged files come from ``cache``. Other small files are read once: hashed and
    handed to the blob store in batches (which writes only what it lacks). Large files are only
    hashed here; :func:`store_files` copies them afterwards, checking the digest again.
    """
    stats = fingerprint_files(paths)
    digests = cache.lookup(stats)
    uncached = [(p, f.size) for p, f in stats.items() if p not in digests]
    small = [(p, size) for p, size in uncached if size < PACK_THRESHOLD]
    large = [p for p, size in uncached if size >= PACK_THRESHOLD]
    started = time.time_ns()
    fresh: list[tuple[str, Fingerprint, str]] = []
    for batch in _batches([(p, "", size) for p, size in small]):
        batch_paths = [p for p, _, _ in batch]
        read = map_chunked(_read_hashed, batch_paths)
        store.blobs.put_many([data for data, _, _ in read])
        fresh.extend((p, f, d) for p, (_, d, f) in zip(batch_paths, read, strict=True))
    for path, (digest, fingerprint) in zip(
        large, map_chunked(hash_file, large, chunk=1), strict=True
    ):
        fresh.append((path, fingerprint, digest))
    cache.remember(fresh, hashed_at_ns=started)
    for path, fingerprint, digest in fresh:
        digests[path] = digest
        stats[path] = fingerprint  # as it was when read
    _heal_quarantined(store, digests)
    return digests, stats


def _heal_quarantined(store: Store, digests: Mapping[str, str]) -> None:
    """Store again the files whose content was quarantined as bad: adding them heals the store.

    Only a listing of the quarantine directory when nothing was ever quarantined; the files are
    read (and checked against their digest) only if their blob is still absent.
    """
    quarantined = store.blobs.quarantined_digests()
    if not quarantined:
        return
    wanted = {path: digest for path, digest in digests.items() if digest in quarantined}
    if not wanted:
        return
    store.blobs.forget(wanted.values())
    absent = store.blobs.missing(wanted.values())
    for path, digest in sorted(wanted.items()):
        if digest in absent:
            try:
                store.blobs.put_file(Path(path), expected_sha256=digest)
            except IntegrityError:
                actual, _ = hash_file(path)
                raise _changed(path, digest, actual) from None
            absent.discard(digest)


def store_files(store: Store, files: Sequence[tuple[str, str, int]]) -> int:
    """Store local files given as (path, expected sha256, size); returns bytes written.

    Only files whose digest the blob store lacks are read; each is checked against its digest.
    """
    if not files:
        return 0
    absent = store.blobs.missing({digest for _, digest, _ in files})
    todo: dict[str, tuple[str, int]] = {}
    for path, digest, size in files:
        if digest in absent and digest not in todo:
            todo[digest] = (path, size)
    small = [(p, d, s) for d, (p, s) in todo.items() if s < PACK_THRESHOLD]
    large = [(p, d, s) for d, (p, s) in todo.items() if s >= PACK_THRESHOLD]
    for batch in _batches(small):
        store.blobs.put_many(map_chunked(_read_verified, [(p, d) for p, d, _ in batch]))
    for path, digest, _ in large:
        try:
            store.blobs.put_file(Path(path), expected_sha256=digest)
        except IntegrityError:
            actual, _ = hash_file(path)
            raise _changed(path, digest, actual) from None
    return sum(s for _, _, s in small) + sum(s for _, _, s in large)


def _batches(items: Sequence[tuple[str, str, int]]) -> Iterator[list[tuple[str, str, int]]]:
    batch: list[tuple[str, str, int]] = []
    size = 0
    for item in items:
        batch.append(item)
        size += item[2]
        if size >= _BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


# -- materialising ---------------------------------------------------------------------------


def _atomic_write(destination: Path, data: bytes) -> None:
    """Write ``data`` to ``destination`` via a temporary sibling (its directory exists)."""
    temporary = temporary_sibling(destination)
    try:
        temporary.write_bytes(data)
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


def _write_large(store: Store, entry: ManifestEntry, destination: Path, link: bool) -> None:
    """Write a blob kept as a file of its own: a safe hard link, else a reflink or a copy."""
    digest = entry.sha256 or ""
    fd, info = store.blobs.open_object(digest)
    try:
        source = store.blobs.object_path(digest)
        if link and hard_link_is_safe(info, source):
            actual, length = hash_fd(fd, info.st_size)
            if actual != digest or length != entry.size:
                raise store.blobs.quarantine(digest, entry.size, "", 0, "hash mismatch")
            if _hard_link(source, info, destination):
                return
        try:
            copy_verified(fd, destination, digest, entry.size)
        except IntegrityError as error:
            raise store.blobs.quarantine(digest, entry.size, "", 0, "hash mismatch") from error
    finally:
        os.close(fd)


def _hard_link(source: Path, info: os.stat_result, destination: Path) -> bool:
    """Link ``source`` at ``destination`` if it is still the inode that was checked."""
    temporary = temporary_sibling(destination)
    try:
        os.link(source, temporary)
        linked = os.lstat(temporary)
        if (linked.st_dev, linked.st_ino) != (info.st_dev, info.st_ino):
            return False  # the store's file was replaced after it was opened: copy instead
        os.replace(temporary, destination)
        return True
    except OSError:  # another file system, a file system without links...: copy instead
        return False
    finally:
        temporary.unlink(missing_ok=True)


def _write_packed(
    store: Store, items: list[tuple[str, Path]], locations: dict[str, BlobLocation]
) -> Iterator[int]:
    """Write packed blobs, reading each pack once; yields bytes written per file."""
    destinations: dict[str, list[Path]] = {}
    for digest, destination in items:
        destinations.setdefault(digest, []).append(destination)
    for digest, data in store.blobs.read_packed(destinations, locations):
        for destination in sorted(destinations[digest]):
            with _writing(destination):
                _atomic_write(destination, data)
            yield len(data)


def _md5_matches(path: Path, etag: str | None) -> bool | None:
    """Whether a local file matches a single-part S3 ETag (its md5); None if not decidable."""
    if etag is None or len(etag) != 32 or not all(c in "0123456789abcdef" for c in etag):
        return None
    md5 = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            md5.update(chunk)
    return md5.hexdigest() == etag


@dataclass
class VerifyReport:
    """What :meth:`Artifact.verify` found under a directory: missing, extra and changed files."""

    root: Path
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the directory holds exactly the artifact's files, unchanged."""
        return not (self.missing or self.extra or self.changed)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"{self.root}: every file present and unchanged"
        parts = []
        for label, paths in (
            ("missing", self.missing),
            ("changed", self.changed),
            ("extra", self.extra),
        ):
            if paths:
                shown = ", ".join(paths[:10]) + (
                    f" and {len(paths) - 10} more" if len(paths) > 10 else ""
                )
                parts.append(f"{len(paths)} {label}: {shown}")
        return f"{self.root}: " + "; ".join(parts)


def entry_matches(entry: ManifestEntry, path: Path, digests: Mapping[str, str]) -> bool:
    """Whether the local file at ``path`` holds ``entry``'s content (``digests``: path -> sha256)."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    if not path.is_file() or size != entry.size:
        return False
    if entry.sha256 is not None:
        return digests.get(str(path)) == entry.sha256
    return _md5_matches(path, entry.ref_etag) is not False


def local_digests(paths: Sequence[Path], cache: HashCache) -> dict[str, str]:
    """sha256 of each existing regular file among ``paths`` (cache-assisted)."""
    todo: dict[str, Fingerprint] = {}
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            todo[str(path)] = Fingerprint.of(info)
    found = cache.lookup(todo)
    rest = [p for p in todo if p not in found]
    if rest:
        results = map_chunked(_try_hash, rest)
        hashed = [(p, r[1], r[0]) for p, r in zip(rest, results, strict=True) if r is not None]
        found.update((p, d) for p, _, d in hashed)
        cache.remember(hashed)
    return found


def _try_hash(path: str) -> tuple[str, Any] | None:
    try:
        return hash_file(path)
    except (OSError, FileChangedError):
        return None


def materialise(
    store: Store,
    entries: Sequence[ManifestEntry],
    root: Path,
    *,
    label: str,
    overwrite: bool,
    link: bool,
    s3: Mapping[str, str] | None,
) -> int:
    """Write ``entries`` under ``root``; returns how many files were written (not skipped)."""
    from tqdm import tqdm

    check_names(entries, root)
    cache = hash_cache(store)
    targets = [(entry, root / entry.path) for entry in entries]
    present = local_digests([t for _, t in targets], cache)
    todo: list[tuple[ManifestEntry, Path]] = []
    conflicts: list[str] = []
    for entry, target in targets:
        if entry_matches(entry, target, present):
            continue
        if target.exists() or target.is_symlink() or _blocked_by_file(root, target):
            conflicts.append(entry.path)
        todo.append((entry, target))
    if conflicts and not overwrite:
        shown = ", ".join(conflicts[:10]) + (
            f" and {len(conflicts) - 10} more" if len(conflicts) > 10 else ""
        )
        raise ArtifactError(
            f"{root} already holds different files at {len(conflicts)} path(s) of {label}: {shown}; "
            "nothing was written (pass overwrite=True to replace them, or choose another root)"
        )
    for _, target in todo:
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.is_symlink():
            target.unlink()
        _clear_file_parents(root, target)
    for directory in sorted({target.parent for _, target in todo}):
        with _writing(directory):
            directory.mkdir(parents=True, exist_ok=True)
    total = sum(e.size for e, _ in todo)
    show = total >= _PROGRESS_BYTES or len(todo) >= _PROGRESS_FILES
    with tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        desc=f"downloading {label}",
        disable=None if show else True,
        leave=False,
    ) as bar:
        blobs = [(e, t) for e, t in todo if e.is_stored_blob]
        locations = store.blobs.locate_many({e.sha256 for e, _ in blobs if e.sha256})
        packed = [(e.sha256, t) for e, t in blobs if e.sha256 and locations[e.sha256].pack]
        for written in _write_packed(store, [(d, t) for d, t in packed if d], locations):
            bar.update(written)
        for entry, target in blobs:
            if entry.sha256 and not locations[entry.sha256].pack:
                with _writing(target):
                    _write_large(store, entry, target, link)
                bar.update(entry.size)
        for entry, target in todo:
            if entry.ref_uri is not None:
                fetch_reference(
                    entry.ref_uri,
                    target,
                    size=entry.size,
                    sha256=entry.sha256,
                    etag=entry.ref_etag,
                    version=entry.ref_version,
                    s3=s3,
                )
                bar.update(entry.size)
    return len(todo)


def check_names(entries: Sequence[ManifestEntry], root: Path) -> None:
    """ArtifactError naming every path the file system under ``root`` cannot hold as a name.

    Checked before anything is written: a component longer than NAME_MAX bytes, or a string
    that cannot be a file name (a lone surrogate that no bytes decode to).
    """
    try:
        name_max = os.pathconf(root, "PC_NAME_MAX") if root.is_dir() else 255
    except (OSError, ValueError):
        name_max = 255
    bad: list[str] = []
    for entry in entries:
        try:
            components = [os.fsencode(part) for part in entry.path.split("/")]
        except UnicodeError:
            bad.append(f"{entry.path!r} (not a file name this system can encode)")
            continue
        longest = max(len(c) for c in components)
        if longest > name_max:
            bad.append(f"{entry.path!r} (a name of {longest} bytes; the limit is {name_max})")
    if bad:
        shown = "; ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise ArtifactError(f"cannot write {len(bad)} path(s) under {root}: {shown}")


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn a file-system failure while writing ``path`` into an ArtifactError naming it."""
    try:
        yield
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        if error.errno == errno.ENAMETOOLONG:
            reason = "the name is too long for this file system"
        raise ArtifactError(f"could not write {str(path)!r}: {reason}") from error


def _blocked_by_file(root: Path, target: Path) -> bool:
    """Whether a file sits where one of ``target``'s parent directories must go."""
    parent = target.parent
    while parent != root and root in parent.parents:
        if parent.is_file() or parent.is_symlink():
            return True
        parent = parent.parent
    return False


def _clear_file_parents(root: Path, target: Path) -> None:
    parent = target.parent
    while parent != root and root in parent.parents:
        if parent.is_file() or parent.is_symlink():
            parent.unlink()
        parent = parent.parent


def verify_tree(store: Store, entries: Sequence[ManifestEntry], root: Path) -> VerifyReport:
    """Compare ``root`` with the manifest: every byte is hashed (no cache is trusted here)."""
    report = VerifyReport(root=root)
    if not root.is_dir():
        report.missing = [e.path for e in entries]
        return report
    expected = {e.path: e for e in entries}
    existing: set[str] = set()
    for directory, _, names in os.walk(root):
        for name in names:
            existing.add((Path(directory) / name).relative_to(root).as_posix())
    report.extra = sorted(existing - set(expected))
    present = [root / p for p in sorted(existing & set(expected))]
    digests = local_digests(present, HashCache(None))
    for path, entry in sorted(expected.items()):
        if path not in existing:
            report.missing.append(path)
        elif not entry_matches(entry, root / path, digests):
            report.changed.append(path)
    return report


def missing_local(path: Path) -> NotFoundError:
    """The error for a local file or directory that does not exist."""
    return NotFoundError(f"{path} does not exist")
