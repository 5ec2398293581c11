"""What the library serves: a deleted document is gone for every role (its history stays with the koordinator and
the admin), and a stored file changed behind the library's back is never served as the document."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assess.models import Comment, Evidence
from assess.services.admin import set_logo
from assess.views import downloads
from assess.views.downloads import StoredFileChangedError
from tests.functional.helpers import jpeg_bytes, login, logout, pdf_bytes, upload
from tests.s3 import StoredBlob
from tests.worlds import World, build_world

#: Run again with the evidence and exports in S3 (moto's server) by ``make test``.
pytestmark = pytest.mark.storage

ROLES = ("pengisi", "koordinator", "reviewer", "pembaca", "admin")
#: The only page of a deleted document still shown, and only to these roles: its history in the audit trail.
HISTORY_ROLES = {"koordinator", "admin"}


@pytest.fixture
def lib(db: Any) -> World:
    """An assessment (no answer assigned), Diskominfo and a member of each role."""
    built = build_world(members=ROLES, outsider=(), assign=False)
    db.session.commit()
    return built


def _deleted_document(client: FlaskClient, lib: World, db: Any) -> tuple[int, int]:
    """A document with two versions and a comment, then deleted by the koordinator: (evidence id, comment id)."""
    aid = lib.assessment.id
    login(client, lib.koordinator.email)
    _status, result = upload(client, aid, "Renstra.pdf", pdf_bytes(text="Renstra versi satu"))
    eid = result["id"]
    replaced = client.post(
        f"/penilaian/{aid}/pustaka/{eid}/ganti",
        data={"file": (io.BytesIO(pdf_bytes(text="Renstra versi dua")), "Renstra rev.pdf")},
        content_type="multipart/form-data",
    )
    assert replaced.status_code == 302
    commented = client.post(f"/penilaian/{aid}/komentar/dokumen/{eid}", data={"body": "Mohon cek lampiran."})
    assert commented.status_code == 302
    assert client.post(f"/penilaian/{aid}/pustaka/{eid}/hapus").status_code == 302
    logout(client)
    assert db.session.get_one(Evidence, eid).deleted_at is not None
    comment_id = db.session.query(Comment.id).filter(Comment.evidence_id == eid).scalar()
    return eid, comment_id


def _requests(app: Flask, aid: int, eid: int, comment_id: int) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) of every route that names a document by id, or a comment by id, from the URL map."""
    values = {"assessment_id": aid, "evidence_id": eid, "comment_id": comment_id, "number": 1}
    out = []
    for rule in app.url_map.iter_rules():
        if "evidence_id" not in rule.arguments and not (
            "comment_id" in rule.arguments and rule.endpoint.startswith("comments.")
        ):
            continue
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)
        out.extend((rule.endpoint, method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return out


def test_a_deleted_document_answers_404_on_every_route_but_its_history(
    client: FlaskClient, lib: World, db: Any, app: Flask
) -> None:
    aid = lib.assessment.id
    eid, comment_id = _deleted_document(client, lib, db)
    requests = _requests(app, aid, eid, comment_id)
    endpoints = {endpoint for endpoint, _method, _url in requests}
    assert {
        "evidence.detail",
        "evidence.download",
        "evidence.preview",
        "evidence.replace",
        "evidence.delete",
        "comments.evidence_threads",
        "comments.edit",
        "comments.resolve",
        "audit.evidence_history",
    } <= endpoints
    assert any(url.endswith("/versi/1/unduh") for _e, _m, url in requests)
    answers: dict[tuple[str, str, str], int] = {}
    for role in ROLES:
        login(client, lib.member(role).email)
        for endpoint, method, url in requests:
            response = client.open(url, method=method, data={"body": "balasan", "title": "judul baru"})
            answers[(role, method, url)] = response.status_code
            if endpoint == "audit.evidence_history" and role in HISTORY_ROLES:
                assert response.status_code == 200, (role, url)
                assert "Renstra" in response.get_data(as_text=True)
            else:
                assert response.status_code == 404, (role, method, url, response.status_code)
        logout(client)
    assert len(answers) == len(ROLES) * len(requests)
    evidence = db.session.get_one(Evidence, eid)
    assert evidence.title == "Renstra"  # the POSTs changed nothing
    assert db.session.query(Comment).filter(Comment.evidence_id == eid).count() == 1


# --------------------------------------------------------------------------- stored files changed behind the library


def _stored_path(app: Flask, evidence: Evidence) -> StoredBlob:
    version = evidence.current_version
    assert version is not None
    return StoredBlob(app.extensions["storage"], version.blob.storage_key)


def _uploaded(client: FlaskClient, db: Any, aid: int, name: str, data: bytes) -> int:
    """Upload a document; the id. The requests share the test's session here (``IsolatingClient``): its write
    transaction is ended as the end of a real request would, so the library's own short write can take its turn."""
    _status, result = upload(client, aid, name, data)
    db.session.rollback()
    return int(result["id"])


def _change(path: StoredBlob, how: str) -> None:
    data = path.read_bytes()
    if how == "sama ukuran":
        changed = bytearray(data)
        changed[len(changed) // 2] ^= 0x01
        path.write_bytes(bytes(changed))
    elif how == "lebih pendek":
        path.write_bytes(data[:-10])
    elif how == "lebih panjang":
        path.write_bytes(data + b"\n%tambahan\n")
    else:
        path.unlink()


@pytest.mark.parametrize("how", ["sama ukuran", "lebih pendek", "lebih panjang", "hilang"])
def test_a_changed_stored_file_is_not_served_and_the_document_is_marked_rusak(
    client: FlaskClient, lib: World, db: Any, app: Flask, how: str
) -> None:
    aid = lib.assessment.id
    login(client, lib.pengisi.email)
    data = pdf_bytes(pages=2, text="Perwali arsitektur")
    eid = _uploaded(client, db, aid, "Perwali.pdf", data)
    base = f"/penilaian/{aid}/pustaka/{eid}"
    assert client.get(f"{base}/unduh").data == data
    path = _stored_path(app, db.session.get_one(Evidence, eid))
    _change(path, how)

    for url in (f"{base}/unduh", f"{base}/pratinjau", f"{base}/versi/1/unduh"):
        response = client.get(url)
        assert response.status_code == 409, (url, response.status_code)
        assert response.mimetype == "text/html"
        assert "tidak lagi sama dengan berkas yang diunggah" in response.get_data(as_text=True)
        assert "ETag" not in response.headers
    db.session.rollback()  # a new snapshot: the mark was written by a transaction of its own
    blob = db.session.get_one(Evidence, eid).current_version.blob
    assert (blob.check_problem or "").startswith("stored_file:")
    detail = client.get(base).get_data(as_text=True)
    assert "Berkas tersimpan " in detail  # what was found, in the reader's language
    assert 'data-testid="check-problem"' in detail
    assert "Berkas ini rusak." in detail
    library = client.get(f"/penilaian/{aid}/pustaka/").get_data(as_text=True)
    assert ">rusak</span>" in library

    # the file restored from a backup is served again, and the mark is lifted
    path.write_bytes(data)
    assert client.get(f"{base}/unduh").data == data
    db.session.rollback()
    assert db.session.get_one(Evidence, eid).current_version.blob.check_problem is None
    assert 'data-testid="check-problem"' not in client.get(base).get_data(as_text=True)


def _streamed(client: FlaskClient, url: str, **headers: str) -> tuple[Any, bytes, BaseException | None]:
    """The response and the bytes that came before the stream ended (or failed, with the exception)."""
    response = client.get(url, headers=headers, buffered=False)
    received = b""
    try:
        for chunk in response.response:
            received += chunk
    except StoredFileChangedError as failed:
        return response, received, failed
    finally:
        response.close()
    return response, received, None


def test_a_large_file_is_checked_while_it_streams_and_a_changed_one_never_arrives_whole(
    client: FlaskClient, lib: World, db: Any, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(downloads, "VERIFY_FIRST_BYTES", 0)  # every file streams
    monkeypatch.setattr(downloads, "CHUNK", 400)
    aid = lib.assessment.id
    login(client, lib.pengisi.email)
    data = pdf_bytes(pages=4, text="Laporan reviu")
    assert len(data) > 3 * 400
    eid = _uploaded(client, db, aid, "Laporan.pdf", data)
    url = f"/penilaian/{aid}/pustaka/{eid}/unduh"

    response, received, failed = _streamed(client, url)
    assert (response.status_code, failed, received) == (200, None, data)
    assert response.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert "Accept-Ranges" not in response.headers
    ranged, received, failed = _streamed(client, url, Range="bytes=0-99")
    assert (ranged.status_code, received) == (200, data)  # ranges are not answered: a range is not checked whole
    cached = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert cached.status_code == 304

    _change(_stored_path(app, db.session.get_one(Evidence, eid)), "sama ukuran")
    response, received, failed = _streamed(client, url)
    assert response.status_code == 200  # the headers went out before the end of the file was read
    assert isinstance(failed, StoredFileChangedError)
    assert int(response.headers["Content-Length"]) == len(data)
    assert len(received) < len(data)  # the last chunk is held back: the download fails, it never completes
    db.session.rollback()
    blob = db.session.get_one(Evidence, eid).current_version.blob
    assert (blob.check_problem or "").startswith("stored_file:sha256:")
    assert client.get(url).status_code == 409  # the next request is refused before anything is sent


def test_a_changed_logo_is_not_served(client: FlaskClient, lib: World, db: Any, app: Flask) -> None:
    instansi = lib.assessment.instansi
    logo = jpeg_bytes((64, 64))
    set_logo(instansi=instansi, stream=io.BytesIO(logo), filename="logo.jpg", storage=app.extensions["storage"])
    db.session.commit()
    login(client, lib.pembaca.email)
    url = f"/instansi/{instansi.id}/logo"
    assert client.get(url).data == logo
    path = StoredBlob(app.extensions["storage"], instansi.logo_key)
    path.write_bytes(logo[:-1] + bytes([logo[-1] ^ 0x01]))
    response = client.get(url)
    assert response.status_code == 409
    assert response.mimetype == "text/html"
    path.write_bytes(logo)
    assert client.get(url).data == logo
