"""Exports expire: once a day the job worker removes the files of finished exports older than EXPORT_MAX_AGE_DAYS
and marks them removed, as EXPORT_KEEP does for the older ones; 0 keeps them until newer ones push them out. Real
exports of a real assessment, made through the bundle page (Huey's immediate mode), then aged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Config, Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess import jobs
from assess.config import ConfigError, load_config
from assess.models import Assessment, Export, ExportState
from assess.models.base import utcnow
from assess.services import exports as export_service
from tests.functional.helpers import published_exports
from tests.functional.test_exports import new_assessment


@pytest.fixture
def max_age(app: Flask) -> Iterator[Any]:
    saved = app.config["EXPORT_MAX_AGE_DAYS"]

    def use(days: int) -> None:
        app.config["EXPORT_MAX_AGE_DAYS"] = days

    try:
        yield use
    finally:
        app.config["EXPORT_MAX_AGE_DAYS"] = saved


def _three_exports_aged(client: FlaskClient, db: Any, *days_ago: int) -> tuple[Assessment, list[Export]]:
    """Three finished exports of a new assessment, the first ones finished ``days_ago`` days ago."""
    assessment, _ = new_assessment(client)
    for _ in range(3):
        assert client.post(f"/penilaian/{assessment.id}/bundel/").status_code == 302
    db.session.expire_all()
    rows = list(db.session.scalars(select(Export).where(Export.assessment_id == assessment.id).order_by(Export.id)))
    assert [r.state for r in rows] == [ExportState.DONE] * 3
    for row, days in zip(rows, days_ago, strict=False):
        row.finished_at = utcnow() - timedelta(days=days)
    db.session.commit()  # the test's transaction ends; the job writes in a session of its own
    return assessment, rows


def test_the_job_worker_looks_for_old_exports_once_a_day() -> None:
    assert "expire_old_exports" in {t.name for t in jobs.huey.read_periodic(datetime(2026, 3, 2, 3, 35))}
    assert "expire_old_exports" not in {t.name for t in jobs.huey.read_periodic(datetime(2026, 3, 2, 3, 36))}
    assert "expire_old_exports" not in {t.name for t in jobs.huey.read_periodic(datetime(2026, 3, 2, 4, 35))}


def test_exports_finished_before_the_max_age_lose_their_files_and_are_marked_removed(
    db: Any, client: FlaskClient, max_age: Any
) -> None:
    max_age(30)
    assessment, rows = _three_exports_aged(client, db, 31, 29)
    jobs.expire_old_exports()
    db.session.expire_all()
    assert [r.state for r in rows] == [ExportState.PRUNED, ExportState.DONE, ExportState.DONE]
    assert rows[0].directory  # the row stays, saying where its files were
    assert export_service.file_name(rows[0], "pdf") is None
    assert published_exports(assessment.id) == sorted(r.directory for r in rows[1:])
    assert all(export_service.file_name(r, "pdf") is not None for r in rows[1:])
    page = client.get(f"/penilaian/{assessment.id}/bundel/").get_data(as_text=True)
    assert page.count('data-testid="export-state">dihapus') == 1
    assert page.count('data-testid="export-state">selesai') == 2
    jobs.expire_old_exports()  # the next day finds nothing more to do
    db.session.expire_all()
    assert [r.state for r in rows] == [ExportState.PRUNED, ExportState.DONE, ExportState.DONE]


def test_a_max_age_of_0_keeps_every_export_until_export_keep_pushes_it_out(
    db: Any, client: FlaskClient, max_age: Any
) -> None:
    max_age(0)
    assessment, rows = _three_exports_aged(client, db, 4000, 400, 40)
    jobs.expire_old_exports()
    db.session.expire_all()
    assert [r.state for r in rows] == [ExportState.DONE] * 3
    assert published_exports(assessment.id) == sorted(r.directory for r in rows)


def test_a_negative_max_age_stops_start_up_naming_it(tmp_path: Path) -> None:
    environ = {"MANDIRI_EXPORT_MAX_AGE_DAYS": "-1"}
    with pytest.raises(ConfigError, match="MANDIRI_EXPORT_MAX_AGE_DAYS"):
        load_config(Config(str(tmp_path)), str(tmp_path / "instance"), None, environ)
