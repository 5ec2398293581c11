"""``mandiri storage migrate``: every evidence file, logo and finished export copied to the other backend and
verified by SHA-256; resumable; nothing switched, and a damaged or missing file named, when not all match."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.models import Blob, EvidenceVersion, Export, ExportState
from assess.services import exports as export_service
from tests.functional.helpers import jpeg_bytes, login, pdf_bytes, upload
from tests.s3 import MotoServer, overwrite_blob, read_blob
from tests.worlds import World, build_world
from uploads import get_folders, get_storage

pytestmark = [pytest.mark.db, pytest.mark.storage]


@pytest.fixture
def other_backend(app: Flask, moto_s3: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The backend the app does not use (S3 on a fresh bucket, or local disk), configured beside the current one."""
    if app.config["STORAGE_BACKEND"] == "local":
        for name, value in moto_s3.settings(moto_s3.new_bucket()).items():
            if name != "STORAGE_BACKEND":
                monkeypatch.setitem(app.config, name, value)
        yield "s3"
    else:
        yield "local"


@pytest.fixture
def filled(db: Any, client: FlaskClient) -> World:
    """An assessment with three uploaded documents (one uploaded twice: one blob) and a finished export."""
    world = build_world()
    login(client, world.koordinator.email)
    aid = world.assessment.id
    for name, data in (("perwali.pdf", pdf_bytes(3)), ("foto.jpg", jpeg_bytes()), ("sk.pdf", pdf_bytes(1, "SK"))):
        status, result = upload(client, aid, name, data)
        assert status == 200, result
    assert client.post(f"/penilaian/{aid}/bundel/").status_code == 302
    return world


@contextmanager
def damaged(storage: Any, key: str, data: bytes) -> Iterator[None]:
    """A stored blob with other bytes for the ``with`` block (the store is shared by the run's tests)."""
    original = read_blob(storage, key)
    overwrite_blob(storage, key, data)
    try:
        yield
    finally:
        overwrite_blob(storage, key, original)


def _migrate(app: Flask, backend: str) -> Any:
    return app.test_cli_runner().invoke(args=["storage", "migrate", "--to", backend])


def test_every_file_and_export_is_copied_and_verified_then_serves_from_the_new_backend(
    app: Flask, db: Any, client: FlaskClient, filled: World, other_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target_config = {**app.config, "STORAGE_BACKEND": other_backend}
    source, target = app.extensions["storage"], get_storage(target_config)
    blobs = db.session.scalars(select(Blob)).all()
    assert len(blobs) == 3

    result = _migrate(app, other_backend)
    assert result.exit_code == 0, result.output
    assert "3 disalin" in result.output
    assert "Ekspor: 1 disalin" in result.output
    assert f"MANDIRI_STORAGE_BACKEND={other_backend}" in result.output
    assert app.config["STORAGE_BACKEND"] != other_backend  # nothing was switched
    for blob in blobs:
        assert hashlib.sha256(read_blob(target, blob.storage_key)).hexdigest() == blob.sha256

    again = _migrate(app, other_backend)  # a second run (or one resumed after a stop) copies nothing
    assert again.exit_code == 0, again.output
    assert "0 disalin" in again.output
    assert "3 sudah ada dan cocok" in again.output
    assert "Ekspor: 0 disalin, 1 sudah ada" in again.output

    # The operator switches: every download, and the export, comes from the new backend, byte for byte.
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", other_backend)
    monkeypatch.setitem(app.extensions, "storage", target)
    monkeypatch.setitem(app.extensions, "folders", get_folders(target_config))
    source_files = {blob.storage_key: read_blob(source, blob.storage_key) for blob in blobs}
    with ExitStack() as stack:
        for blob in blobs:  # proves the bytes below come from the target
            stack.enter_context(damaged(source, blob.storage_key, b"bukan dari sini"))
        for version in db.session.scalars(select(EvidenceVersion)):
            response = client.get(f"/penilaian/{filled.assessment.id}/pustaka/{version.evidence_id}/unduh")
            assert response.status_code == 200
            assert response.data == source_files[version.blob.storage_key]
    export = db.session.scalars(select(Export).where(Export.state == ExportState.DONE)).one()
    response = client.get(f"/penilaian/{filled.assessment.id}/bundel/{export.id}/pdf")
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == export.pdf_sha256
    assert export_service.indicator_codes(export)


def test_a_damaged_source_file_is_named_and_nothing_is_switched(
    app: Flask, db: Any, filled: World, other_backend: str
) -> None:
    blob = db.session.scalars(select(Blob).order_by(Blob.id)).first()
    assert blob is not None
    with damaged(app.extensions["storage"], blob.storage_key, b"bukan isi aslinya"):
        result = _migrate(app, other_backend)
    assert result.exit_code != 0
    assert f"TIDAK COCOK dengan SHA-256-nya: {blob.storage_key}" in result.output
    assert "jangan diubah" in result.output
    assert "Sekarang ubah" not in result.output
    assert not get_storage({**app.config, "STORAGE_BACKEND": other_backend}).exists(blob.storage_key)


def test_a_target_that_cannot_be_used_is_refused_before_copying(
    app: Flask, db: Any, filled: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    if app.config["STORAGE_BACKEND"] != "local":
        pytest.skip("the unusable target here is an S3 bucket that does not exist")
    monkeypatch.setitem(app.config, "S3_BUCKET", "tidak-ada-bucket-ini")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing answers
    result = _migrate(app, "s3")
    assert result.exit_code != 0
    assert "Penyimpanan tujuan tidak dapat dipakai" in result.output
    assert "Menyalin" not in result.output
