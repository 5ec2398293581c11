"""Blobs in an S3-compatible object store (MinIO, SeaweedFS, Ceph, AWS S3) through boto3.

The same content-addressed keys as on local disk, under ``<prefix>objects/``: ``objects/sha256/ab/cd/<digest>``.
An upload is received into the local staging directory (hashed while it arrives, then validated: the checks read
the file), and :meth:`S3Storage.put` sends it with boto3's managed transfer: in parts of ``PART_BYTES`` when larger,
a bounded number at a time, so memory stays flat whatever the size. The object appears under its key only when the
whole upload completed (S3 makes a multipart upload visible on completion; a failed one is aborted by boto3), so a
row never points at a partial object; an upload cut off by a crash leaves an incomplete multipart upload, which
:meth:`S3Storage.sweep_staging` aborts once it is older than the staging age.

Credentials come the standard boto3 way (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, the
shared files, an instance role). Every failure to reach the store, or a refusal from it, is raised as
:class:`StorageUnavailableError` with what went wrong; a missing object as ``FileNotFoundError``.
"""

from __future__ import annotations

import io
import logging
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from uploads.cache import BlobCache
from uploads.errors import StorageUnavailableError
from uploads.folders import checked
from uploads.keys import is_valid_key, key_for
from uploads.staging import Staged, discard, sweep_directory

log = logging.getLogger(__name__)

#: Parts of a multipart upload or download, and how many move at once: at most ``PART_BYTES * CONCURRENCY`` bytes
#: of a transfer are in memory.
PART_BYTES = 8 * 1024 * 1024
CONCURRENCY = 4
#: Error codes S3 answers for an object or a bucket that is not there.
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_NO_BUCKET = frozenset({"NoSuchBucket"})


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def unavailable(exc: BaseException, bucket: str, doing: str) -> StorageUnavailableError:
    """A boto3 failure as :class:`StorageUnavailableError`, naming the bucket and what was being done."""
    if isinstance(exc, ClientError):
        code = _code(exc)
        if code in _NO_BUCKET:
            return StorageUnavailableError(f"bucket S3 {bucket!r} tidak ada ({doing})")
        if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return StorageUnavailableError(f"akses ke bucket S3 {bucket!r} ditolak ({doing}): {code}")
        return StorageUnavailableError(f"S3 menolak permintaan ({doing}, bucket {bucket!r}): {code or exc}")
    reason = f"{type(exc).__name__}: {exc}"
    return StorageUnavailableError(f"S3 tidak dapat dihubungi ({doing}, bucket {bucket!r}): {reason}")


@contextmanager
def s3_errors(bucket: str, doing: str, *, missing: str | None = None) -> Iterator[None]:
    """Turn boto3's exceptions into :class:`StorageUnavailableError`; with ``missing``, a 404 into
    ``FileNotFoundError(missing)``."""
    try:
        yield
    except ClientError as exc:
        if missing is not None and _code(exc) in _MISSING:
            raise FileNotFoundError(missing) from None
        raise unavailable(exc, bucket, doing) from exc
    except BotoCoreError as exc:
        raise unavailable(exc, bucket, doing) from exc
    except S3UploadFailedError as exc:  # a managed upload's ClientError, wrapped by boto3
        cause = exc.__context__
        raise unavailable(cause if isinstance(cause, ClientError | BotoCoreError) else exc, bucket, doing) from exc


def bucket_exists(s3: Any, bucket: str) -> None:
    """Nothing when the bucket is there; StorageUnavailableError naming it when it is not (or cannot be reached)."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if _code(exc) in _MISSING | _NO_BUCKET:
            raise StorageUnavailableError(f"bucket S3 {bucket!r} tidak ada") from None
        raise unavailable(exc, bucket, "memeriksa bucket") from exc
    except BotoCoreError as exc:
        raise unavailable(exc, bucket, "memeriksa bucket") from exc


class ObjectBody(io.RawIOBase):
    """An S3 object's streaming body as a raw binary stream (read errors mid-way become StorageUnavailableError)."""

    def __init__(self, body: Any, bucket: str, key: str) -> None:
        self._body = body
        self._bucket = bucket
        self._key = key

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        with s3_errors(self._bucket, f"membaca {self._key}"):
            data = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def object_size(s3: Any, bucket: str, name: str, label: str) -> int:
    """The size of object ``name``; ``FileNotFoundError(label)`` when it is not there."""
    try:
        with s3_errors(bucket, f"memeriksa {label}", missing=label):
            return int(s3.head_object(Bucket=bucket, Key=name)["ContentLength"])
    except FileNotFoundError:
        bucket_exists(s3, bucket)  # HEAD answers a bare 404 for a missing bucket too
        raise


def open_object(s3: Any, bucket: str, name: str, label: str) -> BinaryIO:
    """Object ``name`` as a buffered stream, read as it is consumed; ``FileNotFoundError(label)`` when missing."""
    with s3_errors(bucket, f"membuka {label}", missing=label):
        answer = s3.get_object(Bucket=bucket, Key=name)
    return io.BufferedReader(ObjectBody(answer["Body"], bucket, label), 1024 * 1024)


def client(
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    connect_timeout: float = 5,
    read_timeout: float = 60,
    retries: int = 3,
) -> Any:
    """A boto3 S3 client. With an endpoint (MinIO, SeaweedFS, Ceph…), path-style addressing, which every such
    store serves; on AWS, boto3's own choice."""
    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"max_attempts": retries, "mode": "standard"},
        s3={"addressing_style": "path"} if endpoint_url else {},
        # Checksums only where an operation needs one: several S3-compatible stores refuse the newer defaults.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session()
    return session.client("s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config)


class S3Storage:
    """Blobs under ``s3://bucket/<prefix>objects/sha256/ab/cd/<digest>``; uploads are staged in a local directory."""

    def __init__(
        self, s3: Any, bucket: str, staging: Path, *, prefix: str = "", cache: BlobCache | None = None
    ) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.prefix = prefix
        self._staging = Path(staging)
        #: Local copies for the PDF check and the export (default: 2 GiB beside the staging directory).
        self.cache = cache or BlobCache(self._staging.parent / "cache", 2 * 1024**3)
        self._transfer = TransferConfig(
            multipart_threshold=PART_BYTES,
            multipart_chunksize=PART_BYTES,
            max_concurrency=CONCURRENCY,
            io_chunksize=256 * 1024,
        )

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def object_name(self, key: str) -> str:
        if not is_valid_key(key):
            raise ValueError(f"kunci penyimpanan tidak sah: {key!r}")
        return f"{self.prefix}objects/{key}"

    def staging_dir(self) -> Path:
        self._staging.mkdir(parents=True, exist_ok=True)
        return self._staging

    def put(self, staged: Staged) -> str:
        key = key_for(staged.sha256)
        try:
            if staged.path.resolve().parent != self.staging_dir().resolve():
                raise ValueError(f"berkas sementara harus berada di {self._staging}, bukan {staged.path}")
            actual = staged.path.stat().st_size
            if actual != staged.size:
                raise ValueError(f"ukuran berkas sementara berubah ({actual} ≠ {staged.size}): {staged.path}")
            if not self.exists(key):
                with s3_errors(self.bucket, f"mengunggah {key}"):
                    self.s3.upload_file(
                        str(staged.path), self.bucket, self.object_name(key), Config=self._transfer
                    )
        finally:
            discard(staged)
        return key

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except FileNotFoundError:
            return False
        return True

    def size(self, key: str) -> int:
        return object_size(self.s3, self.bucket, self.object_name(key), key)

    def open(self, key: str) -> BinaryIO:
        return open_object(self.s3, self.bucket, self.object_name(key), key)

    def local_path(self, key: str) -> Path | None:
        return None

    def local_copy(self, key: str, dest: Path) -> Path:
        self.cache.link(self, key, dest)
        return dest

    def delete(self, key: str) -> None:
        with s3_errors(self.bucket, f"menghapus {key}"):
            self.s3.delete_object(Bucket=self.bucket, Key=self.object_name(key))

    def stored_keys(self) -> Iterator[str]:
        """Every blob key in the store (for the storage migration and the backup)."""
        start = f"{self.prefix}objects/"
        with s3_errors(self.bucket, "mendaftar objek"):
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", []):
                    key = str(item["Key"])[len(start) :]
                    if is_valid_key(key):
                        yield key

    def sweep_staging(self, older_than_seconds: int) -> int:
        removed = sweep_directory(self._staging, older_than_seconds)
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        with s3_errors(self.bucket, "membersihkan unggahan bagian yang tertinggal"):
            pages = self.s3.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] < cutoff:
                        self.s3.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        removed += 1
        return removed

    def free_space(self) -> dict[str, int]:
        return {"staging": shutil.disk_usage(self.staging_dir()).free}

    def probe(self) -> None:
        """Write a small object, read it back, compare and delete it; StorageUnavailableError names the step that
        failed (``mandiri init`` and ``/healthz``)."""
        name = f"{self.prefix}probes/{secrets.token_hex(8)}"
        data = secrets.token_bytes(32)
        with s3_errors(self.bucket, f"menulis objek uji {name}"):
            self.s3.put_object(Bucket=self.bucket, Key=name, Body=data)
        try:
            with s3_errors(self.bucket, f"membaca objek uji {name}"):
                read = self.s3.get_object(Bucket=self.bucket, Key=name)["Body"].read()
        finally:
            with s3_errors(self.bucket, f"menghapus objek uji {name}"):
                self.s3.delete_object(Bucket=self.bucket, Key=name)
        if read != data:
            raise StorageUnavailableError(f"bucket S3 {self.bucket!r} mengembalikan isi yang berbeda dari yang ditulis")


class S3Folders:
    """Folders under ``s3://bucket/<prefix>exports/``, built in a local work directory."""

    def __init__(self, s3: Any, bucket: str, work: Path, *, prefix: str = "") -> None:
        self.s3 = s3
        self.bucket = bucket
        self.prefix = f"{prefix}exports/"
        self._work = Path(work)
        self._transfer = TransferConfig(
            multipart_threshold=PART_BYTES, multipart_chunksize=PART_BYTES, max_concurrency=CONCURRENCY
        )

    def __repr__(self) -> str:
        return f"S3Folders(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _key(self, path: str) -> str:
        return self.prefix + checked(path)

    def work_dir(self) -> Path:
        self._work.mkdir(parents=True, exist_ok=True)
        return self._work

    def publish(self, source: Path, name: str) -> None:
        put: list[str] = []
        try:
            for file in sorted(p for p in source.rglob("*") if p.is_file()):
                key = self._key(f"{name}/{file.relative_to(source).as_posix()}")
                with s3_errors(self.bucket, f"mengunggah {key}"):
                    self.s3.upload_file(str(file), self.bucket, key, Config=self._transfer)
                put.append(key)
        except BaseException:
            for key in put:
                with s3_errors(self.bucket, f"menghapus {key}"):
                    self.s3.delete_object(Bucket=self.bucket, Key=key)
            raise
        finally:
            shutil.rmtree(source, ignore_errors=True)

    def _listed(self, name: str) -> list[str]:
        start = self._key(name) + "/"
        keys: list[str] = []
        with s3_errors(self.bucket, f"mendaftar {start}"):
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
                keys.extend(str(item["Key"]) for item in page.get("Contents", []))
        return keys

    def files(self, name: str) -> set[str]:
        start = len(self._key(name)) + 1
        return {key[start:] for key in self._listed(name)}

    def size(self, path: str) -> int:
        return object_size(self.s3, self.bucket, self._key(path), path)

    def open(self, path: str) -> BinaryIO:
        return open_object(self.s3, self.bucket, self._key(path), path)

    def local_path(self, path: str) -> Path | None:
        return None

    def remove(self, name: str) -> None:
        keys = self._listed(name)
        for start in range(0, len(keys), 1000):  # at most 1,000 keys per request
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            with s3_errors(self.bucket, f"menghapus {name}"):
                self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
