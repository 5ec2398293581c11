"""The stages of an assessment's evaluation cycle with their dates, as the overview's stepper and the stages page
show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from assess.extensions import db
from assess.models import STAGE_ORDER, Assessment, AssessmentStage, CycleStage


@dataclass(frozen=True)
class StageRow:
    stage: CycleStage
    starts_on: date | None
    ends_on: date | None
    #: Before, at or after the assessment's current stage.
    done: bool
    current: bool


@dataclass(frozen=True)
class Timeline:
    """Every stage in order with its dates, and the current one."""

    rows: tuple[StageRow, ...]
    current: StageRow
    today: date

    def ends_on(self, stage: CycleStage) -> date | None:
        """The last day of one stage, when set."""
        return next((row.ends_on for row in self.rows if row.stage == stage), None)

    @property
    def days_left(self) -> int | None:
        """Days until the current stage's last day (0 on that day, negative once it is over); ``None`` without one."""
        if self.current.ends_on is None:
            return None
        return (self.current.ends_on - self.today).days


def stage_dates(assessment_id: int) -> dict[CycleStage, AssessmentStage]:
    """The dated stages of an assessment, by stage (one query)."""
    rows = db.session.scalars(select(AssessmentStage).where(AssessmentStage.assessment_id == assessment_id)).all()
    return {row.stage: row for row in rows}


def timeline(assessment: Assessment, today: date) -> Timeline:
    """The assessment's stages with their dates and where the cycle stands (one query)."""
    dated = stage_dates(assessment.id)
    position = STAGE_ORDER.index(assessment.stage)
    rows = tuple(
        StageRow(
            stage=stage,
            starts_on=dated[stage].starts_on if stage in dated else None,
            ends_on=dated[stage].ends_on if stage in dated else None,
            done=index < position,
            current=index == position,
        )
        for index, stage in enumerate(STAGE_ORDER)
    )
    return Timeline(rows, rows[position], today)
