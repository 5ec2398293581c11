"""Internal review: reviewer values, approve or send back, the coordinator's final values, assessment states.

Assessment states: ``pengisian`` → ``reviu`` → ``final``; ``reviu`` may go back to ``pengisian``; a
``final`` assessment is locked and only reopened (to ``reviu``) by the koordinator with a reason.
Every change writes an audit entry; send-backs and approvals notify the people the answer is assigned to.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from assess import display, texts
from assess.audit import Snapshot, record_answer, record_assessment
from assess.errors import DomainError
from assess.extensions import db
from assess.models import Answer, AnswerState, Assessment, AssessmentState, Comment, NotificationKind, User
from assess.models.base import utcnow
from assess.queries.engine import engine_instrument
from assess.scoring import check_value
from assess.services.answers import stored_value
from assess.services.notifications import answer_path, notify, recipients_for_answer
from assess.workflow import ASSESSMENT_TRANSITIONS, answer_state_label, assessment_state_label, move_answer

log = logging.getLogger(__name__)
JUSTIFICATION_MAX = 10000

#: The answer states that hold an assessment back from a stage: a refusal shows them grouped by unit.
HOLDING: dict[AssessmentState, tuple[AnswerState, ...]] = {
    AssessmentState.REVIU: (AnswerState.BELUM_DIISI, AnswerState.DRAF),
    AssessmentState.FINAL: tuple(s for s in AnswerState if s != AnswerState.DISETUJUI),
}


def _checked(answer: Answer, value: Fraction | Decimal | int | str | None, field: str) -> Decimal | None:
    """The value as stored, once the engine accepts it for the indicator; its refusal told in the user's language."""
    inst = engine_instrument(answer.assessment.instrument)
    try:
        return stored_value(check_value(inst, answer.indicator.code, value))
    except ValueError:
        if inst.value_type == "level":
            message = _("Level harus bilangan bulat 0–%(max)s.", max=display.number(inst.scale_max, 0))
        else:
            message = _(
                "Nilai harus 0 atau di antara %(min)s dan %(max)s.",
                min=display.number(inst.scale_min, 0),
                max=display.number(inst.scale_max, 0),
            )
        raise DomainError(message, field=field) from None


def _not_final(assessment: Assessment) -> None:
    if assessment.state == AssessmentState.FINAL:
        raise DomainError(_("Penilaian sudah final; tidak ada yang dapat diubah. Buka kembali bila perlu."))


def _expect_version(answer: Answer, expected_version: int | None) -> None:
    if expected_version is not None and answer.version != expected_version:
        raise DomainError(_("Jawaban ini sudah diubah orang lain sejak Anda membukanya. Muat ulang lalu ulangi."))


def open_comment_count(answer: Answer) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(Comment.answer_id == answer.id, Comment.parent_id.is_(None), Comment.resolved_at.is_(None))
        )
        or 0
    )


def set_reviewer_value(
    *,
    answer: Answer,
    value: Fraction | Decimal | int | str | None,
    note: str,
    actor: User,
    expected_version: int | None = None,
) -> Answer:
    """The reviewer's own value for the indicator; the claimed value is untouched. A justification is required only
    when the value differs from the claimed one (agreeing needs no words)."""
    _not_final(answer.assessment)
    _expect_version(answer, expected_version)
    checked = _checked(answer, value, "reviewer_value")
    note = note.strip()
    if checked is not None and checked != answer.claimed_value and not note:
        raise DomainError(
            _("Nilai reviewer berbeda dari nilai klaim: tuliskan justifikasinya."), field="reviewer_note"
        )
    if len(note) > JUSTIFICATION_MAX:
        raise DomainError(_("Justifikasi paling panjang %(n)d karakter.", n=JUSTIFICATION_MAX), field="reviewer_note")
    snapshot = Snapshot(answer, ("reviewer_value", "reviewer_note"))
    answer.reviewer_value = checked
    answer.reviewer_note = note
    answer.reviewer_id = actor.id
    answer.reviewed_at = utcnow()
    db.session.flush()
    changes = snapshot.changes()
    if changes:
        record_answer(
            answer,
            actor=actor,
            object_type="review",
            action="review.value",
            changes=changes,
        )
    return answer


def approve(
    *,
    answer: Answer,
    actor: User,
    expected_version: int | None = None,
    value: Fraction | Decimal | int | str | None = None,
    note: str | None = None,
) -> Answer:
    """Approve a ready answer. Given a ``value`` (and its ``note``), the reviewer value is set first, in the same
    step: agreeing with the claimed value is one action."""
    _not_final(answer.assessment)
    _expect_version(answer, expected_version)
    if answer.state != AnswerState.SIAP_DIREVIU:
        raise DomainError(_("Hanya jawaban yang siap direviu yang dapat disetujui."))
    if value is not None:
        set_reviewer_value(answer=answer, value=value, note=note or "", actor=actor)
    if answer.reviewer_value is None:
        raise DomainError(_("Pilih nilai reviewer sebelum menyetujui."), field="reviewer_value")
    move_answer(answer, AnswerState.DISETUJUI)
    db.session.flush()
    record_answer(
        answer,
        actor=actor,
        object_type="review",
        action="review.approve",
        changes=[("state", AnswerState.SIAP_DIREVIU, AnswerState.DISETUJUI)],
    )
    _notify(answer, actor, "approval")
    return answer


def send_back(*, answer: Answer, actor: User, expected_version: int | None = None) -> Answer:
    """Back to the pengisi (``perlu perbaikan``): at least one open comment must say what to fix."""
    _not_final(answer.assessment)
    _expect_version(answer, expected_version)
    if answer.state not in (AnswerState.SIAP_DIREVIU, AnswerState.DISETUJUI):
        raise DomainError(_("Hanya jawaban yang siap direviu atau sudah disetujui yang dapat dikembalikan."))
    if open_comment_count(answer) == 0:
        raise DomainError(_("Tulis paling sedikit satu komentar terbuka yang menjelaskan apa yang harus diperbaiki."))
    old = move_answer(answer, AnswerState.PERLU_PERBAIKAN)
    db.session.flush()
    record_answer(
        answer,
        actor=actor,
        object_type="review",
        action="review.send_back",
        changes=[("state", old, AnswerState.PERLU_PERBAIKAN)],
    )
    _notify(answer, actor, "send_back")
    return answer


def set_final_value(
    *,
    answer: Answer,
    value: Fraction | Decimal | int | str | None,
    reason: str,
    actor: User,
    expected_version: int | None = None,
) -> Answer:
    """The coordinator's final value (the one submitted); a reason is required when it differs from the reviewer's."""
    _not_final(answer.assessment)
    _expect_version(answer, expected_version)
    checked = _checked(answer, value, "final_value")
    reason = reason.strip()
    reference = answer.reviewer_value if answer.reviewer_value is not None else answer.claimed_value
    if checked is not None and reference is not None and checked != reference and not reason:
        raise DomainError(_("Nilai akhir berbeda dari nilai reviewer: tuliskan alasannya."), field="final_reason")
    snapshot = Snapshot(answer, ("final_value", "final_reason"))
    answer.final_value = checked
    answer.final_reason = reason
    answer.final_by_id = actor.id
    answer.final_at = utcnow()
    db.session.flush()
    changes = snapshot.changes()
    if changes:
        record_answer(
            answer,
            actor=actor,
            object_type="review",
            action="review.final",
            changes=changes,
        )
    return answer


# --------------------------------------------------------------------------- assessment states


@dataclass(frozen=True)
class Blocker:
    """An indicator that keeps the assessment where it is, and the state its answer is in."""

    indicator: str
    state: AnswerState

    @property
    def state_label(self) -> str:
        return answer_state_label(self.state)


class TransitionRefusedError(DomainError):
    """A refused change of stage; ``blockers`` are the indicators that hold it back, if that is the reason."""

    def __init__(self, message: str | LazyString, blockers: Sequence[Blocker] = ()) -> None:
        super().__init__(message)
        self.blockers = list(blockers)


def change_state(*, assessment: Assessment, target: AssessmentState, actor: User, reason: str = "") -> None:
    """Move the assessment to ``target`` when the transition is allowed and its conditions hold."""
    current = assessment.state
    action = ASSESSMENT_TRANSITIONS.get((current, target))
    if action is None:
        raise TransitionRefusedError(
            _(
                "Tahap tidak dapat diubah dari %(current)s ke %(target)s.",
                current=assessment_state_label(current),
                target=assessment_state_label(target),
            )
        )
    answers = sorted(assessment.answers, key=lambda a: a.indicator.position)
    reason = reason.strip()
    if target == AssessmentState.REVIU and current == AssessmentState.PENGISIAN:
        pending = [Blocker(a.indicator.code, a.state) for a in answers if a.state in HOLDING[AssessmentState.REVIU]]
        if pending:
            raise TransitionRefusedError(_("Reviu belum dapat dimulai: indikator berikut belum diajukan."), pending)
    if target == AssessmentState.FINAL:
        pending = [Blocker(a.indicator.code, a.state) for a in answers if a.state in HOLDING[AssessmentState.FINAL]]
        if pending:
            raise TransitionRefusedError(
                _("Penilaian belum dapat difinalkan: indikator berikut belum disetujui."), pending
            )
        for answer in answers:  # the final value defaults to the reviewer's
            if answer.final_value is None:
                answer.final_value = answer.reviewer_value
                record_answer(
                    answer,
                    actor=actor,
                    object_type="review",
                    action="review.final_default",
                    changes=[("final_value", None, answer.final_value)],
                )
    if current == AssessmentState.FINAL and not reason:
        raise TransitionRefusedError(_("Tuliskan alasan membuka kembali penilaian yang sudah final."))
    assessment.state = target
    db.session.flush()
    record_assessment(
        assessment,
        actor=actor,
        action=action,
        changes=[("state", current, target)],
        summary=reason,
    )
    log.info("penilaian %s: %s → %s", assessment.id, current.value, target.value)


def _notify(answer: Answer, actor: User, kind: str) -> None:
    code = answer.indicator.code
    if kind == "approval":
        message = texts.text("notice.approved", code=code, name=actor.name)
        notification_kind = NotificationKind.APPROVAL
    else:
        message = texts.text("notice.sent_back", code=code, name=actor.name)
        notification_kind = NotificationKind.SEND_BACK
    notify(
        users=recipients_for_answer(answer),
        kind=notification_kind,
        assessment=answer.assessment,
        message=message,
        url=answer_path(answer),
        actor=actor,
        answer=answer,
    )
