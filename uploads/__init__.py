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
from uploads.folders import Folders, LocalFolders
from uploads.keys import key_for
from uploads.pipeline import Stored, ingest
from uploads.staging import Staged, discard, stage
from uploads.storage import LocalStorage, Storage
from uploads.validation import DEFAULT_EXTENSIONS, FileInfo, Policy, clean_filename, validate

BACKENDS = ("local", "s3")

__all__ = [
    "DEFAULT_EXTENSIONS",
    "FileInfo",
    "Folders",
    "LocalFolders",
    "LocalStorage",
    "Policy",
    "Staged",
    "Storage",
    "Stored",
    "UploadRejectedError",
    "clean_filename",
    "discard",
    "get_folders",
    "get_storage",
    "ingest",
    "key_for",
    "stage",
    "validate",
]


def get_storage(config: Mapping[str, Any]) -> Storage:
    """The storage backend named by ``config["STORAGE_BACKEND"]`` (default ``"local"``).

    ``local`` keeps blobs under ``config["STORAGE_ROOT"]`` (the app passes ``instance/evidence``); ``s3`` keeps them
    in ``config["S3_BUCKET"]`` (:mod:`uploads.s3`) and stages uploads in ``STORAGE_ROOT/staging``.
    """
    backend = str(config.get("STORAGE_BACKEND") or "local").strip().lower()
    root = config.get("STORAGE_ROOT")
    if not root:
        raise ValueError("MANDIRI_STORAGE_ROOT wajib diisi (direktori berkas, atau direktori sementara untuk S3)")
    if backend == "local":
        return LocalStorage(Path(root))
    if backend == "s3":
        from uploads.cache import BlobCache
        from uploads.s3 import S3Storage

        s3, bucket = _s3_client(config)
        cache = BlobCache(Path(root) / "cache", int(config.get("S3_CACHE_MB") or 2048) * 1024 * 1024)
        return S3Storage(s3, bucket, Path(root) / "staging", prefix=s3_prefix(config.get("S3_PREFIX")), cache=cache)
    raise _unknown(config)


def get_folders(config: Mapping[str, Any], storage: Storage | None = None) -> Folders:
    """Where finished exports are kept: under ``config["EXPORT_ROOT"]`` (``local``), or in the S3 bucket under
    ``<S3_PREFIX>exports/`` (``s3``, built in ``EXPORT_ROOT`` first). Given the evidence store of the same settings,
    an S3 one shares its client (a second costs ~0.1 s at every start)."""
    backend = str(config.get("STORAGE_BACKEND") or "local").strip().lower()
    root = config.get("EXPORT_ROOT")
    if not root:
        raise ValueError("MANDIRI_EXPORT_ROOT wajib diisi (direktori ekspor, atau direktori kerja untuk S3)")
    if backend == "local":
        return LocalFolders(Path(root))
    if backend == "s3":
        from uploads.s3 import S3Folders, S3Storage

        if isinstance(storage, S3Storage):
            s3, bucket = storage.s3, storage.bucket
        else:
            s3, bucket = _s3_client(config)
        return S3Folders(s3, bucket, Path(root), prefix=s3_prefix(config.get("S3_PREFIX")))
    raise _unknown(config)


def _unknown(config: Mapping[str, Any]) -> ValueError:
    return ValueError(
        f"MANDIRI_STORAGE_BACKEND {config.get('STORAGE_BACKEND')!r} tidak dikenal; yang didukung: {', '.join(BACKENDS)}"
    )


def _s3_client(config: Mapping[str, Any]) -> tuple[Any, str]:
    from uploads.s3 import client

    bucket = str(config.get("S3_BUCKET") or "").strip()
    if not bucket:
        raise ValueError("MANDIRI_S3_BUCKET wajib diisi untuk MANDIRI_STORAGE_BACKEND=s3")
    s3 = client(
        endpoint_url=str(config.get("S3_ENDPOINT_URL") or "") or None,
        region=str(config.get("S3_REGION") or "") or None,
        connect_timeout=float(config.get("S3_CONNECT_TIMEOUT") or 5),
        read_timeout=float(config.get("S3_READ_TIMEOUT") or 60),
    )
    return s3, bucket


def s3_prefix(raw: object) -> str:
    """``MANDIRI_S3_PREFIX`` as a key prefix: empty, or path segments ending in ``/`` (``mandiri/`` for ``mandiri``)."""
    text = str(raw or "").strip().strip("/")
    return f"{text}/" if text else ""
