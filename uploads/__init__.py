"""Evidence uploads (data dukung): staging with hashing, validation by name, content and parsing, storage.

Pure library code without Flask: the web layer passes the request stream and the original file name.

Typical use::

    storage = get_storage(app.config)
    stored = ingest(request_file.stream, request_file.filename, storage)   # or stage() → validate() → put()
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from uploads.errors import UploadRejectedError
from uploads.keys import key_for
from uploads.pipeline import Stored, ingest
from uploads.staging import Staged, discard, stage
from uploads.storage import LocalStorage, Storage
from uploads.validation import DEFAULT_EXTENSIONS, FileInfo, Policy, clean_filename, validate

BACKENDS = ("local",)

__all__ = [
    "DEFAULT_EXTENSIONS",
    "FileInfo",
    "LocalStorage",
    "Policy",
    "Staged",
    "Storage",
    "Stored",
    "UploadRejectedError",
    "clean_filename",
    "discard",
    "get_storage",
    "ingest",
    "key_for",
    "stage",
    "validate",
]


def get_storage(config: Mapping[str, Any]) -> Storage:
    """The storage backend named by ``config["STORAGE_BACKEND"]`` (default ``"local"``).

    ``local`` needs ``config["STORAGE_ROOT"]`` (the app passes ``instance/evidence``). A remote backend
    (S3) would implement the same :class:`Storage` protocol and return ``None`` from ``local_path``.
    """
    backend = str(config.get("STORAGE_BACKEND") or "local").strip().lower()
    if backend == "local":
        root = config.get("STORAGE_ROOT")
        if not root:
            raise ValueError("MANDIRI_STORAGE_ROOT wajib diisi untuk MANDIRI_STORAGE_BACKEND=local")
        return LocalStorage(Path(root))
    raise ValueError(
        f"MANDIRI_STORAGE_BACKEND {config.get('STORAGE_BACKEND')!r} tidak dikenal; yang didukung: {', '.join(BACKENDS)}"
    )
