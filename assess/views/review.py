"""Review actions: reviewer values, approve, send back, final values, assessment states, discrepancies."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from assess import permissions as perm
from assess.errors import DomainError
from assess.models import Answer, AssessmentState
from assess.queries import discrepancies, load_answer, load_assessment, project_all
from assess.scoring import to_fraction
from assess.services import review as service
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


@bp.post("/indikator/<code>/reviu/nilai")
@auth_required()
def reviewer_value(assessment_id: int, code: str) -> Response:
    return _act(
        assessment_id,
        code,
        perm.can_review,
        lambda answer: service.set_reviewer_value(
            answer=answer,
            value=_value("reviewer_value"),
            note=form_text("reviewer_note"),
            actor=current_user,
            expected_version=_version(),
        ),
        _("Nilai reviewer disimpan."),
    )


@bp.post("/indikator/<code>/reviu/setujui")
@auth_required()
def approve(assessment_id: int, code: str) -> Response:
    return _act(
        assessment_id,
        code,
        perm.can_review,
        lambda answer: service.approve(answer=answer, actor=current_user, expected_version=_version()),
        _("Jawaban %(code)s disetujui.", code=code),
    )


@bp.post("/indikator/<code>/reviu/kembalikan")
@auth_required()
def send_back(assessment_id: int, code: str) -> Response:
    return _act(
        assessment_id,
        code,
        perm.can_review,
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
