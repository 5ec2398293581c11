"""Read models of the questionnaire's pages: who an indicator or an evidence item can be assigned to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, and_, cast, false, func, literal_column, null, select, union_all

from assess.extensions import db
from assess.models import Answer, Membership, Unit, UnitMember, User

#: A ``(value, label)`` pair of a select field.
Choice = tuple[int, str]


def _assignable(instansi_id: int) -> ColumnElement[bool]:
    """Who can be assigned: active users holding a role in the instansi."""
    return and_(User.active, User.id.in_(select(Membership.user_id).where(Membership.instansi_id == instansi_id)))


def _member_choices(rows: Iterable[Any]) -> list[Choice]:
    return [(row.id, f"{row.name} <{row.email}>") for row in rows]


def member_choices(instansi_id: int) -> list[Choice]:
    """The assignable members of the instansi, by name."""
    return _member_choices(
        db.session.execute(
            select(User.id, User.name, User.email).where(_assignable(instansi_id)).order_by(User.name, User.id)
        )
    )


def members_with_units(instansi_id: int) -> tuple[list[Choice], dict[int, tuple[int, ...]]]:
    """The assignable members of the instansi, by name (as :func:`member_choices`), and the units each belongs to,
    in one query (the overview's bulk assignment offers only the chosen unit's people)."""
    return _people_and_units(
        db.session.execute(
            select(User.id, User.name, User.email, UnitMember.unit_id)
            .outerjoin(UnitMember, UnitMember.user_id == User.id)
            .where(_assignable(instansi_id))
            .order_by(User.name, User.id, UnitMember.unit_id)
        )
    )


def _people_and_units(rows: Iterable[Any]) -> tuple[list[Choice], dict[int, tuple[int, ...]]]:
    """Rows of a person and one of their units (``unit_id``, None for a person of no unit), a person's rows
    together: the people as choices, and each one's units."""
    people: dict[int, Any] = {}
    units: dict[int, tuple[int, ...]] = {}
    for row in rows:
        people.setdefault(row.id, row)
        units[row.id] = (*units.get(row.id, ()), *(() if row.unit_id is None else (row.unit_id,)))
    return _member_choices(people.values()), units


def assignment_choices(
    instansi_id: int, unit_id: int | None
) -> tuple[list[Choice], list[Choice], dict[int, tuple[int, ...]]]:
    """The active units, and the assignable members of the unit ``unit_id`` (none without a unit), each by name, and
    the units each of those members belongs to, in one query: the indicator page's form offers only the chosen unit's
    people, so its length follows the unit, not the instansi (another unit's people come from :func:`unit_people`)."""
    units = select(
        literal_column("0", Integer).label("kind"),
        Unit.id.label("id"),
        func.coalesce(func.nullif(Unit.short_name, ""), Unit.name).label("name"),
        cast(null(), String).label("email"),
        Unit.name.label("sort"),
        cast(null(), Integer).label("unit_id"),
    ).where(Unit.instansi_id == instansi_id, Unit.active)
    members = (
        select(
            literal_column("1", Integer).label("kind"),
            User.id.label("id"),
            User.name.label("name"),
            User.email.label("email"),
            User.name.label("sort"),
            UnitMember.unit_id.label("unit_id"),
        )
        .outerjoin(UnitMember, UnitMember.user_id == User.id)
        .where(_assignable(instansi_id), _in_unit(unit_id))
    )
    rows = db.session.execute(union_all(units, members).order_by("kind", "sort", "id", "unit_id")).all()
    people, people_units = _people_and_units(r for r in rows if r.kind == 1)
    return [(r.id, r.name) for r in rows if r.kind == 0], people, people_units


def unit_people(instansi_id: int, unit_id: int) -> list[Choice]:
    """The assignable members of one unit of the instansi, by name."""
    return _member_choices(
        db.session.execute(
            select(User.id, User.name, User.email)
            .where(_assignable(instansi_id), _in_unit(unit_id))
            .order_by(User.name, User.id)
        )
    )


def _in_unit(unit_id: int | None) -> ColumnElement[bool]:
    if unit_id is None:
        return false()
    return User.id.in_(select(UnitMember.user_id).where(UnitMember.unit_id == unit_id))


def state_counts(assessment_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per assessment, its answers counted by state (the state's stored value); one query whatever their number."""
    if not assessment_ids:
        return {}
    rows = db.session.execute(
        select(Answer.assessment_id, Answer.state, func.count())
        .where(Answer.assessment_id.in_(assessment_ids))
        .group_by(Answer.assessment_id, Answer.state)
    )
    out: dict[int, dict[str, int]] = {}
    for assessment_id, state, n in rows:
        out.setdefault(assessment_id, {})[state.value] = int(n)
    return out
