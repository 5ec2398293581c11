"""Review actions: reviewer values, approve, send back, final values, assessment states, discrepancies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from assess import display
from assess import permissions as perm
from assess.errors import DomainError
from assess.models import Answer, AssessmentState
from assess.queries import discrepancies, load_answer, load_assessment, project_all
from assess.scoring import to_fraction
from assess.services import notifications
from assess.services import review as service
from assess.services.notifications import QueueEntry
from assess.views.boundary import Outcome, attempt
from assess.views.util import assessment_or_404, form_text, int_arg
from assess.workflow import assessment_state_label
from forms import BaseForm

bp = Blueprint("review", __name__, url_prefix="/penilaian/<int:assessment_id>")


def _answer(assessment_id: int, code: str) -> Answer:
    answer = load_answer(assessment_id, code)
    if answer is None or not perm.can_view_assessment(current_user, answer.assessment):
        abort(404)
    return answer


def _back(answer: Answer) -> Response:
    return redirect(url_for("assessments.answer", assessment_id=answer.assessment_id, code=answer.indicator.code))


def _value(field: str) -> Fraction | None:
    """A posted value as the engine reads it: ``1,13`` and ``1.13`` alike; empty is no value."""
    text = (request.form.get(field) or "").strip()
    if not text:
        return None
    try:
        return to_fraction(text)
    except ValueError:
        raise DomainError(_("Nilai harus berupa angka."), field=field) from None


def _version() -> int | None:
    return int_arg("version", request.form)


def _check_csrf() -> None:
    if not BaseForm().validate_on_submit():
        abort(400)


def _act(
    assessment_id: int, code: str, allowed: Callable[..., bool], action: Callable[[Answer], object], done: str
) -> Response:
    """Load → authorise → check the token → run the service → commit, or roll back and say why."""
    answer = _answer(assessment_id, code)
    if not allowed(current_user, answer.assessment):
        abort(403)
    _check_csrf()
    attempt(lambda: action(answer), done=done)
    return _back(answer)


# --------------------------------------------------------------------------- the reviewer's decision and queue

#: Where a refused decision keeps what the reviewer chose and typed, for the answer page to show it again.
DRAFT_KEY = "review_draft"
#: The session is a cookie: it keeps this much of a justification; review.js gives back the whole of a longer one.
DRAFT_NOTE_MAX = 1000


@dataclass(frozen=True)
class Queue:
    """A reviewer's queue as seen from one indicator: its place in it (1-based, None when not waiting), the number
    of answers waiting, and the next one to open."""

    position: int | None
    total: int
    next: QueueEntry | None


def queue_from(entries: list[QueueEntry], assessment_id: int, code: str) -> Queue:
    """The queue seen from ``code``: the next entry after it (from the start again at the end), never itself."""
    here = next((i for i, e in enumerate(entries) if (e.assessment_id, e.code) == (assessment_id, code)), None)
    after = entries[here + 1 :] + entries[:here] if here is not None else entries
    return Queue(None if here is None else here + 1, len(entries), after[0] if after else None)


@bp.app_template_global()
def review_panel(answer: Answer) -> dict[str, Any]:
    """What the answer page's decision form needs: the reviewer's queue seen from this indicator and, after a
    refused decision on it, the value and justification the reviewer had given (once)."""
    draft = session.pop(DRAFT_KEY) if DRAFT_KEY in session else None  # for the page the refusal led to only
    if not isinstance(draft, dict) or draft.get("answer") != answer.id:
        draft = None
    entries = notifications.review_queue(current_user)
    graded = answer.assessment.instrument.value_type == "graded"

    def typed(value: Decimal | None) -> str:
        """A value as the form shows it and reads it back unchanged (graded: the four stored decimals)."""
        if value is None:
            return ""
        return display.number(value, 4) if graded else str(int(value))

    chosen = answer.reviewer_value if answer.reviewer_value is not None else answer.claimed_value
    return {
        "queue": queue_from(entries, answer.assessment_id, answer.indicator.code),
        "claimed": typed(answer.claimed_value),
        "value": draft["reviewer_value"] if draft else typed(chosen),
        "note": draft["reviewer_note"] if draft else answer.reviewer_note,
        "differs": (draft["reviewer_value"].strip() not in ("", typed(answer.claimed_value)))
        if draft
        else chosen is not None and chosen != answer.claimed_value,
        "kept": draft is not None,
    }


def _keep_draft(answer: Answer) -> None:
    session[DRAFT_KEY] = {
        "answer": answer.id,
        "reviewer_value": (request.form.get("reviewer_value") or "")[:50],
        "reviewer_note": (request.form.get("reviewer_note") or "")[:DRAFT_NOTE_MAX],
    }


def _decide(assessment_id: int, code: str, action: Callable[[Answer], object], done: str) -> Response:
    """A decision on a ready answer: on success, on to the next answer waiting for this reviewer (the same page
    when none is left, saying so); refused, back to the form with the reasons and what was typed."""
    answer = _answer(assessment_id, code)
    if not perm.can_review(current_user, answer.assessment):
        abort(403)
    _check_csrf()
    upcoming = queue_from(notifications.review_queue(current_user), assessment_id, code).next
    outcome = attempt(lambda: action(answer), done=done)
    if not outcome.ok:
        _keep_draft(answer)
        return redirect(_answer_url(answer.assessment_id, code, anchor="reviu"))
    if upcoming is None:
        flash(_("Antrean reviu Anda kosong: tidak ada lagi jawaban yang menunggu."), "info")
        return redirect(_answer_url(answer.assessment_id, code, anchor="reviu"))
    flash(_("Berikutnya di antrean Anda: %(code)s.", code=upcoming.code), "info")
    return redirect(_answer_url(upcoming.assessment_id, upcoming.code, anchor="reviu"))


def _answer_url(assessment_id: int, code: str, anchor: str) -> str:
    return url_for("assessments.answer", assessment_id=assessment_id, code=code, _anchor=anchor)


@bp.post("/indikator/<code>/reviu/nilai")
@auth_required()
def reviewer_value(assessment_id: int, code: str) -> Response:
    answer = _answer(assessment_id, code)
    if not perm.can_review(current_user, answer.assessment):
        abort(403)
    _check_csrf()
    outcome = attempt(
        lambda: service.set_reviewer_value(
            answer=answer,
            value=_value("reviewer_value"),
            note=form_text("reviewer_note"),
            actor=current_user,
            expected_version=_version(),
        ),
        done=_("Nilai reviewer disimpan."),
    )
    if not outcome.ok:
        _keep_draft(answer)
    return redirect(_answer_url(assessment_id, code, anchor="reviu"))


@bp.post("/indikator/<code>/reviu/setujui")
@auth_required()
def approve(assessment_id: int, code: str) -> Response:
    """Approve; with the decision form's value (pre-filled with the claimed one) and justification, in one step."""
    given = "reviewer_value" in request.form
    return _decide(
        assessment_id,
        code,
        lambda answer: service.approve(
            answer=answer,
            actor=current_user,
            expected_version=_version(),
            value=_value("reviewer_value") if given else None,
            note=form_text("reviewer_note"),
        ),
        _("Jawaban %(code)s disetujui.", code=code),
    )


@bp.post("/indikator/<code>/reviu/kembalikan")
@auth_required()
def send_back(assessment_id: int, code: str) -> Response:
    return _decide(
        assessment_id,
        code,
        lambda answer: service.send_back(answer=answer, actor=current_user, expected_version=_version()),
        _("Jawaban %(code)s dikembalikan untuk diperbaiki.", code=code),
    )


@bp.post("/indikator/<code>/nilai-akhir")
@auth_required()
def final_value(assessment_id: int, code: str) -> Response:
    return _act(
        assessment_id,
        code,
        perm.can_set_final,
        lambda answer: service.set_final_value(
            answer=answer,
            value=_value("final_value"),
            reason=form_text("final_reason"),
            actor=current_user,
            expected_version=_version(),
        ),
        _("Nilai akhir disimpan."),
    )


@bp.post("/tahap")
@auth_required()
def change_state(assessment_id: int) -> Response:
    assessment = assessment_or_404(assessment_id, load_assessment)
    if not perm.can_change_state(current_user, assessment):
        abort(403)
    _check_csrf()
    try:
        target = AssessmentState(request.form.get("target", ""))
    except ValueError:
        abort(400)
    outcome = attempt(
        lambda: service.change_state(
            assessment=assessment, target=target, actor=current_user, reason=form_text("reason")
        ),
        done=_("Tahap penilaian sekarang: %(state)s.", state=assessment_state_label(target)),
    )
    if _held_back(outcome):
        # its reason is flashed; the overview lists what holds it back, by unit, with the people to chase
        return redirect(
            url_for("assessments.detail", assessment_id=assessment_id, tertahan=target.value, _anchor="tertahan")
        )
    return redirect(url_for("assessments.detail", assessment_id=assessment_id))


def _held_back(outcome: Outcome[None]) -> bool:
    """The change of stage was refused because of indicators not yet far enough."""
    return isinstance(outcome.refusal, service.TransitionRefusedError) and bool(outcome.refusal.blockers)


@bp.get("/selisih")
@auth_required()
def discrepancy(assessment_id: int) -> str:
    assessment = assessment_or_404(assessment_id, load_assessment)
    projections = project_all(assessment)
    return render_template(
        "review/discrepancies.html", assessment=assessment, projections=projections, rows=discrepancies(projections)
    )
