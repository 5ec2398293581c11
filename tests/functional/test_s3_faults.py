"""R5 on S3: the object store failing under a user — unreachable, silent past its timeout, its bucket gone — and
the staging disk full during an upload to it. Every time: a clear page or JSON answer (503, 507), no row pointing
at a missing object, nothing left in staging, what was saved before still there; and when the store is back, the
same upload works."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.models import Blob, Evidence
from tests.diskfull import tiny_disk  # noqa: F401 - a fixture
from tests.functional.helpers import login, pdf_bytes, post_file, upload
from tests.s3 import MotoServer, free_port
from tests.servers import silent_endpoint
from tests.worlds import World, build_world
from uploads import get_storage
from uploads.s3 import S3Storage, client

pytestmark = pytest.mark.db


@pytest.fixture
def on_s3(app: Flask, moto_s3: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> S3Storage:
    """The app storing evidence in a bucket of this test's own."""
    storage = get_storage({"STORAGE_ROOT": str(tmp_path / "evidence"), **moto_s3.settings(moto_s3.new_bucket())})
    assert isinstance(storage, S3Storage)
    monkeypatch.setitem(app.extensions, "storage", storage)
    return storage


@contextmanager
def fault(kind: str, storage: S3Storage, moto: MotoServer) -> Iterator[None]:
    """The store failing in one way for the ``with`` block, then working again with what it held."""
    working = storage.s3
    if kind == "unreachable":
        storage.s3 = client(endpoint_url=f"http://127.0.0.1:{free_port()}", retries=1)
        try:
            yield
        finally:
            storage.s3 = working
    elif kind == "timeout":
        with silent_endpoint() as port:
            storage.s3 = client(endpoint_url=f"http://127.0.0.1:{port}", read_timeout=1, retries=1)
            try:
                yield
            finally:
                storage.s3 = working
    else:  # the bucket is gone: the requests reach a store that answers NoSuchBucket
        bucket = storage.bucket
        storage.bucket = f"{bucket}-hilang"
        try:
            yield
        finally:
            storage.bucket = bucket


def _counts(db: Any) -> tuple[int, int]:
    db.session.rollback()
    return db.session.scalar(select(func.count(Evidence.id))), db.session.scalar(select(func.count(Blob.id)))


@pytest.mark.parametrize("kind", ["unreachable", "timeout", "bucket_gone"])
def test_a_failing_store_refuses_clearly_and_loses_nothing(
    kind: str, app: Flask, db: Any, client: FlaskClient, on_s3: S3Storage, moto_s3: MotoServer
) -> None:
    world: World = build_world()
    login(client, world.pengisi.email)
    aid = world.assessment.id
    saved = pdf_bytes(2, "Perwali yang sudah tersimpan")
    status, result = upload(client, aid, "perwali.pdf", saved)
    assert status == 200, result
    saved_id = result["id"]
    before = _counts(db)

    with fault(kind, on_s3, moto_s3):
        response = client.post(
            f"/penilaian/{aid}/pustaka/unggah",
            data={"files": (io.BytesIO(pdf_bytes(1, "SK baru")), "sk.pdf")},
            headers={"Accept": "application/json"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 503
        assert response.get_json()["code"] == "storage_unavailable"
        assert "tidak dapat dihubungi" in response.get_json()["message"]
        assert _counts(db) == before  # no row points at an object that is not there
        assert list(on_s3.staging_dir().iterdir()) == []
        page = client.get(f"/penilaian/{aid}/pustaka/{saved_id}/unduh")
        assert page.status_code == 503
        assert "Penyimpanan berkas tidak dapat dihubungi" in page.get_data(as_text=True)
        assert client.get(f"/penilaian/{aid}/pustaka/").status_code == 200  # the pages still work

    assert client.get(f"/penilaian/{aid}/pustaka/{saved_id}/unduh").data == saved
    status, result = upload(client, aid, "sk.pdf", pdf_bytes(1, "SK baru"))
    assert status == 200, result
    assert _counts(db) == (before[0] + 1, before[1] + 1)


def test_a_full_staging_disk_during_an_upload_to_s3_keeps_nothing(
    app: Flask,
    db: Any,
    client: FlaskClient,
    moto_s3: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    tiny_disk: Path,  # noqa: F811 - the fixture imported above
) -> None:
    storage = get_storage({"STORAGE_ROOT": str(tiny_disk), **moto_s3.settings(moto_s3.new_bucket())})
    monkeypatch.setitem(app.extensions, "storage", storage)
    world: World = build_world()
    login(client, world.pengisi.email)
    aid = world.assessment.id
    before = _counts(db)
    big = pdf_bytes(1, "besar") + b"%" * 3 * 1024 * 1024  # the tmpfs holds 2 MiB
    status, result = post_file(client, aid, "besar.pdf", big)
    assert status == 507, result
    assert _counts(db) == before
    assert list(storage.staging_dir().iterdir()) == []
    assert list(storage.stored_keys()) == []
    small = pdf_bytes(1, "kecil")
    status, result = upload(client, aid, "kecil.pdf", small)
    assert status == 200, result
    assert [k.rsplit("/", 1)[-1] for k in storage.stored_keys()] == [hashlib.sha256(small).hexdigest()]
