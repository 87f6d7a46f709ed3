"""File primitives that keep the store's bytes out of reach: no symlinks followed, no shared inodes.

- :func:`open_inside` opens a file below a directory of the store without following a symlink at
  any step, and only if it is a regular file, so a link planted in the store cannot make heron
  read (or serve) a file elsewhere, nor a FIFO hang a request. The directory it starts from
  (``blobs/``, ``cache/``) may itself be a symlink: moving it to another disk is the admin's choice.
- :func:`temporary_sibling` names a temporary file beside a destination with a short random name,
  so a destination name of up to NAME_MAX bytes still gets a temporary name the OS accepts.
- :func:`copy_verified` writes a blob's file to a new file, as a reflink (FICLONE) where the file
  system shares extents copy-on-write, else as a plain copy, and checks the written bytes' sha256.
- :func:`hard_link_is_safe` is the rule for hard-linking a store file into a download: only when
  this process can neither write the inode nor make it writable (see its docstring).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
from pathlib import Path

from heron.errors import IntegrityError

_CHUNK = 1 << 20
_FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# A new file, never an existing one nor through a symlink; not inherited by child processes.
CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC


class NotARegularFile(OSError):
    """A path inside the store is a symlink, a directory, a FIFO or anything but a regular file."""


def temporary_sibling(destination: Path) -> Path:
    """A fresh temporary path in ``destination``'s directory, short whatever its name is."""
    return destination.with_name(f".heron-{os.urandom(8).hex()}.tmp")


def open_directory_inside(base: Path, relative: str, *, create: bool = False) -> int:
    """A descriptor of the directory ``base/relative``, following no symlink below ``base``.

    With ``create``, missing directories are made on the way (each inside the one before, so
    a planted symlink cannot make heron create directories elsewhere).
    """
    directory = os.open(base, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    for part in [p for p in relative.split("/") if p]:
        if create:
            try:
                os.mkdir(part, dir_fd=directory)
            except FileExistsError:
                pass  # made already (or a symlink: refused just below)
            except OSError:
                os.close(directory)
                raise
        try:
            child = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=directory)
        except OSError as error:
            os.close(directory)
            raise _refusal(error, relative) from None
        os.close(directory)
        directory = child
    return directory


def open_inside(base: Path, relative: str) -> int:
    """A read-only descriptor of the regular file ``base/relative``, following no symlink.

    Each directory below ``base`` is opened relative to the previous one with O_NOFOLLOW, so a
    symlink anywhere between ``base`` and the file (or the file itself) raises
    :class:`NotARegularFile`; so does a file that is not regular. Missing files raise
    FileNotFoundError. The caller closes the descriptor.
    """
    parts = [p for p in relative.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise NotARegularFile(errno.EINVAL, f"not a path inside the store: {relative!r}")
    if os.open not in os.supports_dir_fd:  # pragma: no cover - every POSIX system heron runs on
        return _open_checked_by_lstat(base, parts)
    directory = os.open(base, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for part in parts[:-1]:
            try:
                child = os.open(
                    part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=directory
                )
            except OSError as error:
                raise _refusal(error, relative) from None
            os.close(directory)
            directory = child
        try:
            # O_NONBLOCK: opening a FIFO planted in the store must not wait for a writer.
            fd = os.open(
                parts[-1], os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC, dir_fd=directory
            )
        except OSError as error:
            raise _refusal(error, relative) from None
    finally:
        os.close(directory)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotARegularFile(errno.EINVAL, f"{relative} in the store is not a regular file")
    return fd


def _refusal(error: OSError, relative: str) -> OSError:
    # O_NOFOLLOW on a symlink fails with ELOOP; O_DIRECTORY on a symlink or a file with ENOTDIR.
    if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        return NotARegularFile(error.errno, f"{relative} in the store goes through a symlink")
    return error


def _open_checked_by_lstat(base: Path, parts: list[str]) -> int:  # pragma: no cover
    path = base
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise NotARegularFile(errno.ELOOP, f"{'/'.join(parts)} in the store is a symlink")
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotARegularFile(errno.EINVAL, f"{'/'.join(parts)} in the store is not a regular file")
    return fd


def read_inside(base: Path, relative: str) -> bytes:
    """The bytes of the regular file ``base/relative``, following no symlink (see open_inside)."""
    fd = open_inside(base, relative)
    with open(fd, "rb", closefd=True) as handle:
        return handle.read()


def hash_fd(fd: int, size_hint: int = 0) -> tuple[str, int]:
    """sha256 hex digest and length of everything from offset 0 of an open file."""
    hasher = hashlib.sha256()
    chunk_size = min(max(size_hint, 1), _CHUNK)
    offset = 0
    # pread (not preadv, which macOS lacks): reads by position, so the descriptor's own
    # offset is never moved under another reader of it.
    while chunk := os.pread(fd, chunk_size, offset):
        hasher.update(chunk)
        offset += len(chunk)
    return hasher.hexdigest(), offset


def reflink(source_fd: int, target_fd: int) -> bool:
    """Make ``target_fd`` share ``source_fd``'s extents copy-on-write; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import fcntl

    try:
        fcntl.ioctl(target_fd, _FICLONE, source_fd)
    except OSError:
        # ext4, tmpfs, another file system than the source's...: copy instead.
        return False
    return True


def copy_verified(source_fd: int, destination: Path, digest: str, size: int) -> None:
    """Write the file open as ``source_fd`` to ``destination`` (atomically) and check its sha256.

    A reflink where the file system supports it (no bytes copied; the clone is hashed), else a
    copy hashed as it is written. The new file never shares an inode with the source, so writing
    to it cannot change the store. IntegrityError (and nothing written) if the bytes do not hash
    to ``digest``.
    """
    temporary = temporary_sibling(destination)
    target = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666)
    try:
        try:
            if reflink(source_fd, target):
                actual, written = hash_fd(target, size)  # the clone's bytes, as read back
            else:
                actual, written = _copy_hashing(source_fd, target, size)
        finally:
            os.close(target)
        if actual != digest or written != size:
            raise IntegrityError(
                f"blob {digest} failed its hash check while it was read ({written} bytes "
                f"hashing to {actual[:12]}…)"
            )
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


def _copy_hashing(source_fd: int, target_fd: int, size: int) -> tuple[str, int]:
    hasher = hashlib.sha256()
    chunk_size = min(max(size, 1), _CHUNK)
    offset = 0
    while chunk := os.pread(source_fd, chunk_size, offset):
        hasher.update(chunk)
        view = memoryview(chunk)
        done = 0
        while done < len(chunk):
            done += os.write(target_fd, view[done:])
        offset += len(chunk)
    return hasher.hexdigest(), offset


def hard_link_is_safe(info: os.stat_result, path: Path) -> bool:
    """Whether a hard link to the store file ``path`` (stat ``info``) keeps the store safe.

    A hard link is the store's own inode under a second name: whoever can write that inode
    through the link changes the store's only copy. So a link is made only when this process can
    neither write the inode nor make it writable:

    - never as root, nor with any effective capability (CAP_DAC_OVERRIDE ignores modes,
      CAP_FOWNER allows chmod, CAP_CHOWN allows taking ownership...);
    - never when this process owns the file (an owner may chmod it writable, and editors such
      as vim do exactly that, then write in place to keep hard links);
    - never when the mode or an ACL lets this process write it (checked with access(2) on the
      effective ids).

    In practice: a store owned by one account and downloaded from by another (a shared team
    store) gets hard links; the account that logs to a store, and root, get copies (reflinks
    where the file system has them).
    """
    if os.name != "posix" or not stat.S_ISREG(info.st_mode):
        return False
    euid = os.geteuid()
    if euid == 0 or info.st_uid == euid or _has_capabilities():
        return False
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not os.access(path, os.W_OK, effective_ids=os.access in os.supports_effective_ids)


def _has_capabilities() -> bool:
    """Whether this process has any effective capability (True when it cannot be told)."""
    if not sys.platform.startswith("linux"):
        return False  # no capabilities outside Linux: root is the only override
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"CapEff:"):
                    return int(line.split()[1], 16) != 0
    except (OSError, ValueError):
        pass
    return True
