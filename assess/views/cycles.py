"""Year to year: the XLSX workbook (export, import back), and the official result with its follow-up; the Pemdi
evaluation cycle after the self-assessment: its stages with their dates, and the interview pack."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
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
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assess import permissions as perm
from assess.charts import trend_points
from assess.extensions import db
from assess.models import Answer, Assessment, CycleStage, FollowUp, Instrument
from assess.models.base import utcnow
from assess.queries import load_assessment, visible_assessments
from assess.queries.engine import engine_instrument
from assess.queries.stages import stage_dates, timeline
from assess.services import carry_over as carry_over_service
from assess.services import crosswalk as crosswalk_service
from assess.services import cycle as cycle_service
from assess.services import cycles as trend_service
from assess.services import interview as interview_service
from assess.services import official as official_service
from assess.services import spreadsheets
from assess.services.exports import folders
from assess.services.reminders import local_today
from assess.views.boundary import attempt
from assess.views.util import assessment_or_404
from assess.workflow import stage_headings
from forms.cycles import (
    ApplyImportForm,
    CarryOverForm,
    CrosswalkForm,
    FollowUpDoneForm,
    OfficialUploadForm,
    SpreadsheetUploadForm,
    StagesForm,
)
from reports import interview

bp = Blueprint("cycles", __name__)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INDICATOR_CODE = re.compile(r"I[0-9]{1,3}")


def _instrument_label(instrument: Instrument) -> str:
    return _(
        "%(code)s v%(version)s · %(title)s", code=instrument.code, version=instrument.version, title=instrument.title
    )


def _editor(assessment: Assessment) -> Callable[[Answer], bool]:
    def can_edit(answer: Answer) -> bool:
        return perm.can_edit_answer(current_user, answer, assessment)

    return can_edit


@bp.get("/penilaian/<int:assessment_id>/ekspor.xlsx")
@auth_required()
def export_xlsx(assessment_id: int) -> Response:
    assessment = assessment_or_404(assessment_id, load_assessment)
    data = spreadsheets.export_xlsx(assessment)
    name = f"penilaian-{assessment.instansi.slug}-{assessment.instrument.code}-{assessment.year}.xlsx"
    return Response(
        data,
        mimetype=XLSX_MIME,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.route("/penilaian/<int:assessment_id>/impor", methods=["GET", "POST"])
@auth_required()
def import_xlsx(assessment_id: int) -> str | tuple[str, int]:
    assessment = assessment_or_404(assessment_id, load_assessment)
    form = SpreadsheetUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        parsed = attempt(
            lambda: spreadsheets.parse_import(assessment, data, _editor(assessment)), form=form, reads_only=True
        )
        preview = parsed.result
        if preview is None:
            return render_template("cycles/import.html", assessment=assessment, form=form), 400
        token = spreadsheets.sign_changes(assessment, preview.changes, current_app.config["SECRET_KEY"])
        apply_form = ApplyImportForm(token=token)
        return render_template(
            "cycles/import_preview.html", assessment=assessment, preview=preview, apply_form=apply_form
        )
    return render_template("cycles/import.html", assessment=assessment, form=form)


@bp.post("/penilaian/<int:assessment_id>/impor/terapkan")
@auth_required()
def apply_import(assessment_id: int) -> Response:
    assessment = assessment_or_404(assessment_id, load_assessment)
    form = ApplyImportForm()
    if not form.validate_on_submit():
        abort(400)
    secret = current_app.config["SECRET_KEY"]

    def apply() -> spreadsheets.ApplyResult:
        changes = spreadsheets.load_signed(assessment, form.token.data or "", secret)
        return spreadsheets.apply_import(assessment, changes, actor=current_user, can_edit=_editor(assessment))

    result = attempt(apply).result
    if result is None:
        return redirect(url_for("cycles.import_xlsx", assessment_id=assessment.id))
    flash(_("%(n)s indikator diperbarui dari berkas.", n=len(result.applied)), "success")
    if result.conflicts:
        flash(_("Konflik, tidak diterapkan: %(codes)s", codes=", ".join(result.conflicts)), "error")
    if result.refused:
        flash(_("Tidak boleh Anda ubah: %(codes)s", codes=", ".join(result.refused)), "error")
    for error in result.errors:
        flash(error, "error")
    return redirect(url_for("assessments.detail", assessment_id=assessment.id))


def _official_page(assessment: Assessment, form: OfficialUploadForm, status: int = 200) -> tuple[str, int]:
    follow_ups = official_service.follow_ups(assessment.id)
    page = render_template(
        "cycles/official.html",
        assessment=assessment,
        form=form,
        comparison=official_service.comparison(assessment),
        follow_ups=follow_ups,
        units={u.id: u.name for u in assessment.instansi.units},
        can_import=perm.can_manage_assessment(current_user, assessment),
        closable={f.id for f in follow_ups if perm.can_close_follow_up(current_user, assessment, f.owner_unit_id)},
    )
    return page, status


@bp.post("/penilaian/<int:assessment_id>/tindak-lanjut/<int:follow_up_id>/selesai")
@auth_required()
def follow_up_done(assessment_id: int, follow_up_id: int) -> Response:
    assessment = assessment_or_404(assessment_id, load_assessment)
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None or follow_up.assessment_id != assessment.id:
        abort(404)
    if not perm.can_close_follow_up(current_user, assessment, follow_up.owner_unit_id):
        abort(403)
    form = FollowUpDoneForm()
    if not form.validate_on_submit():
        abort(400)
    done = form.done.data == "1"
    attempt(
        lambda: official_service.set_follow_up_done(assessment, follow_up, done=done, actor=current_user),
        done=_("Tindak lanjut ditandai selesai.") if done else _("Tindak lanjut dibuka kembali."),
    )
    return redirect(url_for("cycles.official", assessment_id=assessment.id))


@bp.get("/penilaian/<int:assessment_id>/hasil-resmi")
@auth_required()
def official(assessment_id: int) -> tuple[str, int]:
    return _official_page(assessment_or_404(assessment_id, load_assessment), OfficialUploadForm())


@bp.post("/penilaian/<int:assessment_id>/hasil-resmi")
@auth_required()
def official_preview(assessment_id: int) -> tuple[str, int]:
    assessment = assessment_or_404(assessment_id, load_assessment)
    if not perm.can_manage_assessment(current_user, assessment):
        abort(403)
    form = OfficialUploadForm()
    if not form.validate_on_submit():
        return _official_page(assessment, form, 400)
    data, filename = form.file.data.read(), form.file.data.filename or ""
    preview = attempt(
        lambda: official_service.parse_official(assessment, data, filename), form=form, reads_only=True
    ).result
    if preview is None:
        return _official_page(assessment, form, 400)
    token = official_service.sign_rows(assessment, preview.rows, current_app.config["SECRET_KEY"])
    page = render_template(
        "cycles/official_preview.html", assessment=assessment, preview=preview, apply_form=ApplyImportForm(token=token)
    )
    return page, 200


@bp.post("/penilaian/<int:assessment_id>/hasil-resmi/terapkan")
@auth_required()
def official_apply(assessment_id: int) -> Response:
    assessment = assessment_or_404(assessment_id, load_assessment)
    if not perm.can_manage_assessment(current_user, assessment):
        abort(403)
    form = ApplyImportForm()
    if not form.validate_on_submit():
        abort(400)
    secret = current_app.config["SECRET_KEY"]

    def apply() -> tuple[int, int]:
        rows = official_service.load_signed(assessment, form.token.data or "", secret)
        return len(rows), official_service.apply_official(assessment, rows, actor=current_user)

    attempt(
        apply, done=lambda counts: _("%(n)s nilai resmi disimpan, %(f)s tindak lanjut baru.", n=counts[0], f=counts[1])
    )
    return redirect(url_for("cycles.official", assessment_id=assessment.id))


@bp.route("/penilaian/<int:assessment_id>/tahun-berikutnya", methods=["GET", "POST"])
@auth_required()
def carry_over(assessment_id: int) -> str | Response | tuple[str, int]:
    previous = assessment_or_404(assessment_id, load_assessment)
    if not perm.can_open_assessment(current_user, previous.instansi_id):
        abort(403)
    instruments = db.session.scalars(
        select(Instrument)
        .where(Instrument.code == previous.instrument.code, Instrument.version >= previous.instrument.version)
        .order_by(Instrument.version.desc())
    ).all()
    form = CarryOverForm()
    form.instrument_id.choices = [(i.id, _instrument_label(i)) for i in instruments]
    if form.validate_on_submit():
        instrument = next(i for i in instruments if i.id == form.instrument_id.data)
        new = attempt(
            lambda: carry_over_service.open_from_previous(previous=previous, instrument=instrument, actor=current_user),
            done=lambda opened: _("Penilaian tahun %(year)s dibuka dari tahun sebelumnya.", year=opened.year),
            form=form,
        ).result
        if new is not None:
            return redirect(url_for("cycles.recheck", assessment_id=new.id))
    return render_template("cycles/carry_over.html", assessment=previous, form=form)


@bp.get("/penilaian/<int:assessment_id>/dicek-ulang")
@auth_required()
def recheck(assessment_id: int) -> str:
    assessment = assessment_or_404(assessment_id, load_assessment)
    rows = carry_over_service.recheck_rows(assessment)
    return render_template("cycles/recheck.html", assessment=assessment, rows=rows)


@bp.get("/instansi/<int:instansi_id>/tren")
@auth_required()
def trend(instansi_id: int) -> str:
    assessments = list(
        db.session.scalars(visible_assessments(current_user).where(Assessment.instansi_id == instansi_id)).unique()
    )
    if not assessments:
        abort(404)
    rows = trend_service.trend(assessments)
    by_instrument: dict[str, list[trend_service.TrendRow]] = {}
    for row in rows:
        by_instrument.setdefault(row.instrument, []).append(row)
    charts = {code: trend_points([row.best.index for row in group]) for code, group in by_instrument.items()}
    return render_template(
        "cycles/trend.html", instansi=assessments[0].instansi, by_instrument=by_instrument, charts=charts
    )


@bp.route("/penilaian/<int:assessment_id>/crosswalk", methods=["GET", "POST"])
@auth_required()
def crosswalk(assessment_id: int) -> str | Response | tuple[str, int]:
    previous = assessment_or_404(assessment_id, load_assessment)
    if not perm.can_open_assessment(current_user, previous.instansi_id):
        abort(403)
    targets = sorted(
        p.stem.split("_", 1)[1] for p in crosswalk_service.CROSSWALK_DIR.glob(f"{previous.instrument.code}_*.yaml")
    )
    instruments = db.session.scalars(
        select(Instrument).where(Instrument.code.in_(targets)).order_by(Instrument.code, Instrument.version.desc())
    ).all()
    if not instruments:
        abort(404)
    form = CrosswalkForm()
    form.instrument_id.choices = [(i.id, _instrument_label(i)) for i in instruments]
    if request.method == "GET":
        form.year.data = crosswalk_service.default_year(previous, instruments[0])
    if form.validate_on_submit():
        instrument = next(i for i in instruments if i.id == form.instrument_id.data)
        year = form.year.data or crosswalk_service.default_year(previous, instrument)
        new = attempt(
            lambda: crosswalk_service.open_crosswalk(
                previous=previous, instrument=instrument, year=year, actor=current_user
            ),
            done=_("Penilaian %(code)s dibuka; data dukung ditautkan menurut crosswalk.", code=instrument.code),
            form=form,
        ).result
        if new is not None:
            return redirect(url_for("cycles.recheck", assessment_id=new.id))
    return render_template("cycles/crosswalk.html", assessment=previous, form=form)


# --------------------------------------------------------------------------- the evaluation cycle (Pemdi)


def _graded_or_404(assessment_id: int) -> Assessment:
    """A Pemdi assessment the user reads; an SPBE one has no evaluation cycle (404)."""
    assessment = assessment_or_404(assessment_id)
    if assessment.instrument.value_type != "graded":
        abort(404)
    return assessment


def _stages_form(assessment: Assessment) -> StagesForm:
    """The form as stored (a GET), or as posted."""
    if request.method == "POST":
        return StagesForm()
    form = StagesForm(formdata=None, stage=assessment.stage.value)
    for stage, row in stage_dates(assessment.id).items():
        getattr(form, cycle_service.starts_field(stage)).data = row.starts_on
        getattr(form, cycle_service.ends_field(stage)).data = row.ends_on
    return form


@bp.route("/penilaian/<int:assessment_id>/tahapan", methods=["GET", "POST"])
@auth_required()
def stages(assessment_id: int) -> Response | tuple[str, int]:
    """The cycle's stages with their dates: the koordinator (or admin) sets them, everyone else reads them."""
    assessment = _graded_or_404(assessment_id)
    can_set = perm.can_set_stages(current_user, assessment)
    if request.method == "POST" and not can_set:
        abort(403)
    form = _stages_form(assessment) if can_set else None
    offers_pack = perm.offers_interview_pack(current_user, assessment)
    pack = interview_service.status(assessment.id) if offers_pack else None
    status = 200
    if form is not None and request.method == "POST":
        if form.validate():
            dates = {s: cycle_service.StageDates(*pair) for s, pair in form.dates().items()}
            outcome = attempt(
                lambda: cycle_service.set_stages(
                    assessment=assessment,
                    stage=CycleStage(form.stage.data),
                    dates=dates,
                    actor=current_user,
                    confirm_back=bool(form.confirm_back.data),
                ),
                done=lambda changed: _("Tahapan evaluasi disimpan.") if changed else _("Tidak ada yang berubah."),
                form=form,
            )
            if outcome.ok:
                return redirect(url_for("cycles.stages", assessment_id=assessment.id))
        status = 400
    page = render_template(
        "cycles/stages.html",
        assessment=assessment,
        form=form,
        timeline=timeline(assessment, local_today()),
        stage_labels=stage_headings(),
        stage_fields=[
            (s, getattr(form, cycle_service.starts_field(s)), getattr(form, cycle_service.ends_field(s)))
            for s in CycleStage
        ]
        if form is not None
        else [],
        indicator_codes=list(engine_instrument(assessment.instrument).indicators) if offers_pack else [],
        pack=_pack_status(pack) if offers_pack else None,
        pack_ready=offers_pack and interview_service.zip_path(assessment.id) is not None,
        pack_finished=datetime.fromtimestamp(pack.finished_at, UTC)
        if offers_pack and pack and pack.finished_at
        else None,
    )
    return page, status


def _download(data: bytes, mimetype: str, name: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/penilaian/<int:assessment_id>/wawancara/<code>.pdf")
@auth_required()
def interview_pdf(assessment_id: int, code: str) -> Response:
    """One indicator's sheet of the interview pack."""
    assessment = _graded_or_404(assessment_id)
    if not INDICATOR_CODE.fullmatch(code):
        abort(404)
    pdf = interview.indicator_pdf(interview.collect(assessment.id, generated_at=utcnow()), code)
    if pdf is None:
        abort(404)
    return _download(pdf, "application/pdf", f"wawancara-{assessment.instansi.slug}-{assessment.year}-{code}.pdf")


def _pack_status(found: interview_service.PackStatus | None) -> dict[str, Any]:
    """What the pack's progress box shows (also the JSON the page polls, in the shape of the export's)."""
    if found is None:
        return {"active": False, "state": None, "state_label": "", "percent": 0, "progress_text": ""}
    labels = {
        interview_service.RUNNING: _("sedang dibuat"),
        interview_service.DONE: _("selesai"),
        interview_service.FAILED: _("gagal"),
    }
    return {
        "active": found.active,
        "state": found.state,
        "state_label": labels[found.state],
        "percent": found.percent,
        "progress_text": _("%(done)s dari %(total)s indikator", done=found.done, total=found.total)
        if found.total
        else _("menyiapkan…"),
    }


@bp.post("/penilaian/<int:assessment_id>/wawancara/paket")
@auth_required()
def interview_start(assessment_id: int) -> Response:
    """Build the whole interview pack in the background (the koordinator or admin)."""
    assessment = _graded_or_404(assessment_id)
    if not perm.offers_interview_pack(current_user, assessment):
        abort(403)
    attempt(
        lambda: interview_service.request_pack(assessment.id),
        done=_("Paket wawancara dibuat di latar belakang; halaman ini menunjukkan kemajuannya."),
    )
    return redirect(url_for("cycles.stages", assessment_id=assessment.id, _anchor="wawancara"))


@bp.get("/penilaian/<int:assessment_id>/wawancara/status")
@auth_required()
def interview_status(assessment_id: int) -> Response:
    assessment = _graded_or_404(assessment_id)
    response = jsonify(_pack_status(interview_service.status(assessment.id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/penilaian/<int:assessment_id>/wawancara/paket-wawancara.zip")
@auth_required()
def interview_zip(assessment_id: int) -> Response:
    """The whole interview pack, as last built: one ``I{n}.pdf`` per indicator."""
    assessment = _graded_or_404(assessment_id)
    path = interview_service.zip_path(assessment.id)
    if path is None:
        abort(404)
    store = folders()
    try:
        store.size(path)
    except FileNotFoundError:
        abort(404)
    local = store.local_path(path)
    source: Any = local if local is not None else store.open(path)
    response = send_file(
        source,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"paket-wawancara-{assessment.instansi.slug}-{assessment.year}.zip",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
