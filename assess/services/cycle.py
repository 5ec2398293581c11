"""The evaluation cycle after the self-assessment (Pemdi): the koordinator sets the current stage and each stage's
dates. Flushes only; the view commits through :func:`assess.views.boundary.attempt`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from assess.audit import record_assessment
from assess.errors import DomainError
from assess.extensions import db
from assess.models import STAGE_ORDER, Assessment, AssessmentStage, CycleStage, User
from assess.queries.stages import stage_dates
from assess.workflow import STAGE_LABELS, stage_headings


@dataclass(frozen=True)
class StageDates:
    starts_on: date | None = None
    ends_on: date | None = None


def starts_field(stage: CycleStage) -> str:
    """The form field (and audit field) of a stage's first day."""
    return f"{stage.value}_starts_on"


def ends_field(stage: CycleStage) -> str:
    return f"{stage.value}_ends_on"


def set_stages(
    *,
    assessment: Assessment,
    stage: CycleStage,
    dates: Mapping[CycleStage, StageDates],
    actor: User | None,
    confirm_back: bool = False,
) -> bool:
    """Set the cycle's current stage and the dates of its stages (a stage missing from ``dates`` keeps its own);
    ``True`` when anything changed. Refused, with every reason, when a stage ends before it starts, or when the
    stage moves back without ``confirm_back``; only graded (Pemdi) assessments have stages."""
    if assessment.instrument.value_type != "graded":
        raise DomainError(_l("Tahapan evaluasi hanya ada pada penilaian Pemdi."))
    reasons: list[tuple[str | None, Any]] = [
        (
            ends_field(s),
            _l(
                "%(stage)s: tanggal selesai (%(end)s) sebelum tanggal mulai (%(start)s).",
                stage=stage_headings()[s],
                end=format_date(d.ends_on),
                start=format_date(d.starts_on),
            ),
        )
        for s, d in dates.items()
        if d.starts_on is not None and d.ends_on is not None and d.ends_on < d.starts_on
    ]
    old_stage = assessment.stage
    if STAGE_ORDER.index(stage) < STAGE_ORDER.index(old_stage) and not confirm_back:
        reasons.append(
            (
                "confirm_back",
                _l(
                    "Tahap akan mundur dari %(old)s ke %(new)s. Centang konfirmasi lalu simpan lagi bila memang "
                    "itu maksudnya.",
                    old=STAGE_LABELS[old_stage],
                    new=STAGE_LABELS[stage],
                ),
            )
        )
    if reasons:
        (field, message), *rest = reasons
        raise DomainError(message, field=field, reasons=rest)
    stored = stage_dates(assessment.id)
    changes: list[tuple[str, Any, Any]] = []
    if stage != old_stage:
        changes.append(("stage", old_stage, stage))
        assessment.stage = stage
    for s in STAGE_ORDER:
        if s not in dates:
            continue
        new = dates[s]
        row = stored.get(s)
        old = StageDates(row.starts_on, row.ends_on) if row is not None else StageDates()
        if new == old:
            continue
        changes += [
            (f"{s.value}.starts_on", old.starts_on, new.starts_on),
            (f"{s.value}.ends_on", old.ends_on, new.ends_on),
        ]
        if row is None:
            db.session.add(
                AssessmentStage(assessment_id=assessment.id, stage=s, starts_on=new.starts_on, ends_on=new.ends_on)
            )
        elif new == StageDates():
            db.session.delete(row)
        else:
            row.starts_on, row.ends_on = new.starts_on, new.ends_on
    if not changes:
        return False
    db.session.flush()
    record_assessment(assessment, actor=actor, action="stage.set", changes=changes)
    return True
