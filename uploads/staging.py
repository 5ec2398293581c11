"""Streaming an upload to a temporary file while hashing it, with flat memory and no leftovers on failure."""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask_babel import lazy_gettext as _l

from uploads.errors import UploadRejectedError, lazy_size

TEMP_PREFIX = "upload-"
TEMP_SUFFIX = ".part"


@dataclass(frozen=True)
class Staged:
    """A fully received upload waiting in the staging directory (not yet validated, not yet stored)."""

    path: Path
    sha256: str
    size: int


def too_large(max_bytes: int) -> UploadRejectedError:
    return UploadRejectedError(
        "too_large",
        _l(
            "Berkas melebihi batas %(limit)s. Perkecil ukurannya (misalnya kompres PDF atau bagi menjadi beberapa "
            "berkas) lalu unggah lagi.",
            limit=lazy_size(max_bytes),
        ),
    )


def empty() -> UploadRejectedError:
    return UploadRejectedError(
        "empty", _l("Berkas kosong (0 byte). Periksa kembali berkas yang dipilih lalu unggah lagi.")
    )


class StorageFullError(Exception):
    """The disk (or the quota) of the staging directory or the store is full; what the upload wrote is freed."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"penyimpanan penuh: {path}")
        self.path = path


#: ENOSPC (no space left) and EDQUOT (quota exceeded): the two ways a write finds the disk full.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

#: ``O_TMPFILE`` where the kernel offers it and ``/proc/self/fd`` can give the file a name later; 0 elsewhere.
O_TMPFILE = getattr(os, "O_TMPFILE", 0) if Path("/proc/self/fd").is_dir() else 0


def raise_if_full(exc: OSError, path: Path) -> None:
    """Turn a disk-full ``OSError`` into :class:`StorageFullError`; any other error is left to the caller."""
    if exc.errno in DISK_FULL_ERRNOS:
        raise StorageFullError(path) from exc


def _open_unnamed(directory: Path) -> tuple[int, Path | None]:
    """A new file in ``directory``: unnamed (``O_TMPFILE``, gone with the process) where the filesystem allows it,
    else a named ``upload-*.part`` (which :meth:`uploads.storage.Storage.sweep_staging` removes if left behind)."""
    if O_TMPFILE:
        try:
            return os.open(directory, O_TMPFILE | os.O_RDWR, 0o600), None
        except OSError as exc:
            raise_if_full(exc, directory)
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=directory)
    except OSError as exc:
        raise_if_full(exc, directory)
        raise
    return fd, Path(name)


class HashingSpool:
    """A file the web layer's form parser writes an upload into: in the staging directory, hashed as it is written.

    The file has no name until :func:`stage` adopts it (fsync, a name in the staging directory, no second copy):
    a process killed mid-upload leaves nothing. A spool that is never adopted is freed when closed, which the web
    layer does at the end of every request, whatever happened. A full disk raises :class:`StorageFullError`.
    """

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        fd, self.path = _open_unnamed(directory)
        self._file = open(fd, "w+b", buffering=0)  # noqa: SIM115 - closed by close() or adopt()
        self._digest = hashlib.sha256()
        self._size = 0
        self._adopted = False

    @property
    def size(self) -> int:
        return self._size

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._file.fileno(), view) :]
        except OSError as exc:
            raise_if_full(exc, self.directory)
            raise
        self._digest.update(data)
        self._size += len(data)
        return len(data)

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size) or b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def flush(self) -> None:
        self._file.flush()

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
        if not self._adopted and self.path is not None:
            self.path.unlink(missing_ok=True)

    def adopt(self, *, max_bytes: int) -> Staged:
        """The spooled file as a :class:`Staged` upload (size checked, fsynced, named); no longer deleted on close."""
        try:
            if self._size > max_bytes:
                raise too_large(max_bytes)
            if self._size == 0:
                raise empty()
            try:
                os.fsync(self._file.fileno())
            except OSError as exc:
                raise_if_full(exc, self.directory)
                raise
            if self.path is None:
                self.path = self._link()
        except BaseException:
            self.close()
            raise
        self._adopted = True
        self._file.close()
        return Staged(path=self.path, sha256=self._digest.hexdigest(), size=self._size)

    def _link(self) -> Path:
        """Give the unnamed file a fresh ``upload-*.part`` name in its directory.

        ``linkat(AT_SYMLINK_FOLLOW)`` on its ``/proc/self/fd`` entry; a ``src_dir_fd`` makes Python call ``linkat``
        with that flag (a plain ``link`` would try to link the /proc symlink itself).
        """
        proc_fds = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
        try:
            while True:
                path = self.directory / f"{TEMP_PREFIX}{secrets.token_hex(8)}{TEMP_SUFFIX}"
                try:
                    os.link(str(self._file.fileno()), path, src_dir_fd=proc_fds, follow_symlinks=True)
                except FileExistsError:
                    continue
                except OSError as exc:
                    raise_if_full(exc, self.directory)
                    raise
                return path
        finally:
            os.close(proc_fds)


def stage(stream: IO[bytes], directory: Path, *, max_bytes: int, chunk_size: int = 1024 * 1024) -> Staged:
    """Copy ``stream`` into a new temporary file in ``directory``, computing its SHA-256 on the way.

    Reads at most ``max_bytes + 1`` bytes: one byte more than allowed is enough to refuse with ``too_large``.
    An empty stream is refused with ``empty``. The file is fsynced before returning. On any exception
    (including a failing stream or a full disk) the temporary file is removed. Memory use is bounded by
    ``chunk_size``. A :class:`HashingSpool` already in ``directory`` is adopted as it is.
    """
    if max_bytes < 0 or chunk_size <= 0:
        raise ValueError("max_bytes tidak boleh negatif dan chunk_size harus positif")
    if isinstance(stream, HashingSpool) and stream.directory == directory:
        return stream.adopt(max_bytes=max_bytes)
    spool = HashingSpool(directory)
    try:
        while True:
            chunk = stream.read(min(chunk_size, max_bytes + 1 - spool.size))
            if not chunk:
                break
            if spool.size + len(chunk) > max_bytes:
                raise too_large(max_bytes)
            spool.write(chunk)
            del chunk
    except BaseException:
        spool.close()
        raise
    return spool.adopt(max_bytes=max_bytes)


def sweep_directory(directory: Path, older_than_seconds: int) -> int:
    """Remove the files in ``directory`` older than the given age (abandoned staging files); returns how many."""
    if not directory.is_dir():
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    for entry in os.scandir(directory):
        try:
            info = entry.stat(follow_symlinks=False)
            if entry.is_dir(follow_symlinks=False) or info.st_mtime >= cutoff:
                continue
            os.unlink(entry.path)
        except FileNotFoundError:
            continue
        removed += 1
    return removed


def discard(staged: Staged) -> None:
    """Remove the temporary file if it is still there (after a rejection, or when the blob was a duplicate)."""
    staged.path.unlink(missing_ok=True)
