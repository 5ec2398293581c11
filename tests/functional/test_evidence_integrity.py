"""What the library serves: a deleted document is gone for every role (its history stays with the koordinator and
the admin), and a stored file changed behind the library's back is never served as the document."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assess.models import Comment, Evidence, RoleName
from tests.factories import create_assessment, create_instansi, create_member, create_unit
from tests.functional.helpers import login, logout, pdf_bytes, upload

ROLES = (RoleName.PENGISI, RoleName.KOORDINATOR, RoleName.REVIEWER, RoleName.PEMBACA, RoleName.ADMIN)
#: The only page of a deleted document still shown, and only to these roles: its history in the audit trail.
HISTORY_ROLES = {RoleName.KOORDINATOR, RoleName.ADMIN}


@pytest.fixture
def lib(db: Any) -> dict[str, Any]:
    instansi = create_instansi()
    unit = create_unit(instansi, "Dinas Komunikasi dan Informatika", "Diskominfo")
    assessment = create_assessment(instansi)
    people = {role: create_member(instansi, role, units=(unit,)) for role in ROLES}
    db.session.commit()
    return {"assessment": assessment, "people": people}


def _deleted_document(client: FlaskClient, lib: dict[str, Any], db: Any) -> tuple[int, int]:
    """A document with two versions and a comment, then deleted by the koordinator: (evidence id, comment id)."""
    aid = lib["assessment"].id
    login(client, lib["people"][RoleName.KOORDINATOR].email)
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
    client: FlaskClient, lib: dict[str, Any], db: Any, app: Flask
) -> None:
    aid = lib["assessment"].id
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
    answers: dict[tuple[RoleName, str, str], int] = {}
    for role, person in lib["people"].items():
        login(client, person.email)
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
