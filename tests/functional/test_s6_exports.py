"""The bundle page and its status poll only read: a stale export is shown stopped, the periodic expiry marks it;
the per-indicator PDF is made with the bundle, never by a download."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess import jobs
from assess.models import Export, ExportState, RoleName
from assess.models.base import utcnow
from assess.services import exports as export_service
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import count_queries, login

#: Run again with the evidence and exports in S3 (moto's server) by ``make test``.
pytestmark = pytest.mark.storage


def _stale_export(app: Flask, db: Any, client: FlaskClient) -> Export:
    instansi = create_instansi()
    assessment = create_assessment(instansi)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    export = Export(
        assessment_id=assessment.id,
        state=ExportState.RUNNING,
        heartbeat_at=utcnow() - timedelta(seconds=app.config["EXPORT_STALE_SECONDS"] + 5),
    )
    db.session.add(export)
    db.session.commit()
    login(client, koordinator.email)
    return export


def _export_writes(statements: list[str]) -> list[str]:
    return [
        s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and "export" in s.lower()
    ]


def test_the_bundle_page_shows_a_stale_export_stopped_without_writing(app: Flask, db: Any, client: FlaskClient) -> None:
    export = _stale_export(app, db, client)
    with count_queries(db) as statements:
        page = client.get(f"/penilaian/{export.assessment_id}/bundel/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _export_writes(statements) == []
    db.session.expire_all()
    row = db.session.get(Export, export.id)
    assert row is not None
    assert row.state == ExportState.RUNNING
    assert row.error is None
    assert "export-progress" not in html  # no progress bar for a run whose worker is gone
    assert "gagal" in html
    assert "terhenti" in html
    assert 'data-testid="export-start"' in html  # a new export may be started


def test_the_status_poll_reports_a_stale_export_stopped_without_writing(
    app: Flask, db: Any, client: FlaskClient
) -> None:
    export = _stale_export(app, db, client)
    with count_queries(db) as statements:
        response = client.get(f"/penilaian/{export.assessment_id}/bundel/{export.id}/status")
    assert _export_writes(statements) == []
    status = response.get_json()
    assert status["active"] is False
    assert status["state"] == "gagal"
    assert status["state_label"] == "gagal"
    assert "terhenti" in status["error"]
    db.session.expire_all()
    row = db.session.get(Export, export.id)
    assert row is not None
    assert row.state == ExportState.RUNNING


def test_the_periodic_expiry_marks_stale_exports_of_every_assessment(app: Flask, db: Any, client: FlaskClient) -> None:
    stale = _stale_export(app, db, client)
    other = create_assessment(create_instansi())
    live = Export(assessment_id=other.id, state=ExportState.RUNNING, heartbeat_at=utcnow())
    db.session.add(live)
    db.session.commit()
    assert "expire_stale_exports" in {t.name for t in jobs.huey.read_periodic(datetime(2026, 3, 2, 9, 8))}
    jobs.expire_stale_exports()  # the job writes in a session of its own
    db.session.expire_all()
    stopped = db.session.get(Export, stale.id)
    assert stopped is not None
    assert stopped.state == ExportState.FAILED
    assert stopped.finished_at is not None
    assert "terhenti" in (stopped.error or "")
    assert db.session.scalars(select(Export.state).where(Export.id == live.id)).one() == ExportState.RUNNING


def test_a_per_indicator_pdf_not_made_with_the_bundle_is_not_built_by_a_download(
    app: Flask, db: Any, client: FlaskClient
) -> None:
    export = _stale_export(app, db, client)
    export.state = ExportState.DONE
    export.directory = "1-abcd"
    export.pdf_sha256 = export.zip_sha256 = "0" * 64
    export.summary = json.dumps({"indicator_pages": {"I1": [1, 2]}})
    db.session.commit()
    built = export_service.work_dir(export.assessment_id) / ".tmp-built"
    built.mkdir(parents=True)
    (built / "bundel.pdf").write_bytes(b"%PDF-1.7\n")
    export_service.folders().publish(built, f"{export.assessment_id}/{export.directory}")
    response = client.get(f"/penilaian/{export.assessment_id}/bundel/{export.id}/indikator/I1.pdf")
    assert response.status_code == 404
    assert export_service.folders().files(f"{export.assessment_id}/{export.directory}") == {"bundel.pdf"}
    page = client.get(f"/penilaian/{export.assessment_id}/bundel/").get_data(as_text=True)
    assert "indikator/I1.pdf" not in page


def test_a_busy_export_is_refused_with_its_state_label(app: Flask, db: Any, client: FlaskClient) -> None:
    export = _stale_export(app, db, client)
    export.heartbeat_at = utcnow()
    export.state = ExportState.QUEUED
    db.session.commit()
    page = client.post(f"/penilaian/{export.assessment_id}/bundel/", follow_redirects=True)
    assert f"Ekspor #{export.id} untuk penilaian ini masih antre." in page.get_data(as_text=True)
