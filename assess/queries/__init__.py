"""Reusable loaders shared by views, services and reports; each issues a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload, with_expression
from sqlalchemy.orm.attributes import set_committed_value

from assess import display
from assess.extensions import db
from assess.instruments import Instrument as EngineInstrument
from assess.models import (
    STAGE_ORDER,
    Answer,
    AnswerEvidence,
    AnswerItem,
    Assessment,
    ButirVerdict,
    Evidence,
    EvidenceItem,
    EvidenceVersion,
    Indicator,
    Instansi,
    Membership,
    User,
)
from assess.queries.engine import engine_instrument, graded_answer_value
from assess.scoring import Score, score


def visible_assessments(user: User) -> Select[Assessment]:
    """Assessments of every active instansi where the user holds a role, newest first."""
    active = select(Instansi.id).where(Instansi.active.is_(True))
    member_of = select(Membership.instansi_id).where(Membership.user_id == user.id, Membership.instansi_id.in_(active))
    return (
        select(Assessment)
        .where(Assessment.instansi_id.in_(member_of))
        .options(joinedload(Assessment.instansi), joinedload(Assessment.instrument))
        .order_by(Assessment.year.desc(), Assessment.id.desc())
    )


def load_assessment(assessment_id: int) -> Assessment | None:
    """An assessment with its instrument and every answer (with its evidence count, and item marks where the
    instrument has items): two queries, three for graded instruments, whatever the number of answers."""
    assessment = db.session.scalar(
        select(Assessment)
        .where(Assessment.id == assessment_id)
        .options(joinedload(Assessment.instansi), joinedload(Assessment.instrument))
    )
    if assessment is None:
        return None
    linked = (
        select(func.count(func.distinct(AnswerEvidence.evidence_id)))
        .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
        .where(AnswerEvidence.answer_id == Answer.id, Evidence.deleted_at.is_(None))
        .correlate(Answer)
        .scalar_subquery()
    )
    graded = assessment.instrument.value_type == "graded"
    query = (
        select(Answer)
        .where(Answer.assessment_id == assessment.id)
        .options(
            joinedload(Answer.indicator),
            joinedload(Answer.assignee_unit),
            joinedload(Answer.assignee_user),
            with_expression(Answer.evidence_count, linked),
        )
    )
    if graded:
        query = query.options(selectinload(Answer.items).joinedload(AnswerItem.item))
    answers = list(db.session.scalars(query).all())
    if not graded:  # level instruments have no evidence items: nothing to load
        for answer in answers:
            set_committed_value(answer, "items", [])
    set_committed_value(assessment, "answers", answers)
    return assessment


@dataclass(frozen=True)
class Projection:
    instrument: EngineInstrument
    score: Score


def claimed_values(inst: EngineInstrument, assessment: Assessment) -> dict[str, Fraction | None]:
    """Exact claimed values: whole levels, or (graded) derived again from the item marks or the external index,
    never from the 4-decimal copy kept on the answer (7/6 must stay 7/6)."""
    if inst.value_type == "graded":
        return {a.indicator.code: graded_answer_value(inst, a) for a in assessment.answers}
    return {
        a.indicator.code: None if a.claimed_value is None else Fraction(a.claimed_value) for a in assessment.answers
    }


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
    person: str | None
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
        shown = display.indicator_value(value, inst.value_type)
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
            (answer.assignee_unit.short_name or answer.assignee_unit.name) if answer.assignee_unit else None,
            answer.assignee_user.name if answer.assignee_user else None,
            ind.external is not None,
        )

    def aspect_group(code: str) -> AspectGroup:
        a, part = inst.aspects[code], s.aspects[code]
        return AspectGroup(
            code, a.name, a.weight, display.number(part.value), part.predikat, tuple(row(c) for c in a.indicators)
        )

    if not inst.has_domains:
        return (DomainGroup(None, None, None, None, None, tuple(aspect_group(c) for c in inst.aspects)),)
    return tuple(
        DomainGroup(
            d.code,
            d.name,
            d.weight,
            display.number(s.domains[d.code].value),
            s.domains[d.code].predikat,
            tuple(aspect_group(c) for c in d.aspects),
        )
        for d in inst.domains.values()
    )


@dataclass(frozen=True)
class AnswerPage:
    """An answer as its page shows it, with the external asesor's verdicts on its butir."""

    answer: Answer
    #: The verdicts on each butir (by evidence-item id), oldest stage first: the last one counts. Empty for a level
    #: instrument.
    verdicts: dict[int, list[ButirVerdict]]


def load_answer(assessment_id: int, code: str) -> Answer | None:
    """One answer with its assessment, indicator, evidence links and (graded instruments) evidence items.

    Two queries for a level instrument, three for a graded one, whatever the number of links and items.
    """
    page = load_answer_page(assessment_id, code)
    return None if page is None else page.answer


def load_answer_page(assessment_id: int, code: str) -> AnswerPage | None:
    """:func:`load_answer`, and for a graded instrument the asesor's verdicts on the butir, read in the same query as
    the items and their marks."""
    answer = db.session.scalar(
        select(Answer)
        .join(Indicator, Indicator.id == Answer.indicator_id)
        .where(Answer.assessment_id == assessment_id, Indicator.code == code)
        .options(
            joinedload(Answer.assessment).joinedload(Assessment.instrument),
            joinedload(Answer.assessment).joinedload(Assessment.instansi),
            joinedload(Answer.indicator),
            joinedload(Answer.assignee_unit),
            joinedload(Answer.assignee_user),
            selectinload(Answer.links).options(
                joinedload(AnswerEvidence.item),
                joinedload(AnswerEvidence.evidence)
                .joinedload(Evidence.current_version)
                .joinedload(EvidenceVersion.blob),
            ),
        )
    )
    if answer is None:
        return None
    verdicts: dict[int, list[ButirVerdict]] = {}
    if answer.assessment.instrument.value_type == "graded":
        # The indicator's items with this answer's marks beside them (an item not marked yet: None), and each
        # item's verdicts in this assessment (one row per verdict).
        rows = db.session.execute(
            select(EvidenceItem, AnswerItem, ButirVerdict)
            .outerjoin(AnswerItem, (AnswerItem.item_id == EvidenceItem.id) & (AnswerItem.answer_id == answer.id))
            .outerjoin(
                ButirVerdict,
                (ButirVerdict.item_id == EvidenceItem.id) & (ButirVerdict.assessment_id == answer.assessment_id),
            )
            .where(EvidenceItem.indicator_id == answer.indicator_id)
            .options(joinedload(AnswerItem.assignee_unit))
            .order_by(EvidenceItem.level, EvidenceItem.nn, AnswerItem.id)
        ).all()
        items = list(dict.fromkeys(item for item, _mark, _verdict in rows))
        marks = sorted(
            dict.fromkeys(mark for _item, mark, _verdict in rows if mark is not None), key=lambda mark: mark.id
        )
        for item, mark, _verdict in rows:
            if mark is not None:
                set_committed_value(mark, "item", item)
        set_committed_value(answer.indicator, "items", list(items))
        set_committed_value(answer, "items", list(marks))
        judged = dict.fromkeys(verdict for _item, _mark, verdict in rows if verdict is not None)
        for verdict in sorted(judged, key=lambda v: STAGE_ORDER.index(v.stage)):
            verdicts.setdefault(verdict.item_id, []).append(verdict)
    else:  # level instruments have no evidence items
        set_committed_value(answer, "items", [])
        set_committed_value(answer.indicator, "items", [])
    return AnswerPage(answer, verdicts)


@dataclass(frozen=True)
class Projections:
    """The index from the claimed, the reviewer and the final values, side by side."""

    instrument: EngineInstrument
    claimed: Score
    reviewer: Score
    final: Score


def _values(assessment: Assessment, attribute: str) -> dict[str, Fraction | None]:
    out: dict[str, Fraction | None] = {}
    for a in assessment.answers:
        value = getattr(a, attribute)
        out[a.indicator.code] = None if value is None else Fraction(value)
    return out


def project_all(assessment: Assessment) -> Projections:
    inst = engine_instrument(assessment.instrument)
    basis = assessment.predikat_basis.value
    return Projections(
        inst,
        score(inst, claimed_values(inst, assessment), basis),
        score(inst, _values(assessment, "reviewer_value"), basis),
        score(inst, _values(assessment, "final_value"), basis),
    )


@dataclass(frozen=True)
class Discrepancy:
    code: str
    name: str
    claimed: Fraction | None
    reviewer: Fraction | None
    effect: Fraction  # on the index: weight × (reviewer − claimed) / 100


def discrepancies(projections: Projections) -> list[Discrepancy]:
    """Indicators where the claimed and the reviewer values differ, largest effect on the index first."""
    inst = projections.instrument
    rows = []
    for code, ind in inst.indicators.items():
        claimed = None if code in projections.claimed.unanswered else projections.claimed.values[code]
        reviewer = None if code in projections.reviewer.unanswered else projections.reviewer.values[code]
        if reviewer is None or claimed == reviewer:
            continue
        effect = ind.weight * (reviewer - (claimed or 0)) / 100
        rows.append(Discrepancy(code, ind.short_name, claimed, reviewer, effect))
    return sorted(rows, key=lambda d: (-abs(d.effect), d.code))
