"""Answering an indicator: save with the version the form carried, check before review, assign."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _

from assess import display, texts
from assess.audit import Snapshot, record_answer, record_assessment
from assess.errors import DomainError
from assess.extensions import db
from assess.instruments import External
from assess.instruments import Instrument as EngineInstrument
from assess.models import (
    Answer,
    AnswerItem,
    AnswerState,
    Assessment,
    AssessmentState,
    EvidenceItem,
    Unit,
    User,
)
from assess.queries.engine import engine_instrument, graded_answer_value
from assess.scoring import check_value, external_value, graded_value
from assess.services.notifications import notify_assignment
from assess.workflow import mark_edited, move_answer

log = logging.getLogger(__name__)


class ConflictError(DomainError):
    """The answer changed since the form was loaded; the user's text is kept for the conflict page."""

    def __init__(self, answer: Answer, submitted: Mapping[str, object]) -> None:
        super().__init__(_("Jawaban ini sudah diubah orang lain sejak Anda membukanya."))
        self.answer = answer
        self.submitted = dict(submitted)


def stored_value(value: Fraction | None) -> Decimal | None:
    """The 4-decimal copy of an exact value kept in the answers' value columns (the engine uses exact values)."""
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"))


def _check_version(answer: Answer, expected_version: int, submitted: Mapping[str, object]) -> None:
    if answer.version != expected_version:
        raise ConflictError(answer, submitted)


ANSWER_FIELDS = ("claimed_value", "source_value", "fakta", "analisis", "state")


def _audit_answer(
    answer: Answer,
    snapshot: Snapshot,
    actor: User | None,
    action: str,
    extra: list[tuple[str, object, object]] | None = None,
) -> None:
    changes = snapshot.changes() + (extra or [])
    if changes:
        record_answer(
            answer,
            actor=actor,
            action=action,
            changes=changes,
        )


def invalid_value(inst: EngineInstrument, field: str) -> DomainError:
    """The refusal of a value outside the instrument's scale (the engine's own message is not translated)."""
    if inst.value_type == "level":
        return DomainError(_("Level harus bilangan bulat 0–%(max)s.", max=inst.scale_max), field=field)
    return DomainError(
        _(
            "Nilai harus 0 atau di antara %(min)s dan %(max)s.",
            min=display.number(inst.scale_min),
            max=display.number(inst.scale_max),
        ),
        field=field,
    )


def _external_value(inst: EngineInstrument, code: str, ext: External, source_value: Decimal) -> Fraction | None:
    """The converted external index, or a translated refusal of a source value outside its range."""
    try:
        return external_value(inst, code, source_value)
    except ValueError:
        raise DomainError(
            _(
                "Nilai %(source)s harus di antara %(min)s dan %(max)s.",
                source=ext.source,
                min=display.number(ext.source_min),
                max=display.number(ext.source_max),
            ),
            field="source_value",
        ) from None


def preview_value(
    inst: EngineInstrument, code: str, *, source_value: Decimal | None, ticked: set[str]
) -> Fraction | None:
    """The value a graded answer would get from unsaved input: the external index, or the ticked items."""
    ext = inst.indicators[code].external
    if ext is not None:
        if source_value is None:
            return None
        converted = _external_value(inst, code, ext, source_value)
        return Fraction(source_value) if converted is None else converted
    return graded_value(inst, code, ticked)


def save_level_answer(
    *, answer: Answer, expected_version: int, level: int | None, fakta: str, analisis: str, actor: User | None = None
) -> Answer:
    """Save a ``level`` instrument answer (the claimed level and the penjelasan)."""
    _check_version(answer, expected_version, {"level": level, "fakta": fakta, "analisis": analisis})
    snapshot = Snapshot(answer, ANSWER_FIELDS)
    inst = engine_instrument(answer.assessment.instrument)
    try:
        checked = check_value(inst, answer.indicator.code, level)
    except ValueError:
        raise invalid_value(inst, "level") from None
    answer.claimed_value = stored_value(checked)
    answer.fakta = fakta.strip()
    answer.analisis = analisis.strip()
    mark_edited(answer)
    db.session.flush()
    _audit_answer(answer, snapshot, actor, "answer.save")
    return answer


@dataclass(frozen=True)
class ItemInput:
    item_id: int
    fulfilled: bool
    note: str


def save_graded_answer(
    *,
    answer: Answer,
    expected_version: int,
    items: Sequence[ItemInput],
    source_value: Decimal | None,
    fakta: str,
    analisis: str,
    editable_item_ids: Iterable[int] | None = None,
    update_source: bool = True,
    actor: User | None = None,
) -> Answer:
    """Save a ``graded`` (Pemdi) answer: item marks and notes, or the external index value; derive the value."""
    submitted = {"items": items, "source_value": source_value, "fakta": fakta, "analisis": analisis}
    _check_version(answer, expected_version, submitted)
    snapshot = Snapshot(answer, ANSWER_FIELDS)
    item_changes: list[tuple[str, object, object]] = []
    inst = engine_instrument(answer.assessment.instrument)
    ind = inst.indicators[answer.indicator.code]
    allowed = set(editable_item_ids) if editable_item_ids is not None else None
    by_item = {ai.item_id: ai for ai in answer.items}
    known = {item.id: item for item in answer.indicator.items}
    for entry in items:
        if entry.item_id not in known:
            raise DomainError(_("Butir tidak termasuk indikator ini."), field="items")
        if allowed is not None and entry.item_id not in allowed:
            continue
        mark = by_item.get(entry.item_id)
        if mark is None:
            mark = AnswerItem(item=known[entry.item_id], fulfilled=False, note="")
            answer.items.append(mark)
            by_item[entry.item_id] = mark
        code = known[entry.item_id].code
        if bool(mark.fulfilled) != entry.fulfilled:
            item_changes.append((f"{code}.fulfilled", bool(mark.fulfilled), entry.fulfilled))
        if (mark.note or "") != entry.note.strip():
            item_changes.append((f"{code}.note", mark.note or "", entry.note.strip()))
        mark.fulfilled = entry.fulfilled
        mark.note = entry.note.strip()
    if ind.external is not None and update_source:
        if source_value is None:
            answer.source_value = None
        else:
            _external_value(inst, ind.code, ind.external, source_value)
            answer.source_value = source_value
    answer.fakta = fakta.strip()
    answer.analisis = analisis.strip()
    answer.claimed_value = stored_value(graded_answer_value(inst, answer))
    mark_edited(answer)
    db.session.flush()
    _audit_answer(answer, snapshot, actor, "answer.save", item_changes)
    return answer


# --------------------------------------------------------------------------- moving to review


@dataclass(frozen=True)
class CheckResult:
    check: str
    action: str  # "block" or "warn"
    text: texts.Text

    @property
    def message(self) -> str:
        """What was found, in the current language."""
        return str(self.text)


def review_checks(answer: Answer, *, today: date | None = None) -> list[CheckResult]:
    """What moving the answer to ``siap direviu`` finds: each problem with the instrument's action for it."""
    inst = engine_instrument(answer.assessment.instrument)
    actions = inst.submission_checks
    ind = inst.indicators[answer.indicator.code]
    today = today or date.today()
    found: list[CheckResult] = []
    live_links = [link for link in answer.links if not link.evidence.deleted]

    if inst.value_type == "level":
        level = int(answer.claimed_value) if answer.claimed_value is not None else 0
        if level == 0:
            found.append(CheckResult("no_value", "block", texts.text("check.no_level")))
        elif not live_links:
            found.append(
                CheckResult(
                    "no_evidence",
                    actions["no_evidence"],
                    texts.text("check.level_without_evidence", level=level),
                )
            )
        levels_needing_age = [lv for lv in ind.levels[:level] if lv.max_evidence_age_years]
    else:
        fulfilled = [mark for mark in answer.items if mark.fulfilled]
        if ind.external is None and not fulfilled:
            found.append(CheckResult("no_value", "block", texts.text("check.no_items")))
        if ind.external is not None and answer.source_value is None:
            found.append(CheckResult("no_value", "block", texts.text("check.no_source", source=ind.external.source)))
        linked_items = {link.item_id for link in live_links if link.item_id is not None}
        missing = [mark.item.code for mark in fulfilled if mark.item_id not in linked_items]
        if missing:
            found.append(
                CheckResult(
                    "no_evidence",
                    actions["no_evidence"],
                    texts.text("check.items_without_evidence", items=", ".join(missing)),
                )
            )
        reached = max((mark.item.level for mark in fulfilled), default=0)
        levels_needing_age = [lv for lv in ind.levels[:reached] if lv.max_evidence_age_years]

    if not answer.fakta.strip() or not answer.analisis.strip():
        empty = [name for name, text in (("FAKTA", answer.fakta), ("ANALISIS", answer.analisis)) if not text.strip()]
        if len(empty) == 2:
            empty_message = texts.text("check.empty_both")
        else:
            empty_message = texts.text("check.empty_one", name=empty[0])
        found.append(CheckResult("empty_penjelasan", actions["empty_penjelasan"], empty_message))

    if levels_needing_age:
        years = min(lv.max_evidence_age_years or 0 for lv in levels_needing_age)
        wanted = {lv.level for lv in levels_needing_age}
        relevant = [
            link
            for link in live_links
            if link.level is None or link.level in wanted or (link.item is not None and link.item.level in wanted)
        ]
        limit = years_before(today, years)
        stale = [
            link.evidence.title
            for link in relevant
            if link.evidence.doc_date is not None and link.evidence.doc_date < limit
        ]
        undated = [link.evidence.title for link in relevant if link.evidence.doc_date is None]
        if stale:
            found.append(
                CheckResult(
                    "stale_evidence",
                    actions["stale_evidence"],
                    texts.text("check.stale", years=years, titles=", ".join(stale)),
                )
            )
        if undated:
            found.append(
                CheckResult(
                    "stale_evidence",
                    "warn",
                    texts.text("check.undated", titles=", ".join(undated)),
                )
            )
        if not relevant and live_links:
            found.append(
                CheckResult(
                    "stale_evidence",
                    actions["stale_evidence"],
                    texts.text("check.no_level_evidence", years=years),
                )
            )
    return found


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class ReviewBlockedError(DomainError):
    def __init__(self, results: list[CheckResult]) -> None:
        super().__init__(_("Jawaban belum dapat diajukan untuk direviu."))
        self.results = results


def submit_for_review(
    *, answer: Answer, expected_version: int, today: date | None = None, actor: User | None = None
) -> list[CheckResult]:
    """Move the answer to ``siap direviu``; blocking problems refuse it, warnings are returned."""
    _check_version(answer, expected_version, {})
    if answer.assessment.state == AssessmentState.FINAL:
        raise DomainError(_("Penilaian sudah final; jawaban tidak dapat diubah."))
    if answer.state not in (AnswerState.DRAF, AnswerState.PERLU_PERBAIKAN, AnswerState.BELUM_DIISI):
        raise DomainError(_("Jawaban ini tidak dalam keadaan yang dapat diajukan untuk direviu."))
    results = review_checks(answer, today=today)
    blocking = [r for r in results if r.action == "block"]
    if blocking:
        raise ReviewBlockedError(results)
    old = move_answer(answer, AnswerState.SIAP_DIREVIU)
    db.session.flush()
    record_answer(
        answer,
        actor=actor,
        action="answer.submit",
        changes=[("state", old, answer.state)],
        summary=texts.text("audit.submitted_with", warnings=[r.text for r in results]) if results else "",
    )
    log.info("jawaban %s siap direviu", answer.id)
    return results


def withdraw(*, answer: Answer, expected_version: int, actor: User | None = None) -> None:
    """Pull an answer back from ``siap direviu`` to draft."""
    _check_version(answer, expected_version, {})
    if answer.state != AnswerState.SIAP_DIREVIU:
        raise DomainError(_("Hanya jawaban yang siap direviu yang dapat ditarik kembali."))
    move_answer(answer, AnswerState.DRAF)
    db.session.flush()
    record_answer(
        answer,
        actor=actor,
        action="answer.withdraw",
        changes=[("state", AnswerState.SIAP_DIREVIU, AnswerState.DRAF)],
    )


# --------------------------------------------------------------------------- assignment


def assign(
    *,
    assessment: Assessment,
    answers: Sequence[Answer],
    unit: Unit | None,
    user: User | None,
    actor: User | None = None,
) -> list[Answer]:
    """Assign answers to a unit and optionally a person of the same instansi; returns how many changed."""
    _check_assignee(assessment, unit, user)
    changed: list[Answer] = []
    for answer in answers:
        if answer.assessment_id != assessment.id:
            raise DomainError(_("Indikator bukan bagian dari penilaian ini."))
        if (answer.assignee_unit_id, answer.assignee_user_id) != (unit.id if unit else None, user.id if user else None):
            snapshot = Snapshot(answer, ("assignee_unit_id", "assignee_user_id"))
            answer.assignee_unit = unit
            answer.assignee_user = user
            answer.assignee_unit_id = unit.id if unit else None
            answer.assignee_user_id = user.id if user else None
            record_answer(
                answer,
                actor=actor,
                object_type="assignment",
                action="answer.assign",
                changes=snapshot.changes(),
            )
            changed.append(answer)
    db.session.flush()
    notify_assignment(changed, actor)
    return changed


def assign_items(
    *,
    assessment: Assessment,
    answer: Answer,
    item_ids: Sequence[int],
    unit: Unit | None,
    user: User | None,
    actor: User | None = None,
) -> int:
    """Assign Pemdi evidence items of one answer to a unit and optionally a person."""
    _check_assignee(assessment, unit, user)
    known: dict[int, EvidenceItem] = {item.id: item for item in answer.indicator.items}
    by_item = {mark.item_id: mark for mark in answer.items}
    changed = 0
    for item_id in item_ids:
        if item_id not in known:
            raise DomainError(_("Butir tidak termasuk indikator ini."))
        mark = by_item.get(item_id)
        if mark is None:
            mark = AnswerItem(item=known[item_id], fulfilled=False, note="")
            answer.items.append(mark)
            by_item[item_id] = mark
        old = (mark.assignee_unit_id, mark.assignee_user_id)
        mark.assignee_unit = unit
        mark.assignee_unit_id = unit.id if unit else None
        mark.assignee_user_id = user.id if user else None
        code = known[item_id].code
        record_answer(
            answer,
            actor=actor,
            object_type="assignment",
            action="item.assign",
            changes=[
                (f"{code}.assignee_unit_id", old[0], mark.assignee_unit_id),
                (f"{code}.assignee_user_id", old[1], mark.assignee_user_id),
            ],
        )
        changed += 1
    db.session.flush()
    return changed


def _check_assignee(assessment: Assessment, unit: Unit | None, user: User | None) -> None:
    if assessment.state == AssessmentState.FINAL:
        raise DomainError(_("Penilaian sudah final."))
    if unit is not None and unit.instansi_id != assessment.instansi_id:
        raise DomainError(_("Unit tidak ditemukan."), field="unit")
    if user is not None:
        if not any(m.instansi_id == assessment.instansi_id for m in user.memberships):
            raise DomainError(_("Pengguna tidak ditemukan."), field="user")
        if unit is not None and not any(link.unit_id == unit.id for link in user.unit_links):
            raise DomainError(_("Pengguna ini bukan anggota unit yang dipilih."), field="user")
    if unit is None and user is not None:
        raise DomainError(_("Pilih unit terlebih dahulu."), field="unit")


def set_deadline(*, assessment: Assessment, deadline: date | None, actor: User | None = None) -> None:
    old = assessment.deadline
    assessment.deadline = deadline
    db.session.flush()
    if old != deadline:
        record_assessment(
            assessment,
            actor=actor,
            action="assessment.deadline",
            changes=[("deadline", old, deadline)],
        )
