"""Folders of finished files, published whole (the submission-bundle exports): on local disk or in the S3 bucket.

A folder is built in a local work directory (:meth:`Folders.work_dir`), then :meth:`Folders.publish` puts it under
its name (``"<assessment id>/<export id>-<random>"``) only once complete: on local disk by one rename, in S3 by
uploading every file (a failed upload removes what it put). It is read by the path of a file inside it
(``"<name>/bundel.pdf"``) and removed by its name. Names and paths come from the application, never from user
input; each segment is checked anyway.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")


def checked(path: str) -> str:
    """``path`` when every ``/``-separated segment is a plain name (no ``..``, no hidden names); else ValueError."""
    parts = path.split("/")
    if not path or not all(_SEGMENT.fullmatch(part) and ".." not in part for part in parts):
        raise ValueError(f"nama berkas ekspor tidak sah: {path!r}")
    return path


@runtime_checkable
class Folders(Protocol):
    def work_dir(self) -> Path:
        """A local directory to build a folder in before it is published."""
        ...

    def publish(self, source: Path, name: str) -> None:
        """Put the finished local folder ``source`` under ``name``, whole; ``source`` is gone afterwards."""
        ...

    def files(self, name: str) -> set[str]:
        """The paths of the files in folder ``name``, relative to it (``{"bundel.pdf", "per-indikator/1.pdf"}``)."""
        ...

    def size(self, path: str) -> int:
        """The size of a published file; ``FileNotFoundError`` when it is not there."""
        ...

    def open(self, path: str) -> BinaryIO: ...

    def local_path(self, path: str) -> Path | None:
        """The file on local disk (for ``send_file``), or ``None`` when it is remote."""
        ...

    def remove(self, name: str) -> None:
        """Remove folder ``name`` and everything in it (nothing happens when it is not there)."""
        ...


class LocalFolders:
    """Folders under ``root``, published by renaming the work folder into place (the same filesystem)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalFolders({str(self.root)!r})"

    def _path(self, path: str) -> Path:
        return self.root / checked(path)

    def work_dir(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root

    def publish(self, source: Path, name: str) -> None:
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        source.replace(target)

    def files(self, name: str) -> set[str]:
        folder = self._path(name)
        if not folder.is_dir():
            return set()
        return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}

    def size(self, path: str) -> int:
        target = self._path(path)
        if not target.is_file():
            raise FileNotFoundError(path)
        return target.stat().st_size

    def open(self, path: str) -> BinaryIO:
        return open(self._path(path), "rb")  # the caller owns and closes the stream

    def local_path(self, path: str) -> Path | None:
        return self._path(path)

    def remove(self, name: str) -> None:
        shutil.rmtree(self._path(name), ignore_errors=True)
