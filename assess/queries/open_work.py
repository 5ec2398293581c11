"""Unfinished work of an assessment grouped by unit, with the people to chase: the koordinator's view of who holds
the assessment back (a refused change of stage, the daily digest of late units). A fixed number of queries."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assess.extensions import db
from assess.models import Answer, AnswerState, Assessment, Indicator, Membership, RoleName, Unit, UnitMember, User


@dataclass(frozen=True)
class HeldIndicator:
    """An indicator whose answer is in one of the asked states, and who is to finish it."""

    code: str
    name: str
    state: AnswerState
    #: The assigned person, else the active pengisi of the assigned unit (none when nobody is assigned).
    people: list[User]
    #: Assigned to a person (not only to the unit).
    personal: bool = False


@dataclass
class UnitWork:
    """A unit's held indicators (``unit`` None: those assigned to a person only, or to nobody)."""

    unit: Unit | None
    indicators: list[HeldIndicator] = field(default_factory=list)

    @property
    def people(self) -> list[User]:
        seen: dict[int, User] = {}
        for row in self.indicators:
            for person in row.people:
                seen.setdefault(person.id, person)
        return sorted(seen.values(), key=lambda u: (u.name, u.id))


def held_by_unit(assessment: Assessment, states: Collection[AnswerState]) -> list[UnitWork]:
    """The assessment's answers in ``states`` grouped by their assigned unit (units by name, the group without a
    unit last), each indicator in the instrument's order with the people to chase. Three queries."""
    answers = db.session.scalars(
        select(Answer)
        .join(Indicator, Indicator.id == Answer.indicator_id)
        .where(Answer.assessment_id == assessment.id, Answer.state.in_(list(states)))
        .options(joinedload(Answer.indicator), joinedload(Answer.assignee_unit), joinedload(Answer.assignee_user))
        .order_by(Indicator.position)
    ).all()
    if not answers:
        return []
    unit_ids = {a.assignee_unit_id for a in answers if a.assignee_unit_id is not None and a.assignee_user_id is None}
    pengisi: dict[int, list[User]] = {}
    if unit_ids:
        is_pengisi = select(Membership.user_id).where(
            Membership.instansi_id == assessment.instansi_id, Membership.role == RoleName.PENGISI
        )
        rows = db.session.execute(
            select(UnitMember.unit_id, User)
            .join(User, User.id == UnitMember.user_id)
            .where(UnitMember.unit_id.in_(unit_ids), User.active, User.id.in_(is_pengisi))
            .order_by(User.name, User.id)
        ).all()
        for unit_id, user in rows:
            pengisi.setdefault(unit_id, []).append(user)
    groups: dict[int | None, UnitWork] = {}
    for answer in answers:
        if answer.assignee_user is not None:
            people = [answer.assignee_user] if answer.assignee_user.active else []
        elif answer.assignee_unit_id is not None:
            people = pengisi.get(answer.assignee_unit_id, [])
        else:
            people = []
        group = groups.setdefault(answer.assignee_unit_id, UnitWork(answer.assignee_unit))
        group.indicators.append(
            HeldIndicator(
                answer.indicator.code, answer.indicator.name, answer.state, people, answer.assignee_user_id is not None
            )
        )
    named = sorted((g for g in groups.values() if g.unit is not None), key=lambda g: g.unit.name if g.unit else "")
    return named + ([groups[None]] if None in groups else [])
