"""The same new bytes uploaded by several people at once, through the whole request stack, on the test database of
the run (SQLite, or PostgreSQL with ``MANDIRI_TEST_DATABASE_URL``).

- Into one assessment: one upload makes the document, every other gets the library's duplicate answer naming it;
  no 500, one stored blob, one document.
- Into different assessments: every upload makes its own document, all on the one stored blob.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from assess.database import writing
from assess.extensions import db
from assess.models import Blob, Evidence, EvidenceVersion, RoleName
from tests.factories import PASSWORD, create_assessment, create_instansi, create_member
from tests.functional.helpers import pdf_bytes

#: Run again with the evidence and exports in S3 (moto's server) by ``make test``.
pytestmark = pytest.mark.storage

UPLOADERS = 4
ROUNDS = 4


def _setup(app: Flask, assessments: int) -> tuple[list[int], list[str]]:
    """``assessments`` assessments of one instansi (different years) and ``UPLOADERS`` koordinator accounts."""
    from assess.services.instruments import sync_instruments

    with app.app_context(), writing():
        upgrade()
        sync_instruments()
        instansi = create_instansi()
        ids = [create_assessment(instansi, year=2026 - n).id for n in range(assessments)]
        emails = [create_member(instansi, RoleName.KOORDINATOR).email for _ in range(UPLOADERS)]
        db.session.commit()
        db.session.remove()
    return ids, emails


def _client(app: Flask, email: str) -> Any:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def _at_once(clients: list[Any], targets: list[int], data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """Every client uploads ``data`` (client n into assessment ``targets[n]``) at the same moment."""
    start = threading.Barrier(len(clients))
    answers: list[tuple[int, dict[str, Any]]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def send(n: int) -> None:
        try:
            start.wait(timeout=60)
            response = clients[n].post(
                f"/penilaian/{targets[n]}/pustaka/unggah",
                data={"files": (io.BytesIO(data), f"Perwali {n}.pdf")},
                headers={"Accept": "application/json"},
                content_type="multipart/form-data",
            )
            body = response.get_json(silent=True) or {}
            with lock:
                answers.append((response.status_code, (body.get("results") or [{}])[0]))
        except BaseException as exc:  # reported below
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    return answers


def _stored(app: Flask, data: bytes) -> tuple[int, list[tuple[int, int]]]:
    """Blob rows of these bytes, and (assessment id, evidence id) of every document on them."""
    digest = hashlib.sha256(data).hexdigest()
    with app.app_context():
        blobs = db.session.scalar(select(func.count()).select_from(Blob).where(Blob.sha256 == digest)) or 0
        documents = db.session.execute(
            select(Evidence.assessment_id, Evidence.id)
            .join(EvidenceVersion, EvidenceVersion.evidence_id == Evidence.id)
            .join(Blob, Blob.id == EvidenceVersion.blob_id)
            .where(Blob.sha256 == digest)
        ).all()
        db.session.remove()
    return blobs, [(a, e) for a, e in documents]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_same_new_bytes_into_one_assessment_at_once_make_one_document(
    fresh_app: Callable[..., Flask], round_: int
) -> None:
    app = fresh_app()
    (aid,), emails = _setup(app, 1)
    clients = [_client(app, email) for email in emails]
    data = pdf_bytes(text=f"Perwali unggahan serentak {round_}")

    answers = _at_once(clients, [aid] * UPLOADERS, data)

    assert sorted(status for status, _r in answers) == [200] + [400] * (UPLOADERS - 1), answers
    (made,) = [result for status, result in answers if status == 200]
    assert made["ok"]
    for status, result in answers:
        if status == 400:
            assert result["code"] == "duplicate", result
            assert "sudah ada di pustaka" in result["message"]
            assert result["existing_url"] == made["url"]
    blobs, documents = _stored(app, data)
    assert blobs == 1
    assert documents == [(aid, made["id"])]


def test_same_new_bytes_into_different_assessments_at_once_share_one_blob(fresh_app: Callable[..., Flask]) -> None:
    app = fresh_app()
    ids, emails = _setup(app, UPLOADERS)
    clients = [_client(app, email) for email in emails]
    data = pdf_bytes(text="Renstra yang dipakai tiap tahun")

    answers = _at_once(clients, ids, data)

    assert [status for status, _r in answers] == [200] * UPLOADERS, answers
    blobs, documents = _stored(app, data)
    assert blobs == 1
    assert sorted(a for a, _e in documents) == sorted(ids)
    assert sorted(e for _a, e in documents) == sorted(result["id"] for _s, result in answers)
