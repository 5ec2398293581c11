"""Opening assessments and filling their answers."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from assess.audit import record_assessment
from assess.errors import DomainError
from assess.extensions import db
from assess.models import Answer, AnswerState, Assessment, Instansi, Instrument, PredikatBasis, User
from assess.queries.engine import engine_instrument
from assess.scoring import check_value
from assess.services.answers import invalid_value, stored_value
from assess.workflow import mark_edited

log = logging.getLogger(__name__)


def open_assessment(
    *,
    instansi: Instansi,
    instrument: Instrument,
    year: int,
    created_by: User | None = None,
    deadline: date | None = None,
) -> Assessment:
    """A new assessment in ``pengisian`` with an empty answer for every indicator."""
    duplicate = db.session.scalar(
        select(Assessment.id).where(
            Assessment.instansi_id == instansi.id, Assessment.instrument_id == instrument.id, Assessment.year == year
        )
    )
    if duplicate is not None:
        raise DomainError(
            _(
                "Penilaian %(instrument)s tahun %(year)s untuk instansi ini sudah ada.",
                instrument=instrument.code,
                year=year,
            ),
            field="year",
        )
    inst = engine_instrument(instrument)
    assessment = Assessment(
        instansi=instansi,
        instrument=instrument,
        year=year,
        predikat_basis=PredikatBasis(inst.basis_for_year(year)),
        created_by_id=created_by.id if created_by else None,
        deadline=deadline,
    )
    db.session.add(assessment)
    for indicator in instrument.indicators:
        assessment.answers.append(Answer(indicator=indicator, state=AnswerState.BELUM_DIISI))
    db.session.flush()
    record_assessment(
        assessment,
        actor=created_by,
        action="assessment.open",
        summary=f"{instrument.key} {year}",
        changes=[("state", None, assessment.state), ("year", None, year), ("deadline", None, deadline)],
    )
    log.info("penilaian dibuka: %s %s tahun %s", instansi.slug, instrument.key, year)
    return assessment


def set_claimed_value(
    answer: Answer, value: int | Decimal | str | None, *, fakta: str | None = None, analisis: str | None = None
) -> Answer:
    """Record the claimed value (validated against the instrument) and optionally the penjelasan."""
    inst = engine_instrument(answer.assessment.instrument)
    try:
        checked = check_value(inst, answer.indicator.code, value)
    except ValueError:
        raise invalid_value(inst, "claimed_value") from None
    answer.claimed_value = stored_value(checked)
    if fakta is not None:
        answer.fakta = fakta
    if analisis is not None:
        answer.analisis = analisis
    mark_edited(answer)
    db.session.flush()
    return answer
