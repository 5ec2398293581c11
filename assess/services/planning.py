"""Planning: the dashboard's figures, the coordinator's target, what-if scenarios and the cheapest path up.

The computations (coverage, gap, path presentation, comparison) are pure functions over the engine
instrument and plain values; values are shown through :mod:`assess.display` and chart geometry lives in
:mod:`assess.charts`. The few use cases that change rows (target, scenarios) flush and write an audit entry,
and the view commits.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assess import display, texts
from assess.audit import record_assessment
from assess.charts import Bars as Bars
from assess.charts import Radar as Radar
from assess.charts import bars as bars
from assess.charts import radar as radar
from assess.errors import DomainError
from assess.extensions import db
from assess.instruments import Instrument
from assess.models import (
    Answer,
    AnswerEvidence,
    AnswerItem,
    Assessment,
    Evidence,
    EvidenceItem,
    Indicator,
    Scenario,
    Target,
    User,
)
from assess.scoring import (
    Score,
    cheapest_path,
    check_value,
    graded_value,
    next_predikat,
    score,
    threshold_for,
    to_fraction,
)
from assess.services.answers import years_before

log = logging.getLogger(__name__)
Values = Mapping[str, Fraction | None]


# --------------------------------------------------------------------------- evidence coverage


@dataclass(frozen=True)
class LinkedDoc:
    """A live document linked to an answer (the level it supports, if said, and its date)."""

    code: str
    title: str
    doc_date: date | None
    level: int | None


@dataclass(frozen=True)
class StaleDoc:
    code: str
    title: str
    doc_date: date
    max_years: int


@dataclass(frozen=True)
class Coverage:
    without_evidence: tuple[str, ...]
    stale: tuple[StaleDoc, ...]
    total: int

    @property
    def covered(self) -> int:
        return self.total - len(self.without_evidence)


def linked_documents(assessment_id: int) -> list[LinkedDoc]:
    """Every live document link of the assessment, with the indicator code (one query)."""
    from assess.models import Indicator

    rows = db.session.execute(
        select(Indicator.code, Evidence.title, Evidence.doc_date, AnswerEvidence.level)
        .join(Answer, Answer.id == AnswerEvidence.answer_id)
        .join(Indicator, Indicator.id == Answer.indicator_id)
        .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
        .where(Answer.assessment_id == assessment_id, Evidence.deleted_at.is_(None))
        .order_by(Indicator.code, Evidence.title)
    )
    return [LinkedDoc(code, title, doc_date, level) for code, title, doc_date, level in rows]


def _level_reached(inst: Instrument, value: Fraction | None) -> int:
    return 0 if value is None else min(int(value), inst.scale_max)


def coverage(inst: Instrument, values: Values, links: Sequence[LinkedDoc], *, today: date | None = None) -> Coverage:
    """Indicators without any linked document, and linked documents older than their level's freshness rule."""
    today = today or date.today()
    by_code: dict[str, list[LinkedDoc]] = {}
    for link in links:
        by_code.setdefault(link.code, []).append(link)
    without = tuple(code for code in inst.indicators if not by_code.get(code))
    stale: list[StaleDoc] = []
    for code, ind in inst.indicators.items():
        reached = _level_reached(inst, values.get(code))
        ruled = [lv for lv in ind.levels[:reached] if lv.max_evidence_age_years]
        if not ruled:
            continue
        years = min(lv.max_evidence_age_years or 0 for lv in ruled)
        wanted = {lv.level for lv in ruled}
        limit = years_before(today, years)
        for link in by_code.get(code, ()):
            if (link.level is None or link.level in wanted) and link.doc_date is not None and link.doc_date < limit:
                stale.append(StaleDoc(code, link.title, link.doc_date, years))
    return Coverage(without, tuple(stale), len(inst.indicators))


# --------------------------------------------------------------------------- target and gap


@dataclass(frozen=True)
class Gap:
    """How far the index is from the target: ``missing`` is 0 once reached."""

    target_display: str
    target_predikat: str
    threshold: Fraction
    missing: Fraction
    missing_display: str
    reached: bool


def target_kwargs(target: Target | None) -> dict[str, str | Decimal]:
    if target is None:
        return {}
    if target.target_index is not None:
        return {"target_index": target.target_index}
    return {"target_predikat": target.target_predikat or ""}


def target_label(target_index: Decimal | None, target_predikat: str | None) -> str:
    """A target as shown: the index (``3,25``) or the predikat."""
    return display.number(target_index) if target_index is not None else target_predikat or display.NONE


def gap(inst: Instrument, current: Score, target: Target | None) -> Gap | None:
    """The gap between the index and the target (``None`` without a target)."""
    kwargs = target_kwargs(target)
    if not kwargs:
        return None
    threshold = threshold_for(inst, basis=current.basis, **kwargs)  # type: ignore[arg-type]
    if "target_index" in kwargs:
        value = Fraction(kwargs["target_index"])
        shown, name = display.number(value), inst.band_for(value).name
    else:
        name = str(kwargs["target_predikat"])
        band = next(b for b in inst.bands if b.name == name)
        shown = display.number(band.min)
    missing = max(threshold - current.index, Fraction(0))
    return Gap(shown, name, threshold, missing, display.number(missing), missing == 0)


def get_target(assessment_id: int) -> Target | None:
    return db.session.scalar(select(Target).where(Target.assessment_id == assessment_id))


def set_target(
    *, assessment: Assessment, inst: Instrument, target_index: Decimal | None, target_predikat: str | None, actor: User
) -> Target:
    """Set (or replace) the year's target: exactly one of an index in (0, 5] with 2 decimals or a predikat."""
    if (target_index is None) == (not target_predikat):
        raise DomainError(_l("Isi salah satu: target indeks atau target predikat."), "target_index")
    if target_index is not None:
        if not (Decimal(0) < target_index <= Decimal(inst.scale_max)):
            raise DomainError(
                _l("Target indeks harus lebih dari 0 dan paling tinggi %(max)s.", max=inst.scale_max), "target_index"
            )
        if target_index != target_index.quantize(Decimal("0.01")):
            raise DomainError(_l("Target indeks paling banyak dua angka desimal."), "target_index")
    if target_predikat and target_predikat not in {b.name for b in inst.bands}:
        raise DomainError(_l("Predikat tidak dikenal."), "target_predikat")
    target = get_target(assessment.id)
    old = (None, None) if target is None else (target.target_index, target.target_predikat)
    if target is None:
        target = Target(assessment_id=assessment.id)
        db.session.add(target)
    target.target_index = target_index
    target.target_predikat = target_predikat or None
    target.set_by_id = actor.id
    db.session.flush()
    record_assessment(
        assessment,
        actor=actor,
        action="target.set",
        summary=texts.text(
            "audit.target_set",
            target=texts.number(target_index) if target_index is not None else target.target_predikat or "–",
        ),
        changes=[("target_index", old[0], target_index), ("target_predikat", old[1], target.target_predikat)],
    )
    log.info("target penilaian %s: %s", assessment.id, target)
    return target


# --------------------------------------------------------------------------- what-if values and scenarios


def parse_value(inst: Instrument, code: str, text: str) -> Fraction | None:
    """One indicator value as typed (decimal comma or point; empty means not answered).

    :raises ValueError: not a number, or outside the instrument's scale.
    """
    if text == "":
        return None
    return check_value(inst, code, to_fraction(text))


def parse_values(inst: Instrument, raw: Mapping[str, object]) -> tuple[dict[str, Fraction | None], list[str]]:
    """Indicator values from form or JSON input (empty means not answered), and the errors to show."""
    out: dict[str, Fraction | None] = {}
    errors: list[str] = []
    for code, value in raw.items():
        if code not in inst.indicators:
            errors.append(_("Indikator %(code)s tidak ada di instrumen ini.", code=code))
            continue
        text = "" if value is None else str(value).strip()
        try:
            out[code] = parse_value(inst, code, text)
        except ValueError:
            low = 0 if inst.value_type == "level" else inst.scale_min
            errors.append(
                _(
                    "%(code)s: nilai %(value)s tidak sah (0 atau %(low)s–%(high)s).",
                    code=code,
                    value=text,
                    low=display.weight(low),
                    high=display.weight(inst.scale_max),
                )
            )
    return out, errors


def input_value(inst: Instrument, value: Fraction | None) -> str:
    """A value as the what-if form shows it and parses it back (graded values to 4 decimals)."""
    if value is None:
        return ""
    return display.indicator_value(value, "level") if inst.value_type == "level" else display.number(value, 4)


def changed_input(inst: Instrument, claimed: Values, raw: Mapping[str, object]) -> dict[str, object]:
    """The submitted values that differ from the claimed ones as the form showed them (so an untouched
    graded value such as 7/6, shown as 1.1667, stays exact)."""
    return {
        code: v
        for code, v in raw.items()
        if code not in inst.indicators
        or str(v if v is not None else "").strip() != input_value(inst, claimed.get(code))
    }


@dataclass(frozen=True)
class WhatIfItem:
    """A counted evidence item (butir) of a non-external graded indicator, with the answer's current mark."""

    id: int
    indicator: str
    code: str
    level: int
    text: str
    fulfilled: bool


def whatif_items(inst: Instrument, assessment: Assessment) -> dict[str, list[WhatIfItem]]:
    """The counted items per indicator (graded instruments only): two queries, whatever their number."""
    if inst.value_type != "graded":
        return {}
    rows = db.session.execute(
        select(EvidenceItem, Indicator.code)
        .join(Indicator, Indicator.id == EvidenceItem.indicator_id)
        .where(Indicator.instrument_id == assessment.instrument_id, EvidenceItem.kind != "note")
        .order_by(Indicator.position, EvidenceItem.level, EvidenceItem.nn)
    ).all()
    fulfilled = set(
        db.session.scalars(
            select(AnswerItem.item_id)
            .join(Answer, Answer.id == AnswerItem.answer_id)
            .where(Answer.assessment_id == assessment.id, AnswerItem.fulfilled.is_(True))
        )
    )
    out: dict[str, list[WhatIfItem]] = {}
    for item, code in rows:
        ind = inst.indicators.get(code)
        if ind is None or ind.external is not None:
            continue
        out.setdefault(code, []).append(
            WhatIfItem(item.id, code, item.code, item.level, item.text, item.id in fulfilled)
        )
    return out


def item_changes(
    inst: Instrument, items: Mapping[str, Sequence[WhatIfItem]], ticked: Collection[object]
) -> tuple[dict[str, Fraction], list[str]]:
    """Values of the indicators whose ticked items differ from the current marks: ``graded_value`` of the
    ticked items (exact). An indicator with none of its items ticked keeps its numeric input."""
    ids: set[int] = set()
    errors: list[str] = []
    for raw in ticked:
        try:
            ids.add(int(str(raw)))
        except ValueError:
            errors.append(_("Butir %(item)s tidak sah.", item=str(raw)))
    known = {item.id for group in items.values() for item in group}
    errors.extend(_("Butir %(item)s tidak ada di instrumen ini.", item=i) for i in sorted(ids - known))
    out: dict[str, Fraction] = {}
    for code, group in items.items():
        chosen = {item.code for item in group if item.id in ids}
        current = {item.code for item in group if item.fulfilled}
        if chosen and chosen != current:
            out[code] = graded_value(inst, code, chosen)
    return out, errors


def overlay(base: Values, changes: Mapping[str, Fraction | None]) -> dict[str, Fraction | None]:
    return {**base, **changes}


def differing(base: Values, values: Values) -> dict[str, Fraction | None]:
    return {code: v for code, v in values.items() if base.get(code) != v}


def list_scenarios(assessment_id: int) -> list[Scenario]:
    return list(
        db.session.scalars(select(Scenario).where(Scenario.assessment_id == assessment_id).order_by(Scenario.name))
    )


def scenario_values(scenario: Scenario) -> dict[str, Fraction | None]:
    return {code: None if v in (None, "") else Fraction(str(v)) for code, v in scenario.values.items()}


def save_scenario(*, assessment: Assessment, name: str, changes: Values, actor: User) -> Scenario:
    """A named what-if: the values that differ from the claimed ones (unique name per assessment)."""
    name = name.strip()
    if not name:
        raise DomainError(_l("Nama skenario wajib diisi."), "name")
    taken = db.session.scalar(select(Scenario.id).where(Scenario.assessment_id == assessment.id, Scenario.name == name))
    if taken is not None:
        raise DomainError(_l("Skenario bernama “%(name)s” sudah ada; pilih nama lain.", name=name), "name")
    scenario = Scenario(
        assessment_id=assessment.id,
        name=name,
        values={code: None if v is None else str(v) for code, v in changes.items()},
        created_by_id=actor.id,
    )
    db.session.add(scenario)
    db.session.flush()
    record_assessment(
        assessment,
        actor=actor,
        action="scenario.save",
        summary=texts.text("audit.scenario_saved", name=name, n=texts.number(len(changes), 0)),
    )
    log.info("skenario %s disimpan untuk penilaian %s", scenario.id, assessment.id)
    return scenario


def delete_scenario(*, assessment: Assessment, scenario: Scenario, actor: User) -> None:
    name = scenario.name
    db.session.delete(scenario)
    db.session.flush()
    record_assessment(
        assessment,
        actor=actor,
        action="scenario.delete",
        summary=texts.text("audit.scenario_deleted", name=name),
    )
    log.info("skenario %r penilaian %s dihapus", name, assessment.id)


# --------------------------------------------------------------------------- results for display


def value_display(inst: Instrument, value: Fraction | None) -> str:
    """An indicator value as shown: a level whole, a graded value with 2 decimals, ``–`` when unanswered."""
    return display.indicator_value(value, inst.value_type)


def result_json(inst: Instrument, s: Score) -> dict[str, object]:
    """The engine's result as JSON for the live preview: exact values as fractions, displays as the page shows."""
    return {
        "index": str(s.index),
        "index_display": display.number(s.index),
        "predikat": s.predikat,
        "predikat_band": display.predikat_band(s.predikat),
        "band_warning": s.band_warning is not None,
        "aspects": {
            c: {"value": str(p.value), "display": display.number(p.value), "predikat": p.predikat}
            for c, p in s.aspects.items()
        },
        "domains": {
            c: {"value": str(p.value), "display": display.number(p.value), "predikat": p.predikat}
            for c, p in s.domains.items()
        },
    }


@dataclass(frozen=True)
class StepView:
    code: str
    name: str
    from_display: str
    to_display: str
    level: int
    gain: Fraction
    gain_display: str
    criteria: str
    evidence: str
    has_evidence: bool


@dataclass(frozen=True)
class PathView:
    kind: str  # "next" (predikat) or "target"
    goal: str
    steps: tuple[StepView, ...]
    reached: bool
    index_before: str
    index_after: str


def path_view(
    inst: Instrument,
    values: Values,
    basis: str,
    kind: str,
    goal: str,
    prefer: Collection[str],
    **target: str | Decimal,
) -> PathView:
    """The cheapest path to a target, each step with the next level's criteria and the evidence it expects."""
    path = cheapest_path(inst, values, predikat_basis=basis, prefer=prefer, **target)  # type: ignore[arg-type]
    steps = []
    for s in path.steps:
        level = inst.indicators[s.indicator].level(s.level)
        steps.append(
            StepView(
                s.indicator,
                inst.indicators[s.indicator].short_name,
                value_display(inst, s.from_value),
                value_display(inst, s.to_value),
                s.level,
                s.gain,
                display.number(s.gain, 4),
                level.criteria,
                level.evidence,
                s.indicator in prefer,
            )
        )
    return PathView(
        kind, goal, tuple(steps), path.reached, display.number(path.index_before), display.number(path.index_after)
    )


def plans(
    inst: Instrument, values: Values, current: Score, target: Target | None, prefer: Collection[str]
) -> list[PathView]:
    """The cheapest paths to the next predikat and (if set) to the target."""
    out = []
    upper = next_predikat(inst, current.predikat)
    if upper is not None:
        out.append(path_view(inst, values, current.basis, "next", upper, prefer, target_predikat=upper))
    kwargs = target_kwargs(target)
    if kwargs:
        g = gap(inst, current, target)
        if g is not None:
            out.append(
                path_view(
                    inst, values, current.basis, "target", f"{g.target_display} / {g.target_predikat}", prefer, **kwargs
                )
            )
    return out


@dataclass(frozen=True)
class DiffRow:
    code: str
    name: str
    left: str
    right: str


@dataclass(frozen=True)
class Comparison:
    left_label: str
    right_label: str
    left: Score
    right: Score
    rows: tuple[DiffRow, ...]


def compare(inst: Instrument, basis: str, left: tuple[str, Values], right: tuple[str, Values]) -> Comparison:
    """Two sets of values side by side: both scores and the indicators whose values differ."""
    ls, rs = score(inst, left[1], basis), score(inst, right[1], basis)
    rows = tuple(
        DiffRow(code, ind.short_name, value_display(inst, left[1].get(code)), value_display(inst, right[1].get(code)))
        for code, ind in inst.indicators.items()
        if left[1].get(code) != right[1].get(code)
    )
    return Comparison(left[0], right[0], ls, rs, rows)


# --------------------------------------------------------------------------- chart values


def bar_values(inst: Instrument, s: Score) -> list[tuple[str, Fraction | None]]:
    """(code, value) per indicator for the bar chart (``None`` when unanswered)."""
    return [(code, None if code in s.unanswered else s.values[code]) for code in inst.indicators]
