"""The two state machines, as tables: an assessment's stages and an answer's states.

A state changes only through :func:`move_answer` (answers) or along :data:`ASSESSMENT_TRANSITIONS` (the review
service's ``change_state``); each allowed move names the audit action that records it. The conditions of a move
(the checks before submitting, an open comment before sending back) stay with the service that makes it.
"""

from __future__ import annotations

from flask_babel import gettext as _

from assess.errors import DomainError
from assess.models import Answer, AnswerState, AssessmentState

ASSESSMENT_TRANSITIONS: dict[tuple[AssessmentState, AssessmentState], str] = {
    (AssessmentState.PENGISIAN, AssessmentState.REVIU): "assessment.start_review",
    (AssessmentState.REVIU, AssessmentState.PENGISIAN): "assessment.back_to_filling",
    (AssessmentState.REVIU, AssessmentState.FINAL): "assessment.finalise",
    (AssessmentState.FINAL, AssessmentState.REVIU): "assessment.reopen",
}

A = AnswerState
ANSWER_TRANSITIONS: dict[tuple[AnswerState, AnswerState], str] = {
    (A.BELUM_DIISI, A.DRAF): "answer.edit",
    (A.BELUM_DIISI, A.SIAP_DIREVIU): "answer.submit",
    (A.DRAF, A.SIAP_DIREVIU): "answer.submit",
    (A.PERLU_PERBAIKAN, A.SIAP_DIREVIU): "answer.submit",
    (A.SIAP_DIREVIU, A.DRAF): "answer.withdraw",
    (A.SIAP_DIREVIU, A.DISETUJUI): "review.approve",
    (A.SIAP_DIREVIU, A.PERLU_PERBAIKAN): "review.send_back",
    (A.DISETUJUI, A.PERLU_PERBAIKAN): "review.send_back",
}


def answer_can_move(answer: Answer, target: AnswerState) -> bool:
    return (answer.state, target) in ANSWER_TRANSITIONS


def move_answer(answer: Answer, target: AnswerState) -> AnswerState:
    """Set ``answer``'s state to ``target`` if the table allows it; the state it had is returned."""
    old = answer.state
    if (old, target) not in ANSWER_TRANSITIONS:
        raise DomainError(_("Jawaban ini tidak dapat berpindah dari keadaan sekarang ke keadaan itu."))
    answer.state = target
    return old


def mark_edited(answer: Answer) -> None:
    """An unanswered indicator becomes a draft when anything of it is written; other states stay."""
    if answer.state == AnswerState.BELUM_DIISI:
        move_answer(answer, AnswerState.DRAF)
