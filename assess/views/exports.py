"""The submission bundle page: who signs, start an export (a background job), its progress, the downloads."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assess import display, jobs
from assess import permissions as perm
from assess.extensions import db
from assess.models import Assessment, Evidence, EvidenceKind, Export, ExportState
from assess.services import exports as service
from assess.views.boundary import attempt
from assess.views.util import assessment_or_404
from forms.exports import ExportForm, SignatoryForm

bp = Blueprint("exports", __name__, url_prefix="/penilaian/<int:assessment_id>/bundel")

CODE = re.compile(r"^[A-Za-z0-9.]{1,16}$")
MIME = {"pdf": "application/pdf", "zip": "application/zip", "summary": "application/json"}


def _export(assessment: Assessment, export_id: int) -> Export:
    export = db.session.get(Export, export_id)
    if export is None or export.assessment_id != assessment.id:
        abort(404)
    return export


def _documents(assessment: Assessment) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Evidence.id, Evidence.title)
        .where(
            Evidence.assessment_id == assessment.id,
            Evidence.deleted_at.is_(None),
            Evidence.kind == EvidenceKind.FILE,
        )
        .order_by(Evidence.title)
    ).all()
    return [(0, _("— tidak ada (pakai halaman yang dibuat otomatis) —"))] + [(i, t) for i, t in rows]


def _signatory_form(assessment: Assessment, *, submitted: bool = False) -> SignatoryForm:
    """The form with the saved values; on a POST, with what was submitted."""
    form = SignatoryForm(
        **({} if submitted else {"formdata": None}),
        data={
            "signatory_name": assessment.signatory_name,
            "signatory_position": assessment.signatory_position,
            "signatory_nip": assessment.signatory_nip,
            "signing_place": assessment.signing_place,
            "signed_minutes_id": assessment.signed_minutes_id or 0,
            "signed_consent_id": assessment.signed_consent_id or 0,
        },
    )
    choices = _documents(assessment)
    form.signed_minutes_id.choices = choices
    form.signed_consent_id.choices = choices
    return form


def progress_text(export: Export) -> str:
    """"langkah 3 dari 12", or "menyiapkan…" while the job has not counted its steps yet."""
    if not export.total_steps:
        return _("menyiapkan…")
    return _("langkah %(step)s dari %(total)s", step=export.step, total=export.total_steps)


def status_of(export: Export) -> dict[str, Any]:
    """What the progress bar shows (also the JSON the page polls); a stale export is shown stopped (read only: the
    periodic job marks it)."""
    stale = service.is_stale(export)
    return {
        "id": export.id,
        "state": (ExportState.FAILED if stale else export.state).value,
        "state_label": service.shown_state(export),
        "active": export.active and not stale,
        "step": export.step,
        "total": export.total_steps,
        "progress_text": progress_text(export),
        "percent": 100 if export.state == ExportState.DONE else export.percent,
        "label": service.shown_step(export),
        "error": service.shown_error(export),
    }


def _page(assessment: Assessment, signatory: SignatoryForm, status: int = 200) -> tuple[str, int]:
    exports = service.exports_of(assessment.id)
    latest = next((e for e in exports if e.state == ExportState.DONE), None)
    active = next((e for e in exports if e.active and not service.is_stale(e)), None)
    summary = service.summary_of(latest) if latest else {}
    indicator_codes = service.indicator_codes(latest) if latest else []
    butir_files = service.butir_files(latest) if latest else []
    return (
        render_template(
            "exports/index.html",
            assessment=assessment,
            exports=exports,
            latest=latest,
            active=active,
            active_status=status_of(active) if active else None,
            summary=summary,
            indicator_codes=indicator_codes,
            graded=assessment.instrument.value_type == "graded",
            butir_files=butir_files,
            butir_zip=latest is not None and service.butir_zip(latest) is not None,
            file_size=display.size,
            shown_state=service.shown_state,
            shown_error=service.shown_error,
            can_export=perm.can_export(current_user, assessment),
            export_form=ExportForm(),
            signatory=signatory,
            format_datetime=format_datetime,
        ),
        status,
    )


@bp.get("/")
@auth_required()
def index(assessment_id: int) -> tuple[str, int]:
    assessment = assessment_or_404(assessment_id)
    return _page(assessment, _signatory_form(assessment))


@bp.post("/penandatangan")
@auth_required()
def signatory(assessment_id: int) -> Response | tuple[str, int]:
    assessment = assessment_or_404(assessment_id)
    if not perm.can_export(current_user, assessment):
        abort(403)
    form = _signatory_form(assessment, submitted=True)
    if not form.validate_on_submit():
        return _page(assessment, form, 400)
    names = (*service.SIGNATORY_FIELDS, "signed_minutes_id", "signed_consent_id")
    values = {name: getattr(form, name).data for name in names}
    outcome = attempt(
        lambda: service.set_signatory(assessment, current_user, values),
        done=_("Data penandatangan disimpan."),
        form=form,
    )
    if not outcome.ok:
        return _page(assessment, form, 400)
    return redirect(url_for("exports.index", assessment_id=assessment.id))


@bp.post("/")
@auth_required()
def start(assessment_id: int) -> Response:
    assessment = assessment_or_404(assessment_id)
    if not perm.can_export(current_user, assessment):
        abort(403)
    form = ExportForm()
    if not form.validate_on_submit():
        flash(_("Permintaan tidak sah; muat ulang halaman lalu coba lagi."), "error")
        return redirect(url_for("exports.index", assessment_id=assessment.id))
    # The id is read before the commit: reading it after would open a new (write) transaction in this request.
    outcome = attempt(
        lambda: (
            service.request_export(
                assessment,
                current_user,
                include_review=bool(form.include_review.data),
                per_butir=bool(form.per_butir.data),
                compress_scans=bool(form.compress_scans.data),
            ).id
        ),
        done=_("Ekspor bundel dimulai. Anda boleh meninggalkan halaman ini; kemajuannya tetap tercatat."),
    )
    if outcome.result is not None:
        jobs.export_bundle(outcome.result)
    return redirect(url_for("exports.index", assessment_id=assessment.id))


@bp.get("/<int:export_id>/status")
@auth_required()
def status(assessment_id: int, export_id: int) -> Response:
    assessment = assessment_or_404(assessment_id)
    export = _export(assessment, export_id)
    response = jsonify(status_of(export))
    response.headers["Cache-Control"] = "no-store"
    return response


def _send(path: str, mimetype: str, name: str, etag: str | None) -> Response:
    """A file of the export store: from local disk as it is, from S3 streamed through (never whole in memory)."""
    store = service.folders()
    local = store.local_path(path)
    size = None
    if local is None:
        try:
            size = store.size(path)
        except FileNotFoundError:
            abort(404)
    source: Any = local if local is not None else store.open(path)
    response = send_file(
        source,
        mimetype=mimetype,
        as_attachment=True,
        download_name=name,
        conditional=True,
        etag=etag or False,
        max_age=0,
    )
    if size is not None and response.status_code == 200:
        response.content_length = size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _download_name(assessment: Assessment, export: Export, suffix: str) -> str:
    return f"bundel-{assessment.instansi.slug}-{assessment.year}-{export.id}{suffix}"


@bp.get("/<int:export_id>/<any(pdf, zip, summary):kind>")
@auth_required()
def download(assessment_id: int, export_id: int, kind: str) -> Response:
    assessment = assessment_or_404(assessment_id)
    export = _export(assessment, export_id)
    path = service.file_name(export, kind)
    if path is None:
        abort(404)
    suffix = {"pdf": ".pdf", "zip": ".zip", "summary": "-ringkasan.json"}[kind]
    etag = {"pdf": export.pdf_sha256, "zip": export.zip_sha256}.get(kind)
    return _send(path, MIME[kind], _download_name(assessment, export, suffix), etag)


@bp.get("/<int:export_id>/per-butir.zip")
@auth_required()
def butir_zip(assessment_id: int, export_id: int) -> Response:
    assessment = assessment_or_404(assessment_id)
    export = _export(assessment, export_id)
    path = service.butir_zip(export)
    if path is None:
        abort(404)
    etag = service.summary_of(export).get("butir_zip", {}).get("sha256")
    return _send(path, MIME["zip"], _download_name(assessment, export, "-per-butir.zip"), etag)


@bp.get("/<int:export_id>/indikator/<code>.pdf")
@auth_required()
def indicator_pdf(assessment_id: int, export_id: int, code: str) -> Response:
    assessment = assessment_or_404(assessment_id)
    export = _export(assessment, export_id)
    path = service.indicator_pdf(export, code) if CODE.match(code) else None
    if path is None:
        abort(404)
    return _send(path, "application/pdf", _download_name(assessment, export, f"-{code}.pdf"), None)
