"""`instruments sync`: idempotent, and never alters a version an assessment uses."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from assess.database import writing
from assess.errors import InstrumentInUseError
from assess.extensions import db
from assess.instruments import SEED_DIR
from assess.models import EvidenceItem, Indicator, IndicatorLevel, Instrument
from assess.queries.engine import engine_instrument
from assess.services.instruments import sync_instruments
from tests.factories import create_assessment


def _counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))  # type: ignore[return-value]
        for m in (Instrument, Indicator, IndicatorLevel, EvidenceItem)
    )


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "instruments"
    folder.mkdir()
    for f in SEED_DIR.glob("*.yaml"):
        shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture
def migrated(fresh_app: Callable[..., Flask]) -> Flask:
    app = fresh_app()
    with app.app_context(), writing():
        upgrade()
    return app


def test_sync_is_idempotent(migrated: Flask, seeds: Path) -> None:
    with migrated.app_context(), writing():
        first = sync_instruments(seeds)
        db.session.commit()
        assert sorted(first.created) == ["pemdi-2026@1", "spbe-2020@1"]
        counts = _counts()
        assert counts == (2, 47 + 20, (47 + 20) * 5, 232)
        second = sync_instruments(seeds)
        db.session.commit()
        assert second.created == second.updated == []
        assert sorted(second.unchanged) == ["pemdi-2026@1", "spbe-2020@1"]
        assert _counts() == counts


def test_engine_built_from_the_synced_text(migrated: Flask, seeds: Path) -> None:
    with migrated.app_context(), writing():
        sync_instruments(seeds)
        row = db.session.scalar(select(Instrument).where(Instrument.code == "spbe-2020"))
        assert row is not None
        inst = engine_instrument(row)
        assert inst.key == "spbe-2020@1"
        assert len(inst.indicators) == 47
        i29 = db.session.scalar(select(Indicator).where(Indicator.instrument_id == row.id, Indicator.code == "I29"))
        assert i29 is not None
        assert [lv.name for lv in i29.levels] == [
            "Rintisan",
            "Terkelola",
            "Terdefinisi",
            "Terpadu dan Terukur",
            "Optimum",
        ]
        assert i29.levels[3].max_evidence_age_years == 2


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_changed_file_updates_an_unused_version(migrated: Flask, seeds: Path) -> None:
    with migrated.app_context(), writing():
        sync_instruments(seeds)
        db.session.commit()
        _edit(seeds, "spbe-2020.v1.yaml", "Rintisan", "Perintisan")
        report = sync_instruments(seeds)
        db.session.commit()
        assert report.updated == ["spbe-2020@1"]
        assert db.session.scalar(select(func.count()).select_from(Instrument)) == 2
        names = set(db.session.scalars(select(IndicatorLevel.name).where(IndicatorLevel.level == 1)))
        assert "Perintisan" in names


def test_changed_file_for_a_used_version_is_refused(migrated: Flask, seeds: Path) -> None:
    with migrated.app_context(), writing():
        sync_instruments(seeds)
        create_assessment(code="spbe-2020")
        db.session.commit()
        before = db.session.scalar(select(Instrument.digest).where(Instrument.code == "spbe-2020"))
        _edit(seeds, "spbe-2020.v1.yaml", 'weight: "1.30"', 'weight: "1.30"\n    # komentar tidak mengubah isi')
        assert sync_instruments(seeds).unchanged == ["pemdi-2026@1", "spbe-2020@1"]
        _edit(seeds, "spbe-2020.v1.yaml", "Rintisan", "Perintisan")
        with pytest.raises(InstrumentInUseError, match=r"sudah dipakai penilaian.*spbe-2020\.v2\.yaml"):
            sync_instruments(seeds)
        db.session.rollback()
        assert db.session.scalar(select(Instrument.digest).where(Instrument.code == "spbe-2020")) == before


def test_new_version_beside_a_used_one(migrated: Flask, seeds: Path) -> None:
    with migrated.app_context(), writing():
        sync_instruments(seeds)
        create_assessment(code="spbe-2020")
        db.session.commit()
        text = (seeds / "spbe-2020.v1.yaml").read_text(encoding="utf-8").replace("version: 1", "version: 2", 1)
        (seeds / "spbe-2020.v2.yaml").write_text(text.replace("Rintisan", "Perintisan", 1), encoding="utf-8")
        report = sync_instruments(seeds)
        db.session.commit()
        assert report.created == ["spbe-2020@2"]
        versions = db.session.scalars(select(Instrument.version).where(Instrument.code == "spbe-2020")).all()
        assert sorted(versions) == [1, 2]
