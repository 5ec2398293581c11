"""The evidence library's boundary: reads never write, every change commits once through ``attempt``, refusals are
told in the user's language, and the listing is a read model of its own."""

from __future__ import annotations

import ast
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.models import Evidence
from assess.queries import library as library_query
from assess.services import evidence as evidence_service
from tests.factories import create_instansi, create_unit
from tests.functional.helpers import count_queries, jpeg_bytes, login, pdf_bytes, upload
from tests.s3 import StoredBlob
from tests.worlds import World, build_world

#: Run again with the evidence and exports in S3 (moto's server) by ``make test``.
pytestmark = pytest.mark.storage

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def lib(db: Any) -> World:
    """Answers assigned to Diskominfo and its pengisi."""
    built = build_world(members=("pengisi",), outsider=())
    db.session.commit()
    return built


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(WRITES)]


def _uploaded(client: FlaskClient, db: Any, aid: int, name: str, data: bytes) -> int:
    _status, result = upload(client, aid, name, data)
    db.session.rollback()
    return int(result["id"])


def test_reading_the_library_writes_nothing(client: FlaskClient, lib: World, db: Any) -> None:
    aid = lib.assessment.id
    login(client, lib.pengisi.email)
    data = pdf_bytes(text="Renstra")
    eid = _uploaded(client, db, aid, "Renstra.pdf", data)
    client.get(f"/penilaian/{aid}/pustaka/")  # the first page after signing in may note the session
    base = f"/penilaian/{aid}/pustaka"
    urls = (
        f"{base}/",
        f"{base}/?tampil=usang&urut=judul",
        f"{base}/{eid}",
        f"{base}/{eid}/hapus",
        f"{base}/tautan-baru",
        f"{base}/{eid}/unduh",
        f"{base}/{eid}/pratinjau",
    )
    for url in urls:
        with count_queries(db) as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        assert _writes(statements) == [], url
    assert client.get(f"{base}/{eid}/unduh").data == data


def test_a_changed_file_is_refused_without_the_request_writing(
    client: FlaskClient, lib: World, db: Any, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The download only reads: what it found is handed to ``record_stored_file`` (a write of its own, outside the
    request's session), which alone marks the blob."""
    aid = lib.assessment.id
    login(client, lib.pengisi.email)
    eid = _uploaded(client, db, aid, "Perwali.pdf", pdf_bytes(text="Perwali"))
    version = db.session.get_one(Evidence, eid).current_version
    assert version is not None
    blob_id = version.blob_id
    path = StoredBlob(app.extensions["storage"], version.blob.storage_key)
    path.write_bytes(path.read_bytes()[:-10])
    db.session.rollback()
    handed: list[tuple[int, str | None]] = []
    monkeypatch.setattr(evidence_service, "record_stored_file", lambda b, problem: handed.append((b, problem)))

    with count_queries(db) as statements:
        response = client.get(f"/penilaian/{aid}/pustaka/{eid}/unduh")
    assert response.status_code == 409
    assert _writes(statements) == []
    assert [b for b, _p in handed] == [blob_id]
    assert (handed[0][1] or "").startswith("stored_file:size:")
    assert db.session.get_one(Evidence, eid).current_version.blob.check_problem is None


def test_one_request_keeps_the_good_files_when_another_is_refused(
    client: FlaskClient, lib: World, db: Any
) -> None:
    aid = lib.assessment.id
    login(client, lib.pengisi.email)
    renstra = pdf_bytes(text="Renstra")
    _uploaded(client, db, aid, "Renstra.pdf", renstra)
    response = client.post(
        f"/penilaian/{aid}/pustaka/unggah",
        data={
            "files": [
                (io.BytesIO(renstra), "salinan Renstra.pdf"),
                (io.BytesIO(b"MZ\x90\x00" * 100), "virus.exe"),
                (io.BytesIO(jpeg_bytes()), "Tangkapan layar.jpg"),
            ]
        },
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [(r["name"], r["ok"], r.get("code")) for r in results] == [
        ("salinan Renstra.pdf", False, "duplicate"),
        ("virus.exe", False, results[1]["code"]),
        ("Tangkapan layar.jpg", True, None),
    ]
    assert results[0]["existing_url"].endswith(f"/pustaka/{_id_of(db, 'Renstra')}")
    assert "Renstra" in results[0]["message"]
    assert results[1]["code"] != "invalid"  # the upload check's own code
    db.session.rollback()
    titles = db.session.scalars(select(Evidence.title).where(Evidence.assessment_id == aid).order_by(Evidence.id))
    assert list(titles) == ["Renstra", "Tangkapan layar"]


def _id_of(db: Any, title: str) -> int:
    return int(db.session.scalar(select(Evidence.id).where(Evidence.title == title)))


def test_a_refused_document_answers_with_every_reason_and_keeps_nothing(
    client: FlaskClient, lib: World, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal of the library (here an empty title from the file's name) is told as code ``invalid`` with the
    service's message; nothing of the file stays in the database."""
    monkeypatch.setattr(evidence_service, "_title_from", lambda _name: " ")
    aid = lib.assessment.id
    login(client, lib.pengisi.email)
    status, result = upload(client, aid, "Renstra.pdf", pdf_bytes())
    assert status == 400
    assert (result["ok"], result["code"], result["message"]) == (False, "invalid", "Judul dokumen wajib diisi.")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_refused_file_in_the_plain_form_says_which_and_why(client: FlaskClient, lib: World) -> None:
    aid = lib.assessment.id
    login(client, lib.pengisi.email)
    response = client.post(
        f"/penilaian/{aid}/pustaka/unggah",
        data={"files": [(io.BytesIO(b"MZ\x90\x00" * 100), "virus.exe")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "virus.exe: " in page
    assert "Diunggah" not in page


def test_a_refused_replacement_keeps_the_current_version(client: FlaskClient, lib: World, db: Any) -> None:
    aid = lib.assessment.id
    login(client, lib.pengisi.email)
    data = pdf_bytes(text="Renstra")
    eid = _uploaded(client, db, aid, "Renstra.pdf", data)
    refused = client.post(
        f"/penilaian/{aid}/pustaka/{eid}/ganti",
        data={"file": (io.BytesIO(b"MZ\x90\x00" * 100), "virus.exe")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "flash-error" in refused.get_data(as_text=True)
    replaced = client.post(
        f"/penilaian/{aid}/pustaka/{eid}/ganti",
        data={"file": (io.BytesIO(pdf_bytes(text="Renstra rev")), "Renstra rev.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "versi 2 sekarang dipakai" in replaced.get_data(as_text=True)
    db.session.rollback()
    evidence = db.session.get_one(Evidence, eid)
    assert [v.number for v in evidence.versions] == [1, 2]


def test_the_listing_read_model(client: FlaskClient, lib: World, db: Any) -> None:
    aid = lib.assessment.id
    login(client, lib.pengisi.email)
    first = _uploaded(client, db, aid, "Renstra.pdf", pdf_bytes(text="Renstra"))
    _uploaded(client, db, aid, "Notulen.jpg", jpeg_bytes())
    db.session.rollback()
    answer = next(a for a in lib.assessment.answers if a.indicator.code == "I2")
    evidence = db.session.get_one(Evidence, first)
    evidence_service.link(answer=answer, evidence=evidence, level=1, item=None, note="", user=lib.pengisi)
    db.session.commit()
    stale_before = date(2000, 1, 1)

    every = library_query.library_page(aid, library_query.LibraryFilter(sort="judul"), stale_before=stale_before)
    assert [d.title for d in every.documents] == ["Notulen", "Renstra"]
    assert (every.total, every.pages, every.link_counts) == (2, 1, {first: 1})
    unlinked = library_query.LibraryFilter(show=library_query.UNLINKED, sort="tidak ada")
    assert [d.title for d in library_query.library_page(aid, unlinked, stale_before=stale_before).documents] == [
        "Notulen"
    ]
    found = library_query.library_page(aid, library_query.LibraryFilter(q="RENS"), stale_before=stale_before)
    assert [d.id for d in found.documents] == [first]


def test_the_listing_read_model_does_not_use_the_services() -> None:
    tree = ast.parse(Path(library_query.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    assert not {name for name in imported if name and name.startswith("assess.services")}


@pytest.mark.parametrize("given", ["unit", "other", "abc", "0", ""])
def test_the_owner_unit_of_an_upload_is_one_of_the_instansi_or_none(
    client: FlaskClient, lib: World, db: Any, given: str
) -> None:
    other = create_unit(create_instansi("Kabupaten Lain"), "Dinas Lain", "Lain")
    db.session.commit()
    owner = {"unit": str(lib.unit.id), "other": str(other.id)}.get(given, given)
    aid = lib.assessment.id
    login(client, lib.pengisi.email)
    response = client.post(
        f"/penilaian/{aid}/pustaka/unggah",
        data={"files": [(io.BytesIO(pdf_bytes()), "Renstra.pdf")], "owner_unit_id": owner},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    db.session.rollback()
    evidence = db.session.get_one(Evidence, response.get_json()["results"][0]["id"])
    assert evidence.owner_unit_id == (lib.unit.id if given == "unit" else None)


def test_an_edited_service_address_is_held_to_the_rules_of_a_new_one(
    client: FlaskClient, lib: World, db: Any
) -> None:
    aid = lib.assessment.id
    login(client, lib.pengisi.email)
    link = {"version": "1", "title": "SIPD", "doc_type": "lainnya", "owner_unit_id": "0"}
    added = client.post(f"/penilaian/{aid}/pustaka/tautan-baru", data={**link, "url": "https://sipd.contoh.go.id"})
    assert added.status_code == 302
    eid = _id_of(db, "SIPD")
    for bad in ("https://sipd.contoh.go.id/ada spasi", "https://sipd.contoh.go.id/\tlain", "sipd.contoh.go.id"):
        refused = client.post(f"/penilaian/{aid}/pustaka/{eid}", data={**link, "url": bad})
        assert refused.status_code == 400, bad
        assert "Alamat harus berupa URL lengkap" in refused.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get_one(Evidence, eid).url == "https://sipd.contoh.go.id"
