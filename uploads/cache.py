"""A bounded local cache of blobs from a remote store, for the work that needs files on disk (qpdf's full check,
the bundle export, which reads every document several times).

A blob is downloaded once, checked against its SHA-256 (the key names it), and kept under ``root`` with the key's
layout. A job gets it as a hard link in its own work directory: the link is the job's pin. When the cache holds more
than ``max_bytes``, the least recently used copies are removed from it; a job still holding a link keeps its bytes
until it removes its work directory, so eviction never pulls a file from under a running job.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024


class _Readable(Protocol):
    def open(self, key: str) -> BinaryIO: ...


class BlobCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"BlobCache({str(self.root)!r}, max_bytes={self.max_bytes})"

    def link(self, store: _Readable, key: str, dest: Path) -> None:
        """Put the blob's bytes at ``dest``: a hard link to the cached copy (downloaded and verified first when it is
        not cached). Bytes that do not match the key's SHA-256 are written to ``dest`` as they are but never cached:
        the caller's own check sees what is stored."""
        cached = self.root / key
        dest.unlink(missing_ok=True)  # the same document twice in one job
        if not cached.is_file():
            self._download(store, key, cached, dest)
            if not cached.is_file():
                return  # did not match: written to dest only
        os.utime(cached)  # the most recently used
        try:
            os.link(cached, dest)
        except FileNotFoundError:  # evicted between the two calls: fetch it again
            self.link(store, key, dest)
            return
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            shutil.copyfile(cached, dest)  # the work directory is on another filesystem
        self.trim()

    def _download(self, store: _Readable, key: str, cached: Path, dest: Path) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".part-", dir=self.root)
        part = Path(name)
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, store.open(key) as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != key.rsplit("/", 1)[-1]:
                part.replace(dest)
                return
            cached.parent.mkdir(parents=True, exist_ok=True)
            part.replace(cached)
        finally:
            part.unlink(missing_ok=True)

    def trim(self) -> int:
        """Remove the least recently used copies until the cache holds at most ``max_bytes``; returns how many."""
        with self._lock:
            entries = []
            for path in self.root.glob("sha256/*/*/*"):
                try:
                    info = path.stat()
                except FileNotFoundError:
                    continue
                entries.append((info.st_mtime, info.st_size, path))
            total = sum(size for _, size, _ in entries)
            removed = 0
            for _, size, path in sorted(entries):
                if total <= self.max_bytes:
                    break
                path.unlink(missing_ok=True)
                total -= size
                removed += 1
            return removed
