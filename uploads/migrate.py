"""Copying every stored blob and export folder from one backend to another, each verified by its SHA-256.

Nothing is switched here: the copy is verified object by object (read back from the target and hashed), and only
when every object is there and verified does the caller say so; the operator then changes
``MANDIRI_STORAGE_BACKEND``. A run can be stopped at any moment and started again: what the target already holds,
and what reads back right, is not copied again.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from uploads.errors import UploadRejectedError
from uploads.folders import Folders
from uploads.staging import stage
from uploads.storage import Storage

CHUNK = 1024 * 1024


@dataclass
class Migration:
    copied: int = 0
    present: int = 0
    bytes_copied: int = 0
    folders_copied: int = 0
    folders_present: int = 0
    #: Keys the source does not hold (rows pointing at a lost file) or whose bytes do not match their hash there.
    missing: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.damaged


def _digest(storage: Storage, key: str) -> str | None:
    """The SHA-256 of a stored blob, or None when it is not there."""
    try:
        with storage.open(key) as handle:
            return _hash(handle)
    except FileNotFoundError:
        return None


def copy_blobs(
    source: Storage, target: Storage, keys: Iterable[str], progress: Callable[[Migration, str], None] | None = None
) -> Migration:
    """Copy each blob (content-addressed key) that the target does not yet hold correctly; verify every one."""
    done = Migration()
    for key in keys:
        expected = key.rsplit("/", 1)[-1]
        if _digest(target, key) == expected:
            done.present += 1
        else:
            try:
                with source.open(key) as handle:
                    staged = stage(handle, target.staging_dir(), max_bytes=1 << 42)
            except FileNotFoundError:
                done.missing.append(key)
                continue
            except UploadRejectedError:  # an empty file where a blob was stored
                done.damaged.append(key)
                continue
            if staged.sha256 != expected:
                staged.path.unlink(missing_ok=True)
                done.damaged.append(key)
                continue
            target.put(staged)
            if _digest(target, key) != expected:
                done.damaged.append(key)
                continue
            done.copied += 1
            done.bytes_copied += staged.size
        if progress is not None:
            progress(done, key)
    return done


def _same(source: Folders, target: Folders, name: str, files: set[str]) -> bool:
    if target.files(name) != files:
        return False
    for path in files:
        with source.open(f"{name}/{path}") as a, target.open(f"{name}/{path}") as b:
            if _hash(a) != _hash(b):
                return False
    return True


def _hash(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def copy_folders(source: Folders, target: Folders, names: Iterable[str], done: Migration) -> None:
    """Copy each export folder the target does not hold identically (a partial copy is replaced whole)."""
    for name in names:
        files = source.files(name)
        if not files:
            continue  # its files are gone already (the row says so when it is shown)
        if _same(source, target, name, files):
            done.folders_present += 1
            continue
        target.remove(name)
        work = Path(tempfile.mkdtemp(prefix=".tmp-migrate-", dir=target.work_dir()))
        try:
            for path in sorted(files):
                dest = work / path
                dest.parent.mkdir(parents=True, exist_ok=True)
                with source.open(f"{name}/{path}") as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
            target.publish(work, name)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if not _same(source, target, name, files):
            done.damaged.append(f"ekspor {name}")
            continue
        done.folders_copied += 1
