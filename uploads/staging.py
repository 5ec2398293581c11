"""Streaming an upload to a temporary file while hashing it, with flat memory and no leftovers on failure."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from uploads.errors import UploadRejectedError, format_size

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
        f"Berkas melebihi batas {format_size(max_bytes)}. Perkecil ukurannya (misalnya kompres PDF atau bagi menjadi "
        "beberapa berkas) lalu unggah lagi.",
    )


def empty() -> UploadRejectedError:
    return UploadRejectedError("empty", "Berkas kosong (0 byte). Periksa kembali berkas yang dipilih lalu unggah lagi.")


class HashingSpool:
    """A file the web layer's form parser writes an upload into: in the staging directory, hashed as it is written.

    :func:`stage` then adopts it as it is (fsync, no second copy). A spool that is never adopted deletes its file
    when closed, which the web framework does at the end of the request.
    """

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=directory)
        self.path = Path(name)
        self._file = os.fdopen(fd, "w+b")
        self._digest = hashlib.sha256()
        self._size = 0
        self._adopted = False

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        self._size += len(data)
        return self._file.write(data)

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

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
        if not self._adopted:
            self.path.unlink(missing_ok=True)

    def adopt(self, *, max_bytes: int) -> Staged:
        """The spooled file as a :class:`Staged` upload (size checked, fsynced); no longer deleted on close."""
        try:
            if self._size > max_bytes:
                raise too_large(max_bytes)
            if self._size == 0:
                raise empty()
            self._file.flush()
            os.fsync(self._file.fileno())
        except BaseException:
            self.close()
            raise
        self._adopted = True
        self._file.close()
        return Staged(path=self.path, sha256=self._digest.hexdigest(), size=self._size)


def stage(stream: IO[bytes], directory: Path, *, max_bytes: int, chunk_size: int = 1024 * 1024) -> Staged:
    """Copy ``stream`` into a new temporary file in ``directory``, computing its SHA-256 on the way.

    Reads at most ``max_bytes + 1`` bytes: one byte more than allowed is enough to refuse with ``too_large``.
    An empty stream is refused with ``empty``. The file is fsynced before returning. On any exception
    (including a failing stream) the temporary file is removed. Memory use is bounded by ``chunk_size``.
    """
    if max_bytes < 0 or chunk_size <= 0:
        raise ValueError("max_bytes tidak boleh negatif dan chunk_size harus positif")
    if isinstance(stream, HashingSpool) and stream.path.parent == directory:
        return stream.adopt(max_bytes=max_bytes)
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=directory)
    path = Path(name)
    digest = hashlib.sha256()
    total = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                want = min(chunk_size, max_bytes + 1 - total)
                chunk = stream.read(want)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise too_large(max_bytes)
                digest.update(chunk)
                out.write(chunk)
                del chunk
            if total == 0:
                raise empty()
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Staged(path=path, sha256=digest.hexdigest(), size=total)


def discard(staged: Staged) -> None:
    """Remove the temporary file if it is still there (after a rejection, or when the blob was a duplicate)."""
    staged.path.unlink(missing_ok=True)
