"""The evidence library through the web: upload, dedup, versions, downloads, links, deletion, search."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.models import Blob, Evidence, EvidenceVersion, RoleName, User
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import jpeg_bytes, login, pdf_bytes, upload
from tests.s3 import read_blob
from tests.worlds import DISKOMINFO, World, build_world

#: Run again with the evidence and exports in S3 (moto's server) by ``make test``.
pytestmark = pytest.mark.storage


@dataclass(frozen=True)
class Library:
    """The world of these tests, and a pengisi of another unit (Inspektorat)."""

    world: World
    pengisi_lain: User

    def member(self, name: str) -> User:
        return self.pengisi_lain if name == "pengisi_lain" else self.world.member(name)


@pytest.fixture
def lib(db: Any) -> Library:
    """Answers assigned to Diskominfo, its pengisi, a koordinator, a reviewer, a pembaca and Inspektorat's pengisi."""
    world = build_world(
        units=(DISKOMINFO, ("Inspektorat Daerah", "Inspektorat")),
        members=("pengisi", "koordinator", "reviewer", "pembaca"),
        outsider=(),
    )
    pengisi_lain = create_member(world.instansi, RoleName.PENGISI, units=(world.units["Inspektorat"],))
    db.session.commit()
    return Library(world, pengisi_lain)


def _objects(app: Flask) -> list[str]:
    return list(app.extensions["storage"].stored_keys())


def _staging(app: Flask) -> list[Path]:
    root = app.extensions["storage"].staging_dir()
    return [p for p in root.rglob("*") if p.is_file()]


def test_upload_pdf_and_jpeg(client: FlaskClient, lib: Library, db: Any, app: Flask) -> None:
    from unittest import mock

    from uploads.staging import HashingSpool

    login(client, lib.world.pengisi.email)
    aid = lib.world.assessment.id
    data = pdf_bytes(pages=3)
    with mock.patch.object(HashingSpool, "adopt", autospec=True, side_effect=HashingSpool.adopt) as adopt:
        status, result = upload(client, aid, "Perwali Nomor 12 Tahun 2024 – Arsitektur SPBE.pdf", data)
    assert adopt.call_count == 1  # parsed straight into staging: no second copy of the file
    assert status == 200, result
    assert result["ok"], result
    evidence = db.session.get(Evidence, result["id"])
    assert evidence.title == "Perwali Nomor 12 Tahun 2024 – Arsitektur SPBE"
    blob = evidence.current_version.blob
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data)
    assert blob.pages == 3
    assert blob.mime == "application/pdf"
    assert read_blob(app.extensions["storage"], blob.storage_key) == data
    status, result = upload(client, aid, "tangkapan layar.JPG", jpeg_bytes())
    assert status == 200
    assert result["ok"]
    assert db.session.get(Evidence, result["id"]).doc_type.value == "tangkapan_layar"
    assert not _staging(app)


def test_rejected_upload_says_why_and_leaves_nothing(
    client: FlaskClient, lib: Library, db: Any, app: Flask
) -> None:
    login(client, lib.world.pengisi.email)
    before = len(_objects(app))
    cases = [
        ("laporan.pdf", b"%PDF-1.4\n<html><script>alert(1)</script>"),
        ("virus.exe", b"MZ\x90\x00" * 100),
        ("kosong.pdf", b""),
        ("foto.jpg", pdf_bytes()),
    ]
    for name, data in cases:
        status, result = upload(client, lib.world.assessment.id, name, data)
        assert status == 400
        assert result["ok"] is False, result
        assert result["message"], result
        assert "Error" not in result["message"], result
    assert len(_objects(app)) == before
    assert not _staging(app)
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_same_bytes_twice_is_stored_once_and_says_where_used(client: FlaskClient, lib: Library, db: Any) -> None:
    login(client, lib.world.pengisi.email)
    aid = lib.world.assessment.id
    data = pdf_bytes(text="SK Tim Koordinasi")
    _status, first = upload(client, aid, "SK Tim.pdf", data)
    client.post(f"/penilaian/{aid}/indikator/I10/tautan", data={"evidence_id": first["id"], "level": "2"})
    status, second = upload(client, aid, "salinan SK Tim.pdf", data)
    assert status == 400
    assert second["code"] == "duplicate"
    assert "SK Tim" in second["message"]
    assert "I10" in second["message"]
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 1
    # the same bytes in another assessment: a new document, but still one stored blob
    other = create_assessment(lib.world.assessment.instansi, year=2025)
    db.session.commit()
    status, third = upload(client, other.id, "SK Tim.pdf", data)
    assert status == 200
    assert third["ok"]
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 1


def test_replace_keeps_old_versions(client: FlaskClient, lib: Library, db: Any) -> None:
    login(client, lib.world.pengisi.email)
    aid = lib.world.assessment.id
    v1 = pdf_bytes(text="versi satu")
    _status, result = upload(client, aid, "Renstra.pdf", v1)
    eid = result["id"]
    v2 = pdf_bytes(text="versi dua", pages=2)
    response = client.post(
        f"/penilaian/{aid}/pustaka/{eid}/ganti",
        data={"file": (io.BytesIO(v2), "Renstra rev.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    evidence = db.session.get(Evidence, eid)
    assert [v.number for v in evidence.versions] == [1, 2]
    assert evidence.current_version.number == 2
    assert client.get(f"/penilaian/{aid}/pustaka/{eid}/unduh").data == v2
    assert client.get(f"/penilaian/{aid}/pustaka/{eid}/versi/1/unduh").data == v1
    page = client.get(f"/penilaian/{aid}/pustaka/{eid}").get_data(as_text=True)
    assert "Renstra rev.pdf" in page
    assert "Riwayat versi" in page
    same = client.post(
        f"/penilaian/{aid}/pustaka/{eid}/ganti",
        data={"file": (io.BytesIO(v2), "lagi.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "sama dengan versi yang sekarang" in same.get_data(as_text=True)


def test_download_headers(client: FlaskClient, lib: Library) -> None:
    login(client, lib.world.pembaca.email)
    client.post("/logout")
    login(client, lib.world.pengisi.email)
    aid = lib.world.assessment.id
    _status, result = upload(client, aid, "Laporan Reviu Peta Rencana – 2025.pdf", pdf_bytes())
    client.post("/logout")
    login(client, lib.world.pembaca.email)
    response = client.get(f"/penilaian/{aid}/pustaka/{result['id']}/unduh")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Laporan%20Reviu%20Peta%20Rencana%20%E2%80%93%202025.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    preview = client.get(f"/penilaian/{aid}/pustaka/{result['id']}/pratinjau")
    assert preview.headers["Content-Disposition"].startswith("inline")


def test_delete_refused_while_linked_then_soft_deleted(client: FlaskClient, lib: Library, db: Any) -> None:
    login(client, lib.world.pengisi.email)
    aid = lib.world.assessment.id
    _status, result = upload(client, aid, "Notulen.pdf", pdf_bytes(text="notulen"))
    eid = result["id"]
    client.post(f"/penilaian/{aid}/indikator/I2/tautan", data={"evidence_id": eid, "level": "1"})
    confirm = client.get(f"/penilaian/{aid}/pustaka/{eid}/hapus").get_data(as_text=True)
    assert "masih ditautkan ke I2" in confirm
    refused = client.post(f"/penilaian/{aid}/pustaka/{eid}/hapus", follow_redirects=True)
    assert "masih ditautkan ke I2" in refused.get_data(as_text=True)
    assert db.session.get(Evidence, eid).deleted_at is None
    link_id = db.session.get(Evidence, eid).links[0].id
    client.post(f"/penilaian/{aid}/indikator/I2/tautan/{link_id}/lepas")
    assert client.post(f"/penilaian/{aid}/pustaka/{eid}/hapus").status_code == 302
    evidence = db.session.get(Evidence, eid)
    assert evidence.deleted_at is not None
    assert evidence.deleted_by_id == lib.world.pengisi.id
    assert db.session.scalar(select(func.count()).select_from(EvidenceVersion)) == 1  # kept for the record
    assert f'/pustaka/{eid}"' not in client.get(f"/penilaian/{aid}/pustaka/").get_data(as_text=True)


def test_service_link_with_masked_test_account(client: FlaskClient, lib: Library, db: Any) -> None:
    login(client, lib.world.pengisi.email)
    aid = lib.world.assessment.id
    bad = client.post(
        f"/penilaian/{aid}/pustaka/tautan-baru",
        data={
            "version": "1",
            "title": "SIPD",
            "doc_type": "lainnya",
            "url": "javascript:alert(1)",
            "owner_unit_id": "0",
        },
    )
    assert bad.status_code == 200
    assert "https://" in bad.get_data(as_text=True)
    response = client.post(
        f"/penilaian/{aid}/pustaka/tautan-baru",
        data={
            "version": "1",
            "title": "Aplikasi e-Kinerja",
            "doc_type": "lainnya",
            "url": "https://ekinerja.contoh.go.id",
            "access_note": "user: asesor / sandi: Uji#2026",
            "owner_unit_id": "0",
        },
    )
    assert response.status_code == 302
    evidence = db.session.scalar(select(Evidence).where(Evidence.title == "Aplikasi e-Kinerja"))
    assert evidence is not None
    assert evidence.url == "https://ekinerja.contoh.go.id"
    url = f"/penilaian/{aid}/pustaka/{evidence.id}"
    assert "Uji#2026" in client.get(url).get_data(as_text=True)  # its author
    for role in ("pembaca", "pengisi_lain"):
        client.post("/logout")
        login(client, lib.member(role).email)
        page = client.get(url).get_data(as_text=True)
        assert "Uji#2026" not in page
        assert "•••" in page
    client.post("/logout")
    login(client, lib.world.reviewer.email)
    assert "Uji#2026" in client.get(url).get_data(as_text=True)


def test_metadata_edit_and_validation(client: FlaskClient, lib: Library, db: Any) -> None:
    login(client, lib.world.pengisi.email)
    aid = lib.world.assessment.id
    _status, result = upload(client, aid, "dokumen.pdf", pdf_bytes())
    eid = result["id"]
    evidence = db.session.get(Evidence, eid)
    form = {
        "version": str(evidence.version),
        "title": "Peta Rencana SPBE 2025–2029",
        "doc_type": "perencanaan",
        "number": "Perwali No. 7 Tahun 2025",
        "doc_date": "2099-01-01",
        "owner_unit_id": str(lib.world.unit.id),
        "notes": "bab III",
    }
    future = client.post(f"/penilaian/{aid}/pustaka/{eid}", data=form)
    assert future.status_code == 400
    text = future.get_data(as_text=True)
    assert "masa depan" in text
    assert "Peta Rencana SPBE 2025–2029" in text
    ok = client.post(f"/penilaian/{aid}/pustaka/{eid}", data={**form, "doc_date": "2025-02-10"})
    assert ok.status_code == 302
    db.session.refresh(evidence)
    assert (evidence.title, evidence.doc_type.value, evidence.number) == (
        "Peta Rencana SPBE 2025–2029",
        "perencanaan",
        "Perwali No. 7 Tahun 2025",
    )
    stale = client.post(f"/penilaian/{aid}/pustaka/{eid}", data={**form, "doc_date": "2025-02-10", "version": "1"})
    assert stale.status_code == 400
    assert "diubah orang lain" in stale.get_data(as_text=True)


def test_library_search_filters_and_pagination(client: FlaskClient, lib: Library, db: Any) -> None:
    login(client, lib.world.koordinator.email)
    aid = lib.world.assessment.id
    for i in range(27):
        upload(client, aid, f"Notulen rapat {i:02d}.jpg", jpeg_bytes(color=(i * 9 % 255, i, 60)))
    upload(client, aid, "Perwali Arsitektur.pdf", pdf_bytes(text="arsitektur"))
    first = client.get(f"/penilaian/{aid}/pustaka/?urut=judul").get_data(as_text=True)
    assert "28 dokumen" in first
    assert 'aria-current="page"' in first
    assert "hal=2" in first
    found = client.get(f"/penilaian/{aid}/pustaka/?q=arsitektur").get_data(as_text=True)
    assert "Perwali Arsitektur" in found
    assert "Notulen rapat" not in found
    unlinked = client.get(f"/penilaian/{aid}/pustaka/?tampil=lepas").get_data(as_text=True)
    assert "28 dokumen" in unlinked
    images = client.get(f"/penilaian/{aid}/pustaka/?jenis=tangkapan_layar").get_data(as_text=True)
    assert "27 dokumen" in images
    # % and _ are what they are, not LIKE's wildcards
    upload(client, aid, "Capaian 100% target.pdf", pdf_bytes())
    upload(client, aid, "Capaian 1000 target.pdf", pdf_bytes())
    percent = client.get(f"/penilaian/{aid}/pustaka/?q=100%25").get_data(as_text=True)
    assert "Capaian 100% target" in percent
    assert "Capaian 1000 target" not in percent
    assert "Tidak ada dokumen yang cocok" in client.get(f"/penilaian/{aid}/pustaka/?q=_0").get_data(as_text=True)


def test_reviewer_and_pembaca_cannot_upload_or_edit(client: FlaskClient, lib: Library) -> None:
    login(client, lib.world.pengisi.email)
    aid = lib.world.assessment.id
    _status, result = upload(client, aid, "a.pdf", pdf_bytes())
    for role in ("reviewer", "pembaca", "pengisi_lain"):
        client.post("/logout")
        login(client, lib.member(role).email)
        status, _r = upload(client, aid, "b.pdf", pdf_bytes(text=role))
        assert status == (403 if role != "pengisi_lain" else 200), role
        assert (
            client.post(
                f"/penilaian/{aid}/pustaka/{result['id']}", data={"version": "1", "title": "x", "doc_type": "lainnya"}
            ).status_code
            == 403
        )
        assert client.get(f"/penilaian/{aid}/pustaka/{result['id']}/unduh").status_code == 200


def test_other_instansi_sees_nothing(client: FlaskClient, lib: Library) -> None:
    login(client, lib.world.pengisi.email)
    aid = lib.world.assessment.id
    _status, result = upload(client, aid, "rahasia.pdf", pdf_bytes())
    stranger = create_member(create_instansi(), RoleName.KOORDINATOR)
    from assess.extensions import db as _db

    _db.session.commit()
    client.post("/logout")
    login(client, stranger.email)
    for url in (
        f"/penilaian/{aid}/pustaka/",
        f"/penilaian/{aid}/pustaka/{result['id']}",
        f"/penilaian/{aid}/pustaka/{result['id']}/unduh",
        f"/penilaian/{aid}/pustaka/{result['id']}/pratinjau",
    ):
        assert client.get(url).status_code == 404, url
    status, _r = upload(client, aid, "x.pdf", pdf_bytes(text="x"))
    assert status == 404


def test_test_account_is_sealed_at_rest(client: FlaskClient, lib: Library, db: Any) -> None:
    login(client, lib.world.pengisi.email)
    aid = lib.world.assessment.id
    client.post(
        f"/penilaian/{aid}/pustaka/tautan-baru",
        data={
            "version": "1",
            "title": "SIPD",
            "doc_type": "lainnya",
            "url": "https://sipd.contoh.go.id",
            "access_note": "user: asesor / sandi: Rahasia#1",
            "owner_unit_id": "0",
        },
    )
    evidence = db.session.scalar(select(Evidence).where(Evidence.title == "SIPD"))
    assert evidence is not None
    assert evidence.access_note is not None
    assert "Rahasia#1" not in evidence.access_note
    assert evidence.access_note.startswith("sealed:v1:")
    page = client.get(f"/penilaian/{aid}/pustaka/{evidence.id}").get_data(as_text=True)
    assert "<summary>" in page
    assert "Rahasia#1" in page
