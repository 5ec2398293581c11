"""The asesor's verdicts as the pages read them: the verdict that counts for each butir, and the correction window."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assess.extensions import db
from assess.instruments import Instrument as EngineInstrument
from assess.models import (
    STAGE_ORDER,
    Assessment,
    AssessmentStage,
    ButirVerdict,
    CycleStage,
    EvidenceItem,
    Verdict,
)
from assess.queries.engine import graded_answer_value
from assess.scoring import Score, graded_value, score


def current_verdicts(assessment_id: int) -> dict[int, ButirVerdict]:
    """Each judged butir of an assessment (by evidence-item id) with the verdict that counts: the one given in the
    latest stage (one query)."""
    return current_verdicts_of([assessment_id]).get(assessment_id, {})


def current_verdicts_of(assessment_ids: Collection[int]) -> dict[int, dict[int, ButirVerdict]]:
    """:func:`current_verdicts` of several assessments at once, by assessment id (one query; none without ids); an
    assessment without a verdict is absent."""
    if not assessment_ids:
        return {}
    rows = db.session.scalars(
        select(ButirVerdict)
        .where(ButirVerdict.assessment_id.in_(list(assessment_ids)))
        .options(joinedload(ButirVerdict.item))
    ).all()
    counted: dict[int, dict[int, ButirVerdict]] = defaultdict(dict)
    for row in sorted(rows, key=lambda r: STAGE_ORDER.index(r.stage)):
        counted[row.assessment_id][row.item_id] = row
    return dict(counted)


def verdicts_exist(assessment_id: int) -> bool:
    """Whether any verdict is recorded on the assessment (one query)."""
    return bool(db.session.scalar(select(ButirVerdict.id).where(ButirVerdict.assessment_id == assessment_id).limit(1)))


def all_verdicts(assessment_id: int, item_id: int | None = None) -> list[ButirVerdict]:
    """Every verdict recorded on the assessment (on one butir, when ``item_id`` is given), with its butir, the
    butir's indicator and who recorded it, in the instrument's order and each butir's stages in theirs (one query)."""
    query = (
        select(ButirVerdict)
        .where(ButirVerdict.assessment_id == assessment_id)
        .options(joinedload(ButirVerdict.item).joinedload(EvidenceItem.indicator), joinedload(ButirVerdict.recorded_by))
    )
    if item_id is not None:
        query = query.where(ButirVerdict.item_id == item_id)
    rows = db.session.scalars(query).all()
    return sorted(rows, key=lambda r: (r.item.indicator.position, r.item.level, r.item.nn, STAGE_ORDER.index(r.stage)))


def counts_by_indicator(assessment: Assessment, verdicts: Mapping[int, ButirVerdict]) -> dict[str, Counter[str]]:
    """How many butir of each indicator (by code) the counted verdicts accept, send back for revision or reject.
    ``assessment`` has its answers loaded: no query."""
    codes = {a.indicator_id: a.indicator.code for a in assessment.answers}
    counts: dict[str, Counter[str]] = {}
    for verdict in verdicts.values():
        code = codes.get(verdict.item.indicator_id)
        if code is not None:
            counts.setdefault(code, Counter())[verdict.verdict.value] += 1
    return counts


def correction_deadline(assessment_id: int) -> date | None:
    """The last day of the correction window ("koreksi sampai"), when the koordinator set it (one query)."""
    return db.session.scalar(
        select(AssessmentStage.ends_on).where(
            AssessmentStage.assessment_id == assessment_id, AssessmentStage.stage == CycleStage.KOREKSI
        )
    )


@dataclass(frozen=True)
class Verified:
    """The value from accepted butir only ("nilai terverifikasi"), per indicator and as an index."""

    values: dict[str, Fraction | None]
    score: Score
    #: Butir the asesor judged (those with a counted verdict), and of them those accepted.
    judged: int
    accepted: int


def verified(inst: EngineInstrument, assessment: Assessment, verdicts: Mapping[int, ButirVerdict]) -> Verified:
    """Each indicator's value counting only the butir whose counted verdict is *diterima*, as the asesor counts them
    (a butir the asesor accepted counts even where the instansi did not tick it); an external-index indicator keeps
    its converted value, and an indicator neither answered nor judged has no value (it counts as 0 in both indices).
    ``assessment`` must have its answers and item marks loaded (:func:`assess.queries.load_assessment`),
    ``verdicts`` as :func:`current_verdicts` gives them (with their items): no query."""
    accepted: dict[int, set[str]] = defaultdict(set)
    judged_indicators: set[int] = set()
    for v in verdicts.values():
        judged_indicators.add(v.item.indicator_id)
        if v.verdict == Verdict.DITERIMA:
            accepted[v.item.indicator_id].add(v.item.code)
    values: dict[str, Fraction | None] = {}
    for answer in assessment.answers:
        ind = inst.indicators[answer.indicator.code]
        claimed = graded_answer_value(inst, answer)
        if ind.external is not None or (claimed is None and answer.indicator_id not in judged_indicators):
            values[ind.code] = claimed
            continue
        values[ind.code] = graded_value(inst, ind.code, accepted[answer.indicator_id])
    basis = assessment.predikat_basis.value
    judged = len(verdicts)
    accepted_count = sum(1 for v in verdicts.values() if v.verdict == Verdict.DITERIMA)
    return Verified(values, score(inst, values, basis), judged, accepted_count)
