"""The external asesor's verdicts per butir (Pemdi): the list, the import (upload, preview, apply), the template, and
one butir's verdict typed in, changed or removed."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from assess import permissions as perm
from assess.extensions import db
from assess.models import Assessment, ButirVerdict, CycleStage, EvidenceItem, Verdict
from assess.queries import load_assessment
from assess.queries.verdicts import all_verdicts, current_verdicts
from assess.services import verdicts as service
from assess.views.boundary import attempt
from assess.views.util import assessment_or_404
from forms.cycles import ApplyImportForm
from forms.evidence import ConfirmForm
from forms.verdicts import VerdictForm, VerdictUploadForm

bp = Blueprint("verdicts", __name__, url_prefix="/penilaian/<int:assessment_id>/hasil-asesor")


def _graded(assessment_id: int) -> Assessment:
    """The assessment, if the user reads it and its instrument is judged per butir (Pemdi); otherwise 404."""
    assessment = assessment_or_404(assessment_id, load_assessment)
    if assessment.instrument.value_type != "graded":
        abort(404)
    return assessment


def _recorder(assessment_id: int) -> Assessment:
    assessment = _graded(assessment_id)
    if not perm.can_record_verdicts(current_user, assessment):
        abort(403)
    return assessment


def _page(assessment: Assessment, form: VerdictUploadForm, status: int = 200) -> tuple[str, int]:
    counted = current_verdicts(assessment.id)
    page = render_template(
        "verdicts/index.html",
        assessment=assessment,
        form=form,
        rows=all_verdicts(assessment.id),
        counted_ids={v.id for v in counted.values()},
        totals=Counter(v.verdict.value for v in counted.values()),
        can_record=perm.can_record_verdicts(current_user, assessment),
        default_stage=service.default_stage(assessment),
    )
    return page, status


@bp.get("")
@auth_required()
def index(assessment_id: int) -> tuple[str, int]:
    return _page(_graded(assessment_id), VerdictUploadForm())


@bp.post("")
@auth_required()
def preview(assessment_id: int) -> tuple[str, int]:
    assessment = _recorder(assessment_id)
    form = VerdictUploadForm()
    if not form.validate_on_submit():
        return _page(assessment, form, 400)
    data, filename = form.file.data.read(), form.file.data.filename or ""
    parsed = attempt(lambda: service.parse_verdicts(assessment, data, filename), form=form, reads_only=True).result
    if parsed is None:
        return _page(assessment, form, 400)
    token = service.sign_rows(assessment, parsed.changes, current_app.config["SECRET_KEY"])
    page = render_template(
        "verdicts/preview.html", assessment=assessment, preview=parsed, apply_form=ApplyImportForm(token=token)
    )
    return page, 400 if parsed.errors else 200


@bp.post("/terapkan")
@auth_required()
def apply(assessment_id: int) -> Response:
    assessment = _recorder(assessment_id)
    form = ApplyImportForm()
    if not form.validate_on_submit():
        abort(400)
    secret = current_app.config["SECRET_KEY"]

    def write() -> service.Applied:
        rows = service.load_signed(assessment, form.token.data or "", secret)
        return service.apply_verdicts(assessment, rows, actor=current_user)

    def said(done: service.Applied) -> str:
        return _("Hasil asesor disimpan: %(added)s baru, %(changed)s diubah.", added=done.added, changed=done.changed)

    attempt(write, done=said)
    return redirect(url_for("verdicts.index", assessment_id=assessment.id))


@bp.get("/templat.csv")
@auth_required()
def template(assessment_id: int) -> Response:
    assessment = _graded(assessment_id)
    name = f"templat-hasil-asesor-{assessment.instansi.slug}-{assessment.year}.csv"
    return Response(
        service.template_csv(assessment).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _item(assessment: Assessment, item_id: int) -> EvidenceItem:
    """A butir of the assessment's instrument that the asesor judges (not a note); otherwise 404."""
    item = db.session.get(EvidenceItem, item_id, options=[joinedload(EvidenceItem.indicator)])
    if item is None or item.indicator.instrument_id != assessment.instrument_id or item.kind == "note":
        abort(404)
    return item


@bp.route("/butir/<int:item_id>", methods=["GET", "POST"])
@auth_required()
def butir(assessment_id: int, item_id: int) -> str | Response | tuple[str, int]:
    assessment = _recorder(assessment_id)
    item = _item(assessment, item_id)
    history = all_verdicts(assessment.id, item.id)
    form = VerdictForm()
    if request.method == "GET":
        wanted = request.args.get("tahap", "")
        stage = CycleStage(wanted) if wanted in {s.value for s in service.JUDGING_STAGES} else None
        stage = stage or service.default_stage(assessment)
        form.stage.data = stage.value
        shown = next((v for v in history if v.stage == stage), None)
        if shown is not None:
            form.verdict.data, form.note.data = shown.verdict.value, shown.note
    elif form.validate_on_submit():
        outcome = attempt(
            lambda: service.set_verdict(
                assessment,
                item,
                stage=CycleStage(form.stage.data),
                verdict=Verdict(form.verdict.data),
                note=form.note.data or "",
                actor=current_user,
            ),
            done=_("Hasil asesor untuk %(code)s disimpan.", code=item.code),
            form=form,
        )
        if outcome.ok:
            return redirect(url_for("assessments.answer", assessment_id=assessment.id, code=item.indicator.code))
    status = 400 if request.method == "POST" else 200
    page = render_template("verdicts/butir.html", assessment=assessment, item=item, history=history, form=form)
    return page, status


@bp.route("/<int:verdict_id>/hapus", methods=["GET", "POST"])
@auth_required()
def delete(assessment_id: int, verdict_id: int) -> str | Response:
    assessment = _recorder(assessment_id)
    verdict = db.session.get(ButirVerdict, verdict_id)
    if verdict is None or verdict.assessment_id != assessment.id:
        abort(404)
    item = _item(assessment, verdict.item_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        attempt(
            lambda: service.delete_verdict(assessment, verdict, item, actor=current_user),
            done=_("Hasil asesor untuk %(code)s dihapus.", code=item.code),
        )
        return redirect(url_for("verdicts.butir", assessment_id=assessment.id, item_id=item.id))
    return render_template("verdicts/delete.html", assessment=assessment, verdict=verdict, item=item, form=form)
