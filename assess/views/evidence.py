"""The evidence library of an assessment: list, upload, links, metadata, versions, download, delete."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from assess import permissions as perm
from assess.extensions import db
from assess.models import (
    Assessment,
    DocType,
    Evidence,
    EvidenceKind,
    EvidenceVersion,
    Unit,
)
from assess.queries.library import DEFAULT_SORT, LibraryFilter, library_page
from assess.sealed import UnsealError, unseal
from assess.services import evidence as service
from assess.services.answers import years_before
from assess.views.boundary import attempt
from assess.views.downloads import send_evidence
from assess.views.panels import evidence_comments
from assess.views.uploading import check_later, upload_result
from assess.views.util import assessment_or_404, int_arg, page_arg
from forms.evidence import (
    DOC_TYPE_LABELS,
    ConfirmForm,
    LinkMetadataForm,
    MetadataForm,
    ReplaceFileForm,
    UploadForm,
)
from uploads.errors import UploadRejectedError

bp = Blueprint("evidence", __name__, url_prefix="/penilaian/<int:assessment_id>/pustaka")
#: A blob's stored check problem (a code, or a sentence stored before the codes) as the reader reads it.
bp.add_app_template_filter(service.problem_text, "check_problem")
#: "Stale" in the library filter: older than the two-year rule for review and audit documents.
STALE_YEARS = 2


def _evidence(assessment: Assessment, evidence_id: int) -> Evidence:
    """A live document of the assessment, or 404 (a deleted one too: only its history stays, in the audit trail)."""
    evidence = db.session.scalar(
        select(Evidence)
        .where(Evidence.id == evidence_id, Evidence.assessment_id == assessment.id, Evidence.deleted_at.is_(None))
        .options(
            joinedload(Evidence.owner_unit),
            selectinload(Evidence.versions).joinedload(EvidenceVersion.blob),
            selectinload(Evidence.versions).joinedload(EvidenceVersion.uploaded_by),
            joinedload(Evidence.current_version).joinedload(EvidenceVersion.blob),
        )
    )
    if evidence is None:
        abort(404)
    return evidence


def _units(assessment: Assessment) -> list[tuple[int, str]]:
    units = db.session.scalars(
        select(Unit).where(Unit.instansi_id == assessment.instansi_id, Unit.active).order_by(Unit.name)
    ).all()
    return [(u.id, u.short_name or u.name) for u in units]


def _policy() -> Any:
    return current_app.extensions["upload_policy"]


def _storage() -> Any:
    return current_app.extensions["storage"]


@bp.get("/")
@auth_required()
def library(assessment_id: int) -> str:
    assessment = assessment_or_404(assessment_id)
    wanted = LibraryFilter(
        q=(request.args.get("q") or "").strip(),
        doc_type=request.args.get("jenis") or "",
        unit_id=int_arg("unit"),
        show=request.args.get("tampil") or "",
        sort=request.args.get("urut", DEFAULT_SORT),
        page=page_arg(),
    )
    listing = library_page(assessment.id, wanted, stale_before=years_before(date.today(), STALE_YEARS))
    can_upload = perm.can_upload_evidence(current_user, assessment)
    units = _units(assessment)
    upload_form = None
    if can_upload:
        upload_form = UploadForm(units=units)
        mine = [uid for uid, _name in units if uid in perm.unit_ids(current_user)]
        upload_form.owner_unit_id.data = mine[0] if mine else 0
    return render_template(
        "evidence/library.html",
        assessment=assessment,
        documents=listing.documents,
        link_counts=listing.link_counts,
        total=listing.total,
        page=listing.page,
        pages=listing.pages,
        page_links=listing.page_links(),
        args={
            "q": wanted.q,
            "jenis": wanted.doc_type,
            "unit": wanted.unit_id,
            "tampil": wanted.show,
            "urut": wanted.order(),
        },
        doc_types=DOC_TYPE_LABELS,
        units=units,
        can_upload=can_upload,
        upload_form=upload_form,
        max_mb=_policy().max_bytes // (1024 * 1024),
        extensions=sorted(_policy().allowed_extensions),
        for_code=request.args.get("for"),
    )


def _upload_one(assessment: Assessment, file: FileStorage, owner_unit_id: int | None) -> dict[str, Any]:
    """Upload one file and commit it (``owner_unit_id``: one of the instansi's units, as the form checked it, or
    ``None``); returns a JSON-friendly result (never raises for bad files)."""
    name = file.filename or ""

    def store() -> tuple[Evidence, dict[str, Any]]:
        evidence = service.upload(
            owner_unit_id=owner_unit_id,
            assessment=assessment,
            stream=file.stream,
            filename=name,
            meta=None,
            user=current_user,
            storage=_storage(),
            policy=_policy(),
        )
        return evidence, {}

    return upload_result(assessment, name, store)


@bp.post("/unggah")
@auth_required()
def upload(assessment_id: int) -> Response | tuple[Response, int]:
    assessment = assessment_or_404(assessment_id)
    if not perm.can_upload_evidence(current_user, assessment):
        abort(403)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    wants_json = request.accept_mimetypes.best == "application/json"
    if not files:
        message = _("Pilih paling sedikit satu berkas.")
        if wants_json:
            return jsonify({"results": [{"ok": False, "code": "empty", "message": message}]}), 400
        flash(message, "error")
        return redirect(url_for("evidence.library", assessment_id=assessment.id))
    form = UploadForm(units=_units(assessment))
    owner = (form.owner_unit_id.data or None) if form.owner_unit_id.validate(form) else None
    results = [_upload_one(assessment, f, owner) for f in files]
    if wants_json:
        return jsonify({"results": results}), (200 if any(r["ok"] for r in results) else 400)
    for r in results:
        if r["ok"]:
            flash(_("Diunggah: %(name)s", name=r["name"]), "success")
        else:
            flash(_("%(name)s: %(message)s", name=r["name"], message=r["message"]), "error")
    return redirect(url_for("evidence.library", assessment_id=assessment.id))


@bp.route("/tautan-baru", methods=["GET", "POST"])
@auth_required()
def new_link(assessment_id: int) -> str | Response:
    assessment = assessment_or_404(assessment_id)
    if not perm.can_upload_evidence(current_user, assessment):
        abort(403)
    form = LinkMetadataForm(units=_units(assessment))
    del form.change_access_note
    if request.method == "GET":
        form.version.data = "1"
        form.doc_type.data = DocType.LAINNYA.value
    elif form.validate_on_submit():
        meta = _meta_from(form)
        outcome = attempt(
            lambda: service.add_link(
                assessment=assessment,
                url=form.url.data or "",
                meta=meta,
                access_note=form.access_note.data,
                user=current_user,
            ),
            done=_("Tautan layanan ditambahkan ke pustaka."),
            form=form,
        )
        if outcome.result is not None:
            return redirect(url_for("evidence.detail", assessment_id=assessment.id, evidence_id=outcome.result.id))
    return render_template("evidence/link_form.html", assessment=assessment, form=form)


def _meta_from(form: MetadataForm) -> service.Metadata:
    return service.Metadata(
        title=form.title.data or "",
        doc_type=DocType(form.doc_type.data),
        number=form.number.data,
        doc_date=form.doc_date.data,
        owner_unit_id=form.owner_unit_id.data or None,
        notes=form.notes.data or "",
    )


@bp.route("/<int:evidence_id>", methods=["GET", "POST"])
@auth_required()
def detail(assessment_id: int, evidence_id: int) -> str | Response | tuple[str, int]:
    assessment = assessment_or_404(assessment_id)
    evidence = _evidence(assessment, evidence_id)
    can_edit = perm.can_edit_evidence(current_user, evidence, assessment)
    units = _units(assessment)
    form: MetadataForm = (LinkMetadataForm if evidence.kind == EvidenceKind.LINK else MetadataForm)(units=units)
    status = 200
    if request.method == "POST":
        if not can_edit:
            abort(403)
        if form.validate_on_submit():
            outcome = attempt(
                lambda: service.update_metadata(
                    actor=current_user,
                    evidence=evidence,
                    expected_version=int(form.version.data),
                    meta=_meta_from(form),
                    url=getattr(form, "url", None) and form.url.data,
                    access_note=getattr(form, "access_note", None) and form.access_note.data,
                    change_access_note=bool(getattr(form, "change_access_note", None) and form.change_access_note.data),
                ),
                done=_("Data dokumen disimpan."),
                form=form,
            )
            if outcome.ok:
                return redirect(url_for("evidence.detail", assessment_id=assessment.id, evidence_id=evidence.id))
        status = 400
    else:
        form.process(obj=evidence)
        form.doc_type.data = evidence.doc_type.value
        form.owner_unit_id.data = evidence.owner_unit_id or 0
        form.version.data = str(evidence.version)
        if isinstance(form, LinkMetadataForm):
            form.access_note.data = ""
    used = service.used_in(evidence)
    can_see_note = perm.can_see_access_note(current_user, evidence, assessment)
    access_note: str | None = None
    if can_see_note and evidence.access_note:
        try:
            access_note = unseal(evidence.access_note)
        except UnsealError:
            access_note = _("(tidak dapat dibuka: kunci rahasia aplikasi telah berubah; isi ulang akun uji)")
    return render_template(
        "evidence/detail.html",
        assessment=assessment,
        evidence=evidence,
        form=form,
        can_edit=can_edit,
        can_see_note=can_see_note,
        access_note=access_note,
        used_in=used,
        comment_panel=evidence_comments(assessment, evidence, thread_id=int_arg("diskusi")),
        file_changed=evidence.current_version is not None
        and service.is_stored_file_problem(evidence.current_version.blob.check_problem),
        replace_form=ReplaceFileForm() if can_edit and evidence.kind == EvidenceKind.FILE else None,
        doc_types=DOC_TYPE_LABELS,
    ), status


@bp.post("/<int:evidence_id>/ganti")
@auth_required()
def replace(assessment_id: int, evidence_id: int) -> Response:
    assessment = assessment_or_404(assessment_id)
    evidence = _evidence(assessment, evidence_id)
    if not perm.can_edit_evidence(current_user, evidence, assessment):
        abort(403)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("Pilih berkas pengganti."), "error")
    else:
        stream, filename = file.stream, file.filename

        def store() -> tuple[int, int | None]:
            version = service.replace_file(
                evidence=evidence,
                stream=stream,
                filename=filename,
                user=current_user,
                storage=_storage(),
                policy=_policy(),
            )
            return version.number, service.pdf_to_check(evidence)

        try:
            outcome = attempt(
                store,
                done=lambda stored: _(
                    "Berkas diganti; versi %(n)s sekarang dipakai, versi lama tetap di riwayat.", n=stored[0]
                ),
            )
        except UploadRejectedError as exc:  # rolled back by attempt; the file is refused, nothing was kept
            flash(exc.message, "error")
        else:
            if outcome.result is not None:
                check_later(outcome.result[1])
    return redirect(url_for("evidence.detail", assessment_id=assessment.id, evidence_id=evidence.id))


@bp.route("/<int:evidence_id>/hapus", methods=["GET", "POST"])
@auth_required()
def delete(assessment_id: int, evidence_id: int) -> str | Response:
    assessment = assessment_or_404(assessment_id)
    evidence = _evidence(assessment, evidence_id)
    if not perm.can_edit_evidence(current_user, evidence, assessment):
        abort(403)
    form = ConfirmForm()
    used = service.used_in(evidence)
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.delete(evidence=evidence, user=current_user),
            done=_("Dokumen “%(title)s” dihapus dari pustaka.", title=evidence.title),
        )
        if outcome.ok:
            return redirect(url_for("evidence.library", assessment_id=assessment.id))
        return redirect(url_for("evidence.detail", assessment_id=assessment.id, evidence_id=evidence.id))
    return render_template("evidence/delete.html", assessment=assessment, evidence=evidence, form=form, used_in=used)


@bp.get("/<int:evidence_id>/unduh")
@bp.get("/<int:evidence_id>/versi/<int:number>/unduh")
@auth_required()
def download(assessment_id: int, evidence_id: int, number: int | None = None) -> Response | tuple[str, int]:
    return _send(assessment_id, evidence_id, number, inline=False)


@bp.get("/<int:evidence_id>/pratinjau")
@auth_required()
def preview(assessment_id: int, evidence_id: int) -> Response | tuple[str, int]:
    return _send(assessment_id, evidence_id, None, inline=True)


def _send(assessment_id: int, evidence_id: int, number: int | None, *, inline: bool) -> Response | tuple[str, int]:
    assessment = assessment_or_404(assessment_id)
    evidence = _evidence(assessment, evidence_id)
    if evidence.kind != EvidenceKind.FILE:
        abort(404)
    version = (
        evidence.current_version if number is None else next((v for v in evidence.versions if v.number == number), None)
    )
    if version is None:
        abort(404)
    return send_evidence(_storage(), version, inline=inline)
