"""`instruments sync`: idempotent, and never alters a version an assessment uses."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from assess.database import writing
from assess.errors import InstrumentInUseError
from assess.extensions import db
from assess.instruments import SEED_DIR
from assess.models import AnswerItem, Assessment, EvidenceItem, Indicator, IndicatorLevel, Instrument
from assess.queries import project_all
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


def _descriptions(code: str) -> dict[str, str]:
    rows = db.session.execute(
        select(Indicator.code, Indicator.description).join(Instrument).where(Instrument.code == code)
    )
    return {row.code: row.description for row in rows}


def test_sync_writes_the_descriptions(migrated: Flask, seeds: Path) -> None:
    with migrated.app_context(), writing():
        sync_instruments(seeds)
        pemdi = _descriptions("pemdi-2026")
        assert len(pemdi) == 20
        assert all(text.startswith("Mengukur ") for text in pemdi.values())
        assert "Indeks Satu Data Indonesia (SDI)" in pemdi["I5"]
        assert set(_descriptions("spbe-2020").values()) == {""}


def _strip_descriptions(path: Path) -> str:
    """The file as shipped before it had descriptions."""
    shipped = path.read_text(encoding="utf-8")
    kept = [line for line in shipped.split("\n") if not line.startswith(("    description:", "    description_en:"))]
    path.write_text("\n".join(kept), encoding="utf-8")
    return shipped


def test_descriptions_reach_a_used_version_in_place_and_no_score_moves(migrated: Flask, seeds: Path) -> None:
    path = seeds / "pemdi-2026.v1.yaml"
    shipped = _strip_descriptions(path)
    with migrated.app_context(), writing():
        sync_instruments(seeds)
        assessment = create_assessment(code="pemdi-2026")
        answers = {a.indicator.code: a for a in assessment.answers}
        i1 = answers["I1"]
        for item in i1.indicator.items[:3]:  # L1 complete, L2 at 2 of 4
            i1.items.append(AnswerItem(item=item, fulfilled=True, note=""))
        answers["I5"].source_value = Decimal("68.75")
        db.session.commit()
        before = project_all(assessment).claimed
        assert before.values["I1"] == 2
        assert before.values["I5"] == Fraction("3.75")
        assert set(_descriptions("pemdi-2026").values()) == {""}
        counts = _counts()

        path.write_text(shipped, encoding="utf-8")
        report = sync_instruments(seeds)
        db.session.commit()
        assert report.updated == ["pemdi-2026@1"]
        assert report.unchanged == ["spbe-2020@1"]
        assert "Bappenas" in _descriptions("pemdi-2026")["I5"]
        assert _counts() == counts
        db.session.expire_all()
        again = db.session.get(Assessment, assessment.id)
        assert again is not None
        inst = engine_instrument(again.instrument)
        assert inst.indicators["I6"].description_en.startswith("Measures ")
        after = project_all(again).claimed
        assert (after.values, after.aspects, after.index, after.predikat) == (
            before.values,
            before.aspects,
            before.index,
            before.predikat,
        )
        assert sync_instruments(seeds).unchanged == ["pemdi-2026@1", "spbe-2020@1"]
