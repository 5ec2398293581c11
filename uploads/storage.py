"""Where accepted blobs live: a content-addressed store behind a small protocol (local disk here, S3 in uploads.s3)."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from uploads.keys import is_valid_key, key_for
from uploads.staging import Staged, discard, raise_if_full, sweep_directory


@runtime_checkable
class Storage(Protocol):
    """A content-addressed blob store. Keys come from :func:`uploads.keys.key_for`, never from user input."""

    def put(self, staged: Staged) -> str:
        """Move a staged file into the store and return its key; a blob already stored is not written twice.

        A full disk raises :class:`uploads.staging.StorageFullError` after the staged file is removed.
        """
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def open(self, key: str) -> BinaryIO:
        """A read-only binary stream of the blob; the caller closes it."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The blob's file on local disk (for ``send_file``), or ``None`` when the backend is remote."""
        ...

    def local_copy(self, key: str, dest: Path) -> Path:
        """A file on local disk with the blob's bytes, for work that needs one: the store's own file when it is on
        local disk (``dest`` is not used), else ``dest``, linked from a bounded local cache. The caller removes
        ``dest`` when done."""
        ...

    def delete(self, key: str) -> None: ...

    def staging_dir(self) -> Path:
        """Where :func:`uploads.staging.stage` should write (a local directory, same filesystem as the store)."""
        ...

    def sweep_staging(self, older_than_seconds: int) -> int:
        """Remove abandoned temporary files (and, in an object store, unfinished multipart uploads) older than the
        given age; returns how many were removed."""
        ...

    def stored_keys(self) -> Iterator[str]:
        """Every blob key in the store."""
        ...

    def probe(self) -> None:
        """Write a small object, read it back, compare and delete it; raise on any failure (``mandiri init``,
        ``/healthz``). A store whose root has vanished fails: the probe does not create it again."""
        ...

    def free_space(self) -> dict[str, int]:
        """Free bytes of the filesystems the store and its staging directory live on: ``storage``, ``staging``."""
        ...


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (fsync of the directory itself)."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage:
    """Blobs under ``root/objects/sha256/ab/cd/<digest>``; uploads are staged in ``root/staging``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._objects = self.root / "objects"
        self._staging = self.root / "staging"

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        if not is_valid_key(key):
            raise ValueError(f"kunci penyimpanan tidak sah: {key!r}")
        path = self._objects / key
        base = self._objects.resolve()
        resolved = path.resolve()
        if not resolved.is_relative_to(base) or resolved == base:
            raise ValueError(f"kunci penyimpanan keluar dari direktori penyimpanan: {key!r}")
        return path

    def staging_dir(self) -> Path:
        self._staging.mkdir(parents=True, exist_ok=True)
        return self._staging

    def put(self, staged: Staged) -> str:
        key = key_for(staged.sha256)
        if staged.path.resolve().parent != self.staging_dir().resolve():
            raise ValueError(f"berkas sementara harus berada di {self._staging} (staging_dir()), bukan {staged.path}")
        actual = staged.path.stat().st_size
        if actual != staged.size:
            raise ValueError(f"ukuran berkas sementara berubah ({actual} ≠ {staged.size}): {staged.path}")
        dest = self._path(key)
        if dest.exists():
            discard(staged)
            return key
        try:
            self._move(staged, dest)
        except OSError as exc:
            discard(staged)
            raise_if_full(exc, self.root)
            raise
        return key

    def _move(self, staged: Staged, dest: Path) -> None:
        created = [d for d in (dest.parent.parent, dest.parent) if not d.exists()]
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(staged.path, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staged.path, dest)
        fsync_dir(dest.parent)
        for directory in created:
            fsync_dir(directory.parent)
        fsync_dir(self._staging)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")  # the caller owns and closes the stream

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def local_copy(self, key: str, dest: Path) -> Path:
        return self._path(key)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def sweep_staging(self, older_than_seconds: int) -> int:
        return sweep_directory(self._staging, older_than_seconds)

    def stored_keys(self) -> Iterator[str]:
        """Every blob key in the store (for the storage migration and the backup)."""
        if not self._objects.is_dir():
            return
        for path in sorted(self._objects.glob("sha256/*/*/*")):
            key = path.relative_to(self._objects).as_posix()
            if is_valid_key(key) and path.is_file():
                yield key

    def free_space(self) -> dict[str, int]:
        staging = self.staging_dir()
        return {"storage": shutil.disk_usage(self.root).free, "staging": shutil.disk_usage(staging).free}

    def probe(self) -> None:
        self._objects.mkdir(exist_ok=True)  # not the root: the app made it at start, and a vanished one must show
        data = secrets.token_bytes(32)
        fd, name = tempfile.mkstemp(prefix=".probe-", dir=self._objects)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            if Path(name).read_bytes() != data:
                raise OSError(f"{self._objects} mengembalikan isi yang berbeda dari yang ditulis")
        finally:
            Path(name).unlink(missing_ok=True)
