"""Read models of the operator's pages (``/operator/``) and ``mandiri instansi list``: every instansi of the
deployment with its counts, in a fixed number of queries whatever the number of instansi. Counts only: no answer,
document or audit entry of an instansi is read here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from assess.extensions import db
from assess.models import (
    Answer,
    AnswerState,
    Assessment,
    AssessmentState,
    Instansi,
    InstansiKind,
    Instrument,
    Membership,
)


@dataclass(frozen=True)
class OpenAssessment:
    """An assessment not yet final, with its progress: answers no longer "belum diisi" out of all."""

    id: int
    year: int
    instrument: str
    state: AssessmentState
    filled: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.filled / self.total) if self.total else 0


@dataclass(frozen=True)
class InstansiRow:
    id: int
    slug: str
    name: str
    kind: InstansiKind
    active: bool
    users: int
    open_assessments: tuple[OpenAssessment, ...]


def instansi_rows() -> list[InstansiRow]:
    """Every instansi by name, with the number of users holding a role there and its open assessments: three
    queries."""
    instansi = db.session.execute(select(Instansi).order_by(Instansi.name, Instansi.id)).scalars().all()
    counted = db.session.execute(
        select(Membership.instansi_id, func.count(func.distinct(Membership.user_id))).group_by(Membership.instansi_id)
    )
    users = {instansi_id: int(count) for instansi_id, count in counted}
    filled = func.sum(case((Answer.state != AnswerState.BELUM_DIISI, 1), else_=0))
    progress = db.session.execute(
        select(
            Assessment.instansi_id,
            Assessment.id,
            Assessment.year,
            Assessment.state,
            Instrument.title,
            func.coalesce(filled, 0),
            func.count(Answer.id),
        )
        .join(Instrument, Instrument.id == Assessment.instrument_id)
        .outerjoin(Answer, Answer.assessment_id == Assessment.id)
        .where(Assessment.state != AssessmentState.FINAL)
        .group_by(Assessment.id, Instrument.id)
        .order_by(Assessment.year.desc(), Assessment.id)
    )
    by_instansi: dict[int, list[OpenAssessment]] = {}
    for instansi_id, assessment_id, year, state, title, done, total in progress:
        by_instansi.setdefault(instansi_id, []).append(
            OpenAssessment(assessment_id, year, title, state, int(done), int(total))
        )
    return [
        InstansiRow(
            id=row.id,
            slug=row.slug,
            name=row.name,
            kind=row.kind,
            active=row.active,
            users=int(users.get(row.id, 0)),
            open_assessments=tuple(by_instansi.get(row.id, ())),
        )
        for row in instansi
    ]
