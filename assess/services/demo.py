"""The demo instansi "Pemerintah Kota Contoh": idempotent, safe to load again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _
from sqlalchemy import select

from assess.errors import DomainError
from assess.extensions import db
from assess.models import Assessment, Instansi, InstansiKind, RoleName, Unit
from assess.services.assessments import open_assessment, set_claimed_value
from assess.services.instruments import latest_version
from assess.services.users import add_to_unit, create_user, find_user, grant_role

log = logging.getLogger(__name__)
DEMO_FILE = Path(__file__).resolve().parents[2] / "seeds" / "demo" / "kota-contoh.yaml"


@dataclass
class DemoResult:
    instansi: Instansi
    assessment: Assessment
    logins: list[tuple[str, str, str]]  # (role, email, password or a note)
    created: bool


def load_demo(password: str, *, year: int | None = None, path: Path = DEMO_FILE) -> DemoResult:
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    year = year or date.today().year
    created = False

    info = spec["instansi"]
    instansi = db.session.scalar(select(Instansi).where(Instansi.slug == info["slug"]))
    if instansi is None:
        instansi = Instansi(slug=info["slug"], name=info["name"], kind=InstansiKind(info["kind"]))
        db.session.add(instansi)
        db.session.flush()
        created = True

    units: dict[str, Unit] = {u.short_name or u.name: u for u in instansi.units}
    for u in spec["units"]:
        if u["short_name"] not in units:
            unit = Unit(instansi=instansi, name=u["name"], short_name=u["short_name"])
            db.session.add(unit)
            units[u["short_name"]] = unit
    db.session.flush()

    logins: list[tuple[str, str, str]] = []
    for u in spec["users"]:
        role = RoleName(u["role"])
        user = find_user(u["email"])
        if user is None:
            user = create_user(email=u["email"], name=u["name"], password=password)
            logins.append((role.value, user.email, password))
        else:
            logins.append((role.value, user.email, "(kata sandi tidak diubah)"))
        grant_role(user, instansi, role)
        for short in u["units"]:
            add_to_unit(user, units[short])

    a = spec["assessment"]
    instrument = latest_version(a["instrument"])
    if instrument is None:
        raise DomainError(
            _("Instrumen %(code)s belum dimuat; jalankan `mandiri instruments sync`.", code=a["instrument"])
        )
    assessment = db.session.scalar(
        select(Assessment).where(
            Assessment.instansi_id == instansi.id, Assessment.year == year, Assessment.instrument_id == instrument.id
        )
    )
    if assessment is None:
        koordinator = find_user(next(u["email"] for u in spec["users"] if u["role"] == "koordinator"))
        assessment = open_assessment(instansi=instansi, instrument=instrument, year=year, created_by=koordinator)
        _fill(assessment, a, units)
        created = True
    log.info("demo %s: %s", instansi.slug, "dibuat" if created else "sudah ada")
    return DemoResult(instansi, assessment, logins, created)


def _fill(assessment: Assessment, spec: dict[str, Any], units: dict[str, Unit]) -> None:
    default_unit = units[spec["default_unit"]]
    for answer in assessment.answers:
        code = answer.indicator.code
        level, unit_name = spec["answers"].get(code, (None, None))
        answer.assignee_unit = units[unit_name] if unit_name else default_unit
        if level is not None:
            set_claimed_value(
                answer,
                level,
                fakta=f"Dokumen pendukung {answer.indicator.short_name} tersedia di pustaka bukti (contoh demo).",
                analisis=f"Kriteria level {level} terpenuhi menurut penilaian awal unit (contoh demo).",
            )
    db.session.flush()


__all__ = ["DemoResult", "load_demo"]
