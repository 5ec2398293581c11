"""The pembina's read models: the groups a user oversees, and a group's open assessments side by side.

Every value comes from the engine as the dashboard computes it (:func:`assess.queries.project_all` on the claimed
and the reviewer values); nothing here scores. The comparison loads every assessment of the group in a fixed number
of queries, whatever the number of instansi.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload, with_expression
from sqlalchemy.orm.attributes import set_committed_value

from assess.extensions import db
from assess.models import (
    Answer,
    AnswerEvidence,
    AnswerItem,
    AnswerState,
    Assessment,
    AssessmentState,
    ButirVerdict,
    Evidence,
    Instansi,
    InstansiGroup,
    User,
    group_instansi,
    group_pembina,
)
from assess.queries import project_all
from assess.queries.verdicts import current_verdicts_of, verified
from assess.scoring import Score

#: The answer states in the order of the work (the columns of progress by stage).
STAGES: tuple[AnswerState, ...] = (
    AnswerState.BELUM_DIISI,
    AnswerState.DRAF,
    AnswerState.PERLU_PERBAIKAN,
    AnswerState.SIAP_DIREVIU,
    AnswerState.DISETUJUI,
)


def groups_of(user: User) -> list[InstansiGroup]:
    """The groups the user is a pembina of, by name."""
    return list(
        db.session.scalars(
            select(InstansiGroup)
            .join(group_pembina, group_pembina.c.group_id == InstansiGroup.id)
            .where(group_pembina.c.user_id == user.id)
            .order_by(InstansiGroup.name, InstansiGroup.id)
        )
    )


def group_by_slug(slug: str) -> InstansiGroup | None:
    """A group with its pembina (to check who may see it), or None."""
    return db.session.scalar(
        select(InstansiGroup).where(InstansiGroup.slug == slug).options(selectinload(InstansiGroup.pembina))
    )


def open_assessments(group_id: int) -> list[Assessment]:
    """The open (not final) assessments of the group's active instansi, each with every answer, its indicator, its
    count of linked documents and (graded instruments) its item marks: three queries, whatever their number."""
    members = select(group_instansi.c.instansi_id).where(group_instansi.c.group_id == group_id)
    assessments = list(
        db.session.scalars(
            select(Assessment)
            .join(Instansi, Instansi.id == Assessment.instansi_id)
            .where(Assessment.instansi_id.in_(members), Instansi.active, Assessment.state != AssessmentState.FINAL)
            .options(joinedload(Assessment.instansi), joinedload(Assessment.instrument))
            .order_by(Instansi.name, Assessment.year.desc(), Assessment.id)
        )
    )
    if not assessments:
        return []
    linked = (
        select(func.count(func.distinct(AnswerEvidence.evidence_id)))
        .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
        .where(AnswerEvidence.answer_id == Answer.id, Evidence.deleted_at.is_(None))
        .correlate(Answer)
        .scalar_subquery()
    )
    answers = db.session.scalars(
        select(Answer)
        .where(Answer.assessment_id.in_([a.id for a in assessments]))
        .options(
            joinedload(Answer.indicator),
            selectinload(Answer.items).joinedload(AnswerItem.item),
            with_expression(Answer.evidence_count, linked),
        )
        .order_by(Answer.id)
    ).all()
    by_assessment: dict[int, list[Answer]] = {a.id: [] for a in assessments}
    for answer in answers:
        by_assessment[answer.assessment_id].append(answer)
    for assessment in assessments:
        set_committed_value(assessment, "answers", by_assessment[assessment.id])
    return assessments


@dataclass(frozen=True)
class Projected:
    """An index projected from one set of values; ``None`` when not one indicator has such a value yet."""

    index: Fraction | None
    predikat: str | None


@dataclass(frozen=True)
class ComparisonRow:
    assessment_id: int
    instansi_id: int
    instansi: str
    instrument: str
    instrument_code: str
    year: int
    state: AssessmentState
    value_type: str
    #: Answers per state (every state of ``STAGES``, 0 where none), and their total.
    stages: dict[AnswerState, int]
    total: int
    claimed: Projected
    reviewer: Projected
    #: The index from the butir the asesor accepted (Pemdi, once a verdict is recorded; see
    #: :func:`assess.queries.verdicts.verified`).
    verified: Projected
    #: Answered indicators (a claimed value) and those of them with at least one linked document.
    answered: int
    covered: int
    #: Days from ``today`` to the deadline (negative when it has passed), None without a deadline.
    days_left: int | None

    @property
    def coverage(self) -> Fraction | None:
        """The share of answered indicators with evidence, None when nothing is answered yet."""
        return Fraction(self.covered, self.answered) if self.answered else None


def _projected(s: Score, indicators: int) -> Projected:
    if len(s.unanswered) >= indicators:
        return Projected(None, None)
    return Projected(s.index, s.predikat)


def comparison_row(
    assessment: Assessment, today: date, verdicts: Mapping[int, ButirVerdict] | None = None
) -> ComparisonRow:
    """One assessment's row: projections through the engine as the dashboard does, counts from its answers; the
    verified index from ``verdicts`` (:func:`assess.queries.verdicts.current_verdicts_of`'s for it), when any."""
    projections = project_all(assessment)
    inst = projections.instrument
    claimed = projections.claimed
    counts = Counter(a.state for a in assessment.answers)
    answered = [a for a in assessment.answers if a.indicator.code not in claimed.unanswered]
    return ComparisonRow(
        assessment_id=assessment.id,
        instansi_id=assessment.instansi_id,
        instansi=assessment.instansi.name,
        instrument=assessment.instrument.title,
        instrument_code=assessment.instrument.code,
        year=assessment.year,
        state=assessment.state,
        value_type=inst.value_type,
        stages={state: counts.get(state, 0) for state in STAGES},
        total=len(assessment.answers),
        claimed=_projected(claimed, len(inst.indicators)),
        reviewer=_projected(projections.reviewer, len(inst.indicators)),
        verified=_projected(verified(inst, assessment, verdicts).score, len(inst.indicators))
        if verdicts
        else Projected(None, None),
        answered=len(answered),
        covered=sum(1 for a in answered if a.evidence_count),
        days_left=(assessment.deadline - today).days if assessment.deadline is not None else None,
    )


#: The sortable columns (the ``urut`` query parameter) and each one's key.
SORT_KEYS: dict[str, Callable[[ComparisonRow], Any]] = {
    "instansi": lambda r: (r.instansi.casefold(), r.instrument_code, -r.year),
    "instrumen": lambda r: (r.instrument_code, -r.year, r.instansi.casefold()),
    "tahun": lambda r: r.year,
    **{f"tahap-{state.value}": (lambda s: lambda r: r.stages[s])(state) for state in STAGES},
    "klaim": lambda r: r.claimed.index,
    "reviewer": lambda r: r.reviewer.index,
    "terverifikasi": lambda r: r.verified.index,
    "cakupan": lambda r: r.coverage,
    "tenggat": lambda r: r.days_left,
}
DEFAULT_SORT = "instansi"


def sort_rows(rows: Sequence[ComparisonRow], column: str, descending: bool) -> list[ComparisonRow]:
    """Rows sorted by ``column`` (a key of ``SORT_KEYS``; another sorts by instansi); a row without the value
    (no deadline, nothing answered) comes last in both directions, then by instansi."""
    key = SORT_KEYS.get(column, SORT_KEYS[DEFAULT_SORT])
    by_name = sorted(rows, key=SORT_KEYS[DEFAULT_SORT])
    present = [r for r in by_name if key(r) is not None]
    missing = [r for r in by_name if key(r) is None]
    return sorted(present, key=key, reverse=descending) + missing


def comparison(
    group: InstansiGroup, today: date, column: str = DEFAULT_SORT, descending: bool = False
) -> list[ComparisonRow]:
    """Every open assessment of the group's instansi, one row each, sorted."""
    assessments = open_assessments(group.id)
    judged = current_verdicts_of([a.id for a in assessments if a.instrument.value_type == "graded"])
    rows = [comparison_row(a, today, judged.get(a.id)) for a in assessments]
    return sort_rows(rows, column, descending)


__all__ = [
    "DEFAULT_SORT",
    "SORT_KEYS",
    "STAGES",
    "ComparisonRow",
    "Projected",
    "comparison",
    "comparison_row",
    "group_by_slug",
    "groups_of",
    "open_assessments",
    "sort_rows",
]
