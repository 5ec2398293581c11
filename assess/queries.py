"""Reusable loaders shared by views, services and reports; each issues a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from assess.extensions import db
from assess.instruments import Instrument as EngineInstrument
from assess.models import Answer, Aspect, Assessment, Indicator, Instrument, Membership, User
from assess.scoring import Score, score
from assess.services.instruments import engine_instrument


def visible_assessments(user: User) -> Select[Assessment]:
    """Assessments of every instansi where the user holds a role, newest first."""
    member_of = select(Membership.instansi_id).where(Membership.user_id == user.id)
    return (
        select(Assessment)
        .where(Assessment.instansi_id.in_(member_of))
        .options(joinedload(Assessment.instansi), joinedload(Assessment.instrument))
        .order_by(Assessment.year.desc(), Assessment.id.desc())
    )


def load_assessment(assessment_id: int) -> Assessment | None:
    """An assessment with its instrument catalogue and every answer, in four queries."""
    return db.session.scalar(
        select(Assessment)
        .where(Assessment.id == assessment_id)
        .options(
            joinedload(Assessment.instansi),
            joinedload(Assessment.instrument).selectinload(Instrument.aspects).joinedload(Aspect.domain),
            selectinload(Assessment.answers).options(
                joinedload(Answer.indicator).joinedload(Indicator.levels),
                joinedload(Answer.assignee_unit),
            ),
        )
    )


@dataclass(frozen=True)
class Projection:
    instrument: EngineInstrument
    score: Score


def claimed_values(assessment: Assessment) -> dict[str, Fraction | None]:
    return {
        a.indicator.code: None if a.claimed_value is None else Fraction(a.claimed_value) for a in assessment.answers
    }


def project(assessment: Assessment) -> Projection:
    """The projected index from the claimed values, on the assessment's predikat basis."""
    inst = engine_instrument(assessment.instrument)
    return Projection(inst, score(inst, claimed_values(assessment), assessment.predikat_basis.value))


@dataclass(frozen=True)
class IndicatorRow:
    answer_id: int
    code: str
    asesor_code: str | None
    name: str
    weight: Fraction
    value: Fraction | None
    value_display: str
    level_name: str | None
    state: str
    unit: str | None
    external: bool


@dataclass(frozen=True)
class AspectGroup:
    code: str
    name: str
    weight: Fraction
    display: str
    predikat: str
    rows: tuple[IndicatorRow, ...]


@dataclass(frozen=True)
class DomainGroup:
    code: str | None
    name: str | None
    weight: Fraction | None
    display: str | None
    predikat: str | None
    aspects: tuple[AspectGroup, ...]


def overview(assessment: Assessment, projection: Projection) -> tuple[DomainGroup, ...]:
    """Indicators grouped by domain (where the instrument has domains) and aspect, with values."""
    inst, s = projection.instrument, projection.score
    by_code = {a.indicator.code: a for a in assessment.answers}

    def row(code: str) -> IndicatorRow:
        answer = by_code[code]
        ind = inst.indicators[code]
        value = s.values[code] if code not in s.unanswered else None
        level_name = None
        if value is not None and inst.value_type == "level" and value >= 1:
            level_name = inst.level_scales[ind.scale].level(int(value)).name
        shown = "–" if value is None else (str(int(value)) if inst.value_type == "level" else f"{float(value):.2f}")
        return IndicatorRow(
            answer.id,
            code,
            ind.asesor_code,
            ind.short_name,
            ind.weight,
            value,
            shown,
            level_name,
            answer.state.value,
            answer.assignee_unit.short_name if answer.assignee_unit else None,
            ind.external is not None,
        )

    def aspect_group(code: str) -> AspectGroup:
        a, part = inst.aspects[code], s.aspects[code]
        return AspectGroup(code, a.name, a.weight, part.display, part.predikat, tuple(row(c) for c in a.indicators))

    if not inst.has_domains:
        return (DomainGroup(None, None, None, None, None, tuple(aspect_group(c) for c in inst.aspects)),)
    return tuple(
        DomainGroup(
            d.code,
            d.name,
            d.weight,
            s.domains[d.code].display,
            s.domains[d.code].predikat,
            tuple(aspect_group(c) for c in d.aspects),
        )
        for d in inst.domains.values()
    )
