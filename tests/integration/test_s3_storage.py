"""The S3 backend against moto's real S3 server (HTTP on loopback): the same behaviour as local disk, plus what a
remote store adds — it can fail, stall or lose its bucket, and an upload cut short must leave no object."""

from __future__ import annotations

import hashlib
import io
import os
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.s3 import CREDENTIALS, MotoServer, free_port
from tests.servers import silent_endpoint
from uploads import LocalStorage, Storage, get_folders, get_storage, stage
from uploads.cache import BlobCache
from uploads.s3 import S3Folders, S3Storage, StorageUnavailableError, client

#: Run again with the evidence and exports in S3 (moto's server) by ``make test``.
pytestmark = pytest.mark.storage


def _s3(moto: MotoServer, bucket: str, root: Path) -> S3Storage:
    storage = get_storage({"STORAGE_ROOT": str(root), **moto.settings(bucket)})
    assert isinstance(storage, S3Storage)
    return storage


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each test below once on local disk and once on moto's S3 server."""
    if request.param == "local":
        return LocalStorage(tmp_path / "store")
    moto: MotoServer = request.getfixturevalue("moto_s3")
    return _s3(moto, request.getfixturevalue("s3_bucket"), tmp_path / "store")


def _put(storage: Storage, data: bytes) -> str:
    return storage.put(stage(io.BytesIO(data), storage.staging_dir(), max_bytes=1 << 40))


def test_round_trip_on_both_backends(storage: Storage) -> None:
    data = os.urandom(300_000)
    key = _put(storage, data)
    assert key.endswith(hashlib.sha256(data).hexdigest())
    assert storage.exists(key)
    assert storage.size(key) == len(data)
    with storage.open(key) as handle:
        assert handle.read() == data
    assert list(storage.stored_keys()) == [key]
    assert list(storage.staging_dir().iterdir()) == []  # the staged copy is gone once stored
    storage.delete(key)
    assert not storage.exists(key)
    assert list(storage.stored_keys()) == []


def test_missing_objects_read_as_missing_on_both_backends(storage: Storage) -> None:
    key = "sha256/ab/cd/abcd" + "0" * 60
    assert not storage.exists(key)
    with pytest.raises(FileNotFoundError):
        storage.size(key)
    with pytest.raises(FileNotFoundError):
        storage.open(key)


def test_a_stored_blob_is_not_uploaded_twice(moto_s3: MotoServer, s3_bucket: str, tmp_path: Path) -> None:
    storage = _s3(moto_s3, s3_bucket, tmp_path)
    data = os.urandom(4096)
    key = _put(storage, data)
    name = storage.object_name(key)
    first = moto_s3.client().head_object(Bucket=s3_bucket, Key=name)["LastModified"]
    time.sleep(1.1)  # S3 timestamps have one-second resolution
    assert _put(storage, data) == key
    assert moto_s3.client().head_object(Bucket=s3_bucket, Key=name)["LastModified"] == first
    assert list(storage.staging_dir().iterdir()) == []


def test_large_uploads_go_in_parts_with_flat_memory(moto_s3: MotoServer, s3_bucket: str, tmp_path: Path) -> None:
    storage = _s3(moto_s3, s3_bucket, tmp_path)
    size = 96 * 1024 * 1024
    with open(storage.staging_dir() / "source", "wb") as out:
        block = os.urandom(1024 * 1024)
        for _ in range(size // len(block)):
            out.write(block)
    with open(storage.staging_dir() / "source", "rb") as source:
        staged = stage(source, storage.staging_dir(), max_bytes=size)
    (storage.staging_dir() / "source").unlink()
    tracemalloc.start()
    try:
        key = storage.put(staged)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    head = moto_s3.client().head_object(Bucket=s3_bucket, Key=storage.object_name(key))
    assert head["ContentLength"] == size
    assert "-" in head["ETag"]  # a multipart upload's ETag: "<md5 of the parts' md5s>-<number of parts>"
    assert peak < 48 * 1024 * 1024, f"{peak / 2**20:.1f} MiB held while uploading {size / 2**20:.0f} MiB"


def test_an_unreachable_store_fails_clearly_and_leaves_nothing(tmp_path: Path) -> None:
    os.environ.update(CREDENTIALS)
    port = free_port()  # nothing listens there
    storage = S3Storage(client(endpoint_url=f"http://127.0.0.1:{port}", retries=1), "gone", tmp_path / "staging")
    staged = stage(io.BytesIO(b"data dukung"), storage.staging_dir(), max_bytes=1024)
    with pytest.raises(StorageUnavailableError, match="tidak dapat dihubungi"):
        storage.put(staged)
    assert not staged.path.exists()
    with pytest.raises(StorageUnavailableError):
        storage.open("sha256/ab/cd/abcd" + "0" * 60)


def test_a_store_that_stops_answering_times_out(tmp_path: Path) -> None:
    """A store that accepts the connection and then says nothing: the request gives up after the read timeout."""
    os.environ.update(CREDENTIALS)
    with silent_endpoint() as port:
        s3 = client(endpoint_url=f"http://127.0.0.1:{port}", read_timeout=1, retries=1)
        storage = S3Storage(s3, "silent", tmp_path / "staging")
        staged = stage(io.BytesIO(b"x" * 1000), storage.staging_dir(), max_bytes=1024)
        started = time.monotonic()
        with pytest.raises(StorageUnavailableError, match="ReadTimeout"):
            storage.put(staged)
        assert time.monotonic() - started < 30
        assert not staged.path.exists()


def test_a_bucket_that_went_away_is_named(moto_s3: MotoServer, s3_bucket: str, tmp_path: Path) -> None:
    storage = _s3(moto_s3, s3_bucket, tmp_path)
    moto_s3.client().delete_bucket(Bucket=s3_bucket)
    staged = stage(io.BytesIO(b"data dukung"), storage.staging_dir(), max_bytes=1024)
    with pytest.raises(StorageUnavailableError, match=f"bucket S3 '{s3_bucket}' tidak ada"):
        storage.put(staged)
    assert not staged.path.exists()
    with pytest.raises(StorageUnavailableError, match="tidak ada"):
        storage.probe()


def test_a_cut_multipart_upload_leaves_no_object_and_the_sweep_aborts_it(
    moto_s3: MotoServer, s3_bucket: str, tmp_path: Path
) -> None:
    """What a worker killed mid-upload leaves in S3 is an unfinished multipart upload: no object under any key,
    and the staging sweep aborts it once it is older than the staging age (moto dates every upload in 2010, so
    only the sweep of any age is tried here)."""
    storage = _s3(moto_s3, s3_bucket, tmp_path)
    s3 = moto_s3.client()
    name = storage.object_name("sha256/ab/cd/abcd" + "1" * 60)
    upload = s3.create_multipart_upload(Bucket=s3_bucket, Key=name)
    s3.upload_part(Bucket=s3_bucket, Key=name, UploadId=upload["UploadId"], PartNumber=1, Body=b"x" * 1024)
    assert s3.list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0
    assert storage.sweep_staging(0) == 1
    assert s3.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def test_the_probe_writes_reads_and_deletes(moto_s3: MotoServer, s3_bucket: str, tmp_path: Path) -> None:
    storage = _s3(moto_s3, s3_bucket, tmp_path)
    storage.probe()
    assert moto_s3.client().list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0


def test_a_prefix_keeps_a_shared_bucket_apart(moto_s3: MotoServer, s3_bucket: str, tmp_path: Path) -> None:
    one = get_storage({"STORAGE_ROOT": str(tmp_path / "a"), **moto_s3.settings(s3_bucket), "S3_PREFIX": "/dinas-a"})
    two = get_storage({"STORAGE_ROOT": str(tmp_path / "b"), **moto_s3.settings(s3_bucket), "S3_PREFIX": "dinas-b/"})
    key = _put(one, b"milik dinas A")
    assert one.exists(key)
    assert not two.exists(key)
    listed = moto_s3.client().list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert [item["Key"] for item in listed] == [f"dinas-a/objects/{key}"]


@pytest.fixture
def stopped_moto(moto_s3: MotoServer) -> Iterator[MotoServer]:
    """A second moto server of this test's own, which the test may stop."""
    own = MotoServer(free_port())
    own.start()
    try:
        yield own
    finally:
        own.stop()


def test_reads_fail_clearly_when_the_store_goes_down(stopped_moto: MotoServer, tmp_path: Path) -> None:
    bucket = stopped_moto.new_bucket()
    storage = _s3(stopped_moto, bucket, tmp_path)
    key = _put(storage, b"isi berkas")
    stopped_moto.stop()
    with pytest.raises(StorageUnavailableError):
        storage.size(key)
    with pytest.raises(StorageUnavailableError):
        storage.open(key)


def test_work_on_disk_reads_through_a_bounded_cache(moto_s3: MotoServer, s3_bucket: str, tmp_path: Path) -> None:
    """The PDF check and the export get a local file: downloaded once, verified, shared by hard links, and the
    least recently used copies leave the cache when it is full, without pulling a file from a job that holds it."""
    storage = _s3(moto_s3, s3_bucket, tmp_path / "store")
    storage.cache = BlobCache(tmp_path / "cache", max_bytes=250_000)
    blobs = [os.urandom(100_000) for _ in range(3)]
    keys = [_put(storage, data) for data in blobs]
    work = tmp_path / "job"
    work.mkdir()

    first = storage.local_copy(keys[0], work / "a.pdf")
    assert first.read_bytes() == blobs[0]
    assert first.stat().st_nlink == 2  # the job's link and the cached copy
    moto_s3.client().delete_object(Bucket=s3_bucket, Key=storage.object_name(keys[0]))
    assert storage.local_copy(keys[0], work / "b.pdf").read_bytes() == blobs[0]  # from the cache, not the store
    _put(storage, blobs[0])

    storage.local_copy(keys[1], work / "c.pdf")
    storage.local_copy(keys[2], work / "d.pdf")  # 300,000 bytes > 250,000: the oldest copy leaves the cache
    cached = sorted(p.name for p in (tmp_path / "cache").glob("sha256/*/*/*"))
    assert cached == sorted(k.rsplit("/", 1)[-1] for k in keys[1:])
    assert (work / "a.pdf").read_bytes() == blobs[0]  # the job still has it

    storage.local_copy(keys[0], work / "a.pdf")  # the same document again in one job
    assert (work / "a.pdf").read_bytes() == blobs[0]


def test_changed_bytes_in_the_store_are_never_cached(moto_s3: MotoServer, s3_bucket: str, tmp_path: Path) -> None:
    storage = _s3(moto_s3, s3_bucket, tmp_path / "store")
    key = _put(storage, b"isi asli")
    moto_s3.client().put_object(Bucket=s3_bucket, Key=storage.object_name(key), Body=b"isi lain")
    copy = storage.local_copy(key, tmp_path / "berkas.pdf")
    assert copy.read_bytes() == b"isi lain"  # the caller's own SHA-256 check sees what is stored
    assert list((tmp_path / "store" / "cache").glob("sha256/*/*/*")) == []


def test_local_disk_needs_no_copy(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    key = _put(storage, b"isi")
    assert storage.local_copy(key, tmp_path / "unused") == storage.local_path(key)
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize("problem", ["no_bucket", "unreachable"])
def test_init_says_exactly_what_is_wrong_with_the_bucket(
    fresh_app: Any, moto_s3: MotoServer, problem: str
) -> None:
    settings = moto_s3.settings("belum-dibuat")
    if problem == "unreachable":
        settings = {**moto_s3.settings(moto_s3.new_bucket()), "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    app = fresh_app(**settings)
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code != 0
    assert "Penyimpanan berkas" in result.output
    assert "tidak dapat dipakai" in result.output
    if problem == "no_bucket":
        assert "bucket S3 'belum-dibuat' tidak ada" in result.output
    else:
        assert "tidak dapat dihubungi" in result.output


def test_init_checks_a_working_bucket(fresh_app: Any, moto_s3: MotoServer, s3_bucket: str) -> None:
    app = fresh_app(**moto_s3.settings(s3_bucket))
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert f"Penyimpanan berkas siap: S3Storage(bucket='{s3_bucket}'" in result.output
    assert moto_s3.client().list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0  # the probe cleaned up


def test_the_export_store_shares_the_evidence_stores_client(
    moto_s3: MotoServer, s3_bucket: str, tmp_path: Path
) -> None:
    settings = {"STORAGE_ROOT": str(tmp_path / "a"), "EXPORT_ROOT": str(tmp_path / "e"), **moto_s3.settings(s3_bucket)}
    storage = get_storage(settings)
    assert isinstance(storage, S3Storage)
    folders = get_folders(settings, storage)
    assert isinstance(folders, S3Folders)
    assert folders.s3 is storage.s3  # one client per process, not one per store
    assert get_folders(settings).bucket == s3_bucket  # and one of its own without the evidence store
