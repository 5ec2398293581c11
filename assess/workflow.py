"""The two state machines, as tables: an assessment's stages and an answer's states.

A state changes only through :func:`move_answer` (answers) or along :data:`ASSESSMENT_TRANSITIONS` (the review
service's ``change_state``); each allowed move names the audit action that records it. The conditions of a move
(the checks before submitting, an open comment before sending back) stay with the service that makes it.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from assess.errors import DomainError
from assess.models import Answer, AnswerState, AssessmentState, CycleStage, Verdict

#: How an answer's and an assessment's states are named to people: pages (the chips), messages, the audit trail,
#: exports. The one table of them.
ANSWER_STATE_LABELS: dict[AnswerState, LazyString] = {
    AnswerState.BELUM_DIISI: _l("belum diisi"),
    AnswerState.DRAF: _l("draf"),
    AnswerState.SIAP_DIREVIU: _l("siap direviu"),
    AnswerState.PERLU_PERBAIKAN: _l("perlu perbaikan"),
    AnswerState.DISETUJUI: _l("disetujui"),
}
ASSESSMENT_STATE_LABELS: dict[AssessmentState, LazyString] = {
    AssessmentState.PENGISIAN: _l("pengisian"),
    AssessmentState.REVIU: _l("reviu"),
    AssessmentState.FINAL: _l("final"),
}


#: The asesor's verdict on a butir, and the stages of the evaluation cycle after the self-assessment.
VERDICT_LABELS: dict[Verdict, LazyString] = {
    Verdict.DITERIMA: _l("diterima"),
    Verdict.REVISI: _l("revisi"),
    Verdict.DITOLAK: _l("ditolak"),
}
STAGE_LABELS: dict[CycleStage, LazyString] = {
    CycleStage.MANDIRI: _l("penilaian mandiri"),
    CycleStage.DOKUMEN: _l("penilaian dokumen"),
    CycleStage.KOREKSI: _l("koreksi"),
    CycleStage.WAWANCARA: _l("wawancara"),
    CycleStage.SELESAI: _l("evaluasi selesai"),
}


def answer_state_label(state: AnswerState) -> str:
    return str(ANSWER_STATE_LABELS[state])


def assessment_state_label(state: AssessmentState) -> str:
    return str(ASSESSMENT_STATE_LABELS[state])


def state_label(value: str) -> str:
    """The label of an answer's or an assessment's state given by its stored value; another value reads as a
    generic one (never the code)."""
    if value in AnswerState._value2member_map_:
        return answer_state_label(AnswerState(value))
    if value in AssessmentState._value2member_map_:
        return assessment_state_label(AssessmentState(value))
    return _("lainnya")


def verdict_label(value: str) -> str:
    """An asesor's verdict by its stored value; another value reads as a generic one."""
    if value in Verdict._value2member_map_:
        return str(VERDICT_LABELS[Verdict(value)])
    return _("lainnya")


def stage_headings() -> dict[CycleStage, str]:
    """The stages as headings and steps name them ("Penilaian dokumen"): :data:`STAGE_LABELS`, capitalised."""
    return {stage: str(label).capitalize() for stage, label in STAGE_LABELS.items()}


def stage_label(value: str) -> str:
    """A stage of the evaluation cycle by its stored value; another value reads as a generic one."""
    if value in CycleStage._value2member_map_:
        return str(STAGE_LABELS[CycleStage(value)])
    return _("lainnya")


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
