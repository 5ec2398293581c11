"""The asesor's verdicts as the pages read them: the verdict that counts for each butir, and the correction window."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assess.extensions import db
from assess.models import STAGE_ORDER, AssessmentStage, ButirVerdict, CycleStage


def current_verdicts(assessment_id: int) -> dict[int, ButirVerdict]:
    """Each judged butir of an assessment (by evidence-item id) with the verdict that counts: the one given in the
    latest stage (one query)."""
    rows = db.session.scalars(
        select(ButirVerdict)
        .where(ButirVerdict.assessment_id == assessment_id)
        .options(joinedload(ButirVerdict.item))
    ).all()
    counted: dict[int, ButirVerdict] = {}
    for row in sorted(rows, key=lambda r: STAGE_ORDER.index(r.stage)):
        counted[row.item_id] = row
    return counted


def correction_deadline(assessment_id: int) -> date | None:
    """The last day of the correction window ("koreksi sampai"), when the koordinator set it (one query)."""
    return db.session.scalar(
        select(AssessmentStage.ends_on).where(
            AssessmentStage.assessment_id == assessment_id, AssessmentStage.stage == CycleStage.KOREKSI
        )
    )
