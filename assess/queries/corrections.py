"""The correction tasks after the asesor's verdicts (Pemdi): every butir whose counted verdict (the latest stage's)
is *revisi*, with whom it belongs to — the butir's own assignee, else its indicator's — and whether the unit marked
it corrected. :func:`revisi` is the one definition; "Tugas saya", the reminders and the koreksi page narrow it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, case, exists, or_, select
from sqlalchemy.orm import aliased

from assess.extensions import db
from assess.models import (
    STAGE_ORDER,
    Answer,
    AnswerItem,
    AssessmentStage,
    ButirVerdict,
    CycleStage,
    EvidenceItem,
    Indicator,
    Unit,
    UnitMember,
    User,
    Verdict,
)

#: Whether the butir itself is assigned (then its assignee holds the correction, else the indicator's).
item_assigned = or_(AnswerItem.assignee_user_id.is_not(None), AnswerItem.assignee_unit_id.is_not(None))
#: The person and the unit a correction belongs to.
holder_user = case((item_assigned, AnswerItem.assignee_user_id), else_=Answer.assignee_user_id)
holder_unit = case((item_assigned, AnswerItem.assignee_unit_id), else_=Answer.assignee_unit_id)
#: Not yet marked corrected.
OPEN = ButirVerdict.corrected_at.is_(None)
#: The last day of the correction window ("koreksi sampai"), when the koordinator set it.
DEADLINE = (
    select(AssessmentStage.ends_on)
    .where(AssessmentStage.assessment_id == ButirVerdict.assessment_id, AssessmentStage.stage == CycleStage.KOREKSI)
    .correlate(ButirVerdict)
    .scalar_subquery()
)


def _rank(stage: SQLColumnExpression[CycleStage]) -> ColumnElement[int]:
    return case({s: n for n, s in enumerate(STAGE_ORDER)}, value=stage)


def _counted() -> ColumnElement[bool]:
    """The verdict counts: no verdict on the same butir was given in a later stage."""
    later = aliased(ButirVerdict)
    return ~exists().where(
        later.assessment_id == ButirVerdict.assessment_id,
        later.item_id == ButirVerdict.item_id,
        _rank(later.stage) > _rank(ButirVerdict.stage),
    )


def revisi() -> Select[ButirVerdict]:
    """Every butir whose counted verdict is *revisi* (open or corrected), joined with its catalogue item, indicator,
    answer and — when marked or assigned — the answer's item row."""
    return (
        select(ButirVerdict)
        .join(EvidenceItem, EvidenceItem.id == ButirVerdict.item_id)
        .join(Indicator, Indicator.id == EvidenceItem.indicator_id)
        .join(Answer, and_(Answer.assessment_id == ButirVerdict.assessment_id, Answer.indicator_id == Indicator.id))
        .outerjoin(AnswerItem, and_(AnswerItem.answer_id == Answer.id, AnswerItem.item_id == ButirVerdict.item_id))
        .where(ButirVerdict.verdict == Verdict.REVISI, _counted())
    )


def held_by(user_id: int | SQLColumnExpression[int], *, by_name: bool = False) -> ColumnElement[bool]:
    """The correction belongs to the user, or (unless ``by_name``) to one of their units."""
    if by_name:
        return holder_user == user_id
    units = select(UnitMember.unit_id).where(UnitMember.user_id == user_id)
    return or_(holder_user == user_id, holder_unit.in_(units))


@dataclass(frozen=True)
class Summary:
    """An assessment's open corrections, and the correction window's last day when it is set."""

    open: int
    deadline: date | None


def summary(verdicts: Mapping[int, ButirVerdict], deadline: date | None) -> Summary:
    """The overview's line: how many corrections are open and until when, from the verdicts that count
    (:func:`assess.queries.verdicts.current_verdicts`) and the koreksi stage's last day the page already read."""
    open_count = sum(1 for v in verdicts.values() if v.verdict == Verdict.REVISI and v.corrected_at is None)
    return Summary(open_count, deadline)


@dataclass(frozen=True)
class Row:
    """One butir to correct (or corrected) on the koreksi page."""

    verdict: ButirVerdict
    item: EvidenceItem
    code: str
    answer: Answer
    mark: AnswerItem | None
    #: Whom it belongs to: the unit's short name (or name) and the person, when assigned.
    unit: str | None
    person: str | None
    corrected_by: str | None


def listing(assessment_id: int, *, held_by_user: int | None = None) -> list[Row]:
    """The assessment's corrections, open ones first, then in the instrument's order; only those held by the user or
    their units when ``held_by_user`` is given (a pengisi). One query."""
    holder = aliased(User)
    corrector = aliased(User)
    query = (
        revisi()
        .add_columns(
            EvidenceItem, Indicator.code, Answer, AnswerItem, Unit.short_name, Unit.name, holder.name, corrector.name
        )
        .outerjoin(Unit, Unit.id == holder_unit)
        .outerjoin(holder, holder.id == holder_user)
        .outerjoin(corrector, corrector.id == ButirVerdict.corrected_by_id)
        .where(ButirVerdict.assessment_id == assessment_id)
        .order_by(ButirVerdict.corrected_at.is_not(None), Indicator.position, EvidenceItem.level, EvidenceItem.nn)
    )
    if held_by_user is not None:
        query = query.where(held_by(held_by_user))
    return [
        Row(verdict, item, code, answer, mark, short or name, person, by)
        for verdict, item, code, answer, mark, short, name, person, by in db.session.execute(query)
    ]


def one(assessment_id: int, verdict_id: int) -> Row | None:
    """One correction of the assessment (a counted *revisi*), or None."""
    query = (
        revisi()
        .add_columns(EvidenceItem, Indicator.code, Answer, AnswerItem)
        .where(ButirVerdict.assessment_id == assessment_id, ButirVerdict.id == verdict_id)
    )
    found = db.session.execute(query).first()
    if found is None:
        return None
    verdict, item, code, answer, mark = found
    return Row(verdict, item, code, answer, mark, None, None, None)
