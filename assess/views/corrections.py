"""The corrections the asesor asked for (Pemdi *revisi*): the koreksi page of an assessment, marking a butir
corrected and opening it again, and the overview's one line about them."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from assess import permissions as perm
from assess.models import Assessment, RoleName
from assess.queries import corrections as query
from assess.queries.verdicts import correction_deadline
from assess.services import corrections as service
from assess.services.reminders import local_today
from assess.views.boundary import attempt
from assess.views.nav import forget_nav_counts
from assess.views.util import assessment_or_404
from forms import BaseForm
from forms.corrections import CorrectionForm

bp = Blueprint("corrections", __name__)


def _prefix(verdict_id: int) -> str:
    return f"koreksi-{verdict_id}"


def _pemdi(assessment_id: int) -> Assessment:
    """The assessment, if the user reads it and its instrument has butir (Pemdi); otherwise 404."""
    assessment = assessment_or_404(assessment_id)
    if assessment.instrument.value_type != "graded":
        abort(404)
    return assessment


def _page(assessment: Assessment, failed: CorrectionForm | None = None, failed_id: int | None = None) -> str:
    roles = perm.roles_in(current_user, assessment.instansi_id)
    only_mine = RoleName.PENGISI in roles and RoleName.KOORDINATOR not in roles
    rows = query.listing(assessment.id, held_by_user=current_user.id if only_mine else None)
    forms = {
        row.verdict.id: failed
        if failed is not None and row.verdict.id == failed_id
        else CorrectionForm(prefix=_prefix(row.verdict.id), formdata=None)
        for row in rows
        if row.verdict.corrected_at is None and perm.can_mark_correction(current_user, assessment, row.answer, row.mark)
    }
    return render_template(
        "corrections/page.html",
        assessment=assessment,
        rows=rows,
        forms=forms,
        only_mine=only_mine,
        can_reopen=perm.can_reopen_correction(current_user, assessment),
        deadline=correction_deadline(assessment.id),
        note_max=service.NOTE_MAX,
        today=local_today(),
    )


@bp.get("/penilaian/<int:assessment_id>/koreksi")
@auth_required()
def page(assessment_id: int) -> str:
    return _page(_pemdi(assessment_id))


def _row(assessment: Assessment, verdict_id: int) -> query.Row:
    row = query.one(assessment.id, verdict_id)
    if row is None:
        abort(404)
    return row


@bp.post("/penilaian/<int:assessment_id>/koreksi/<int:verdict_id>/selesai")
@auth_required()
def done(assessment_id: int, verdict_id: int) -> Response | tuple[str, int]:
    assessment = _pemdi(assessment_id)
    row = _row(assessment, verdict_id)
    if not perm.can_mark_correction(current_user, assessment, row.answer, row.mark):
        abort(403)
    form = CorrectionForm(prefix=_prefix(verdict_id))
    if not form.validate_on_submit():
        return _page(assessment, form, verdict_id), 400
    code = row.item.code
    outcome = attempt(
        lambda: service.mark_corrected(assessment, row, note=form.note.data or "", actor=current_user),
        form=form,
        done=_("Butir %(code)s ditandai sudah dikoreksi.", code=code),
    )
    if not outcome.ok:
        return _page(assessment, form, verdict_id), 400
    forget_nav_counts()
    return redirect(url_for(".page", assessment_id=assessment.id))


@bp.post("/penilaian/<int:assessment_id>/koreksi/<int:verdict_id>/buka")
@auth_required()
def reopen(assessment_id: int, verdict_id: int) -> Response:
    assessment = _pemdi(assessment_id)
    row = _row(assessment, verdict_id)
    if not perm.can_reopen_correction(current_user, assessment):
        abort(403)
    if not BaseForm().validate_on_submit():
        abort(400)
    code = row.item.code
    attempt(
        lambda: service.reopen(assessment, row, actor=current_user),
        done=_("Koreksi butir %(code)s dibuka kembali.", code=code),
    )
    forget_nav_counts()
    return redirect(url_for(".page", assessment_id=assessment.id, _anchor=f"koreksi-{verdict_id}"))
