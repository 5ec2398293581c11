"""Assessments: the list, opening one, the overview with assignment, and answering an indicator."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from assess import display
from assess import permissions as perm
from assess.extensions import db
from assess.instruments import first_year
from assess.models import (
    Answer,
    AnswerState,
    Assessment,
    AssessmentState,
    AuditEntry,
    ButirVerdict,
    CycleStage,
    Evidence,
    EvidenceItem,
    Instansi,
    Instrument,
    RoleName,
    Unit,
    User,
)
from assess.queries import (
    AnswerPage,
    Projection,
    load_answer_page,
    load_assessment,
    overview,
    project_all,
    visible_assessments,
)
from assess.queries.assessments import (
    Choice,
    assignment_choices,
    member_choices,
    members_with_units,
    state_counts,
    unit_people,
)
from assess.queries.corrections import summary as correction_summary
from assess.queries.library import PICKER_LIMIT, Candidate, live_document, picker_documents, picker_text
from assess.queries.open_work import UnitWork, held_by_unit
from assess.queries.stages import timeline
from assess.queries.verdicts import counts_by_indicator, current_verdicts
from assess.services import answers as answer_service
from assess.services import evidence as evidence_service
from assess.services import reminders as reminder_service
from assess.services.assessments import open_assessment
from assess.services.notifications import next_assigned
from assess.services.review import HOLDING
from assess.views.boundary import attempt
from assess.views.panels import answer_comments
from assess.views.uploading import upload_result
from assess.views.util import assessment_or_404, int_arg, safe_next
from assess.workflow import stage_headings
from forms import BaseForm
from forms.admin import ROLE_LABELS
from forms.assessment import (
    AssignForm,
    AssignItemsForm,
    DeadlineForm,
    GradedAnswerForm,
    GradedPreviewForm,
    LevelAnswerForm,
    LinkEvidenceForm,
    OpenAssessmentForm,
    VersionForm,
)
from forms.reminders import ReminderForm

bp = Blueprint("assessments", __name__, url_prefix="/penilaian")
F = TypeVar("F", bound=GradedPreviewForm)
STATES = [s.value for s in AnswerState]


@bp.get("/")
@auth_required()
def index() -> str:
    assessments = db.session.scalars(visible_assessments(current_user)).all()
    can_open = any(perm.can_open_assessment(current_user, m.instansi_id) for m in current_user.memberships)
    return render_template(
        "assessments/index.html",
        assessments=assessments,
        can_open=can_open,
        progress=state_counts([a.id for a in assessments]),
    )


@bp.route("/baru", methods=["GET", "POST"])
@auth_required()
def new() -> str | Response:
    instansi_ids = sorted(
        {m.instansi_id for m in current_user.memberships if perm.can_open_assessment(current_user, m.instansi_id)}
    )
    if not instansi_ids:
        abort(404)
    instansi_id = int_arg("instansi") or instansi_ids[0]
    if instansi_id not in instansi_ids:
        abort(404)
    instansi = db.get_or_404(Instansi, instansi_id)
    rows = db.session.scalars(select(Instrument).order_by(Instrument.code, Instrument.version.desc())).all()
    choices = [
        (
            r.id,
            _("%(title)s — v%(version)s (sementara)", title=r.title, version=r.version)
            if r.provisional
            else _("%(title)s — v%(version)s", title=r.title, version=r.version),
            first_year(r.code),
        )
        for r in rows
    ]
    form = OpenAssessmentForm(instruments=choices)
    if form.validate_on_submit():
        instrument = db.get_or_404(Instrument, form.instrument_id.data)
        outcome = attempt(
            lambda: open_assessment(
                instansi=instansi,
                instrument=instrument,
                year=form.year.data,
                created_by=current_user,
                deadline=form.deadline.data,
            ),
            done=_("Penilaian dibuka. Tugaskan indikator ke unit di bawah ini."),
            form=form,
        )
        if outcome.result is not None:
            return redirect(url_for("assessments.detail", assessment_id=outcome.result.id))
    return render_template("assessments/new.html", form=form, instansi=instansi)


def _filters(assessment: Assessment) -> dict[str, Any]:
    state = request.args.get("state") or None
    return {
        "mine": request.args.get("mine") == "1",
        "unit": int_arg("unit"),
        "state": state if state in STATES else None,
    }


@bp.get("/<int:assessment_id>")
@auth_required()
def detail(assessment_id: int) -> str:
    assessment = assessment_or_404(assessment_id, load_assessment)
    projections = project_all(assessment)
    projection = Projection(projections.instrument, projections.claimed)
    counts = {a.id: a.evidence_count or 0 for a in assessment.answers}
    filters = _filters(assessment)
    mine_ids = {a.id for a in assessment.answers if perm.is_assigned(current_user, a)}
    visible_ids = {
        a.id
        for a in assessment.answers
        if (not filters["mine"] or a.id in mine_ids)
        and (filters["unit"] is None or a.assignee_unit_id == filters["unit"])
        and (filters["state"] is None or a.state.value == filters["state"])
    }
    units = db.session.scalars(
        select(Unit).where(Unit.instansi_id == assessment.instansi_id, Unit.active).order_by(Unit.name)
    ).all()
    progress = _progress(assessment, units)
    can_manage = perm.can_manage_assessment(current_user, assessment)
    can_remind = perm.can_send_reminders(current_user, assessment)
    people, people_units = members_with_units(assessment.instansi_id) if can_manage or can_remind else ([], {})
    assign_form = None
    if can_manage:
        assign_form = _assign_form(assessment, _unit_choices(units), people, user_units=people_units)
    graded = projection.instrument.value_type == "graded"
    verdicts = current_verdicts(assessment.id) if graded else {}
    stages = timeline(assessment, reminder_service.local_today()) if graded else None
    return render_template(
        "assessments/detail.html",
        assessment=assessment,
        instrument=projection.instrument,
        score=projection.score,
        groups=overview(assessment, projection),
        evidence_counts=counts,
        visible_ids=visible_ids,
        mine_ids=mine_ids,
        filters=filters,
        units=units,
        progress=progress,
        can_manage=can_manage,
        assign_form=assign_form,
        deadline_form=DeadlineForm(deadline=assessment.deadline) if can_manage else None,
        states=STATES,
        my_roles=sorted(str(ROLE_LABELS[r]) for r in perm.roles_in(current_user, assessment.instansi_id)),
        projections=projections,
        reviewer_shown=_shown(projections.instrument, projections.reviewer),
        final_shown=_shown(projections.instrument, projections.final),
        can_change_state=perm.can_change_state(current_user, assessment),
        held=_held(assessment),
        can_remind=can_remind,
        remind_people=people if can_remind else [],
        verdicts_per_indicator=counts_by_indicator(assessment, verdicts),
        verdict_totals=Counter(v.verdict.value for v in verdicts.values()),
        can_record_verdicts=graded and perm.can_record_verdicts(current_user, assessment),
        stage_timeline=stages,
        corrections=correction_summary(verdicts, stages.ends_on(CycleStage.KOREKSI)) if stages else None,
        stage_labels=stage_headings(),
        stages_link=url_for("cycles.stages", assessment_id=assessment.id)
        if graded and perm.can_set_stages(current_user, assessment)
        else None,
    )


def _held(assessment: Assessment) -> tuple[AssessmentState, list[UnitWork]] | None:
    """After a change of stage was refused (``?tertahan=reviu|final``): the target and, by unit, the indicators that
    still hold it back, with the people to chase; for the koordinator only."""
    try:
        target = AssessmentState(request.args.get("tertahan", ""))
    except ValueError:
        return None
    if target not in HOLDING or not perm.can_change_state(current_user, assessment):
        return None
    return target, held_by_unit(assessment, HOLDING[target])


def _shown(inst: Any, s: Any) -> dict[str, str]:
    """Per indicator, the value as shown in the overview ("–" when not set)."""
    return {
        code: display.indicator_value(None if code in s.unanswered else s.values[code], inst.value_type)
        for code in inst.indicators
    }


def _progress(assessment: Assessment, units: Sequence[Unit]) -> dict[str, Any]:
    """Answers per state, overall and per unit."""
    overall = Counter(a.state.value for a in assessment.answers)
    per_unit: dict[int | None, Counter[str]] = {}
    for a in assessment.answers:
        per_unit.setdefault(a.assignee_unit_id, Counter())[a.state.value] += 1
    rows = []
    for unit in units:
        c = per_unit.get(unit.id)
        if c:
            rows.append(
                {"unit": unit, "counts": c, "total": sum(c.values()), "done": c["siap_direviu"] + c["disetujui"]}
            )
    unassigned = per_unit.get(None)
    total = len(assessment.answers)
    return {
        "overall": overall,
        "total": total,
        "done": overall["siap_direviu"] + overall["disetujui"],
        "units": rows,
        "unassigned": sum(unassigned.values()) if unassigned else 0,
    }


def _unit_choices(units: Sequence[Unit]) -> list[Choice]:
    return [(u.id, u.short_name or u.name) for u in units]


def _assign_form(
    assessment: Assessment,
    units: list[Choice],
    users: list[Choice] | None = None,
    formdata: Any = None,
    *,
    with_answers: bool = True,
    user_units: Mapping[int, Sequence[int]] | None = None,
) -> AssignForm:
    if users is None:
        users = member_choices(assessment.instansi_id)
    answers = sorted(assessment.answers, key=lambda a: a.indicator.position) if with_answers else []
    return AssignForm(
        formdata=formdata,
        units=units,
        users=users,
        answers=[(a.id, a.indicator.code) for a in answers],
        user_units=user_units,
    )


@bp.post("/<int:assessment_id>/tugaskan")
@auth_required()
def assign(assessment_id: int) -> Response:
    assessment = assessment_or_404(assessment_id, load_assessment)
    if not perm.can_manage_assessment(current_user, assessment):
        abort(403)
    units = db.session.scalars(select(Unit).where(Unit.instansi_id == assessment.instansi_id)).all()
    form = _assign_form(assessment, _unit_choices(units), formdata=request.form)
    if not form.validate():
        flash(_("Penugasan tidak dapat disimpan: periksa pilihan unit dan indikator."), "error")
        return redirect(url_for("assessments.detail", assessment_id=assessment.id))
    chosen = [a for a in assessment.answers if a.id in set(form.answer_ids.data or [])]
    if not chosen:
        flash(_("Pilih paling sedikit satu indikator untuk ditugaskan."), "error")
        return redirect(url_for("assessments.detail", assessment_id=assessment.id))
    unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
    user = db.session.get(User, form.user_id.data) if form.user_id.data else None
    attempt(
        lambda: answer_service.assign(assessment=assessment, answers=chosen, unit=unit, user=user, actor=current_user),
        done=lambda changed: _("%(n)s indikator ditugaskan.", n=len(changed)),
    )
    return redirect(safe_next(url_for("assessments.detail", assessment_id=assessment.id)))


@bp.get("/<int:assessment_id>/anggota-unit")
@auth_required()
def people_of_unit(assessment_id: int) -> Response:
    """The people of one unit of the instansi that an indicator can be assigned to (``?unit=<id>``), for the
    indicator page's assignment form, which lists only the chosen unit's people. Read-only JSON, for whoever assigns."""
    assessment = assessment_or_404(assessment_id)
    if not perm.can_manage_assessment(current_user, assessment):
        abort(403)
    unit_id = int_arg("unit")
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or unit.instansi_id != assessment.instansi_id or not unit.active:
        abort(404)
    return jsonify(
        {"unit": unit.id, "people": [{"id": i, "label": label} for i, label in unit_people(unit.instansi_id, unit.id)]}
    )


@bp.post("/<int:assessment_id>/batas-waktu")
@auth_required()
def set_deadline(assessment_id: int) -> Response:
    assessment = assessment_or_404(assessment_id, load_assessment)
    if not perm.can_manage_assessment(current_user, assessment):
        abort(403)
    form = DeadlineForm()
    if form.validate_on_submit():
        attempt(
            lambda: answer_service.set_deadline(assessment=assessment, deadline=form.deadline.data, actor=current_user),
            done=_("Batas waktu disimpan."),
        )
    else:
        flash(_("Tanggal batas waktu tidak sah."), "error")
    return redirect(url_for("assessments.detail", assessment_id=assessment.id))


@bp.post("/<int:assessment_id>/pengingat")
@auth_required()
def remind(assessment_id: int) -> Response:
    """ "Kirim pengingat" to a unit (everyone of it with unfinished work) or to a person, once a day each."""
    assessment = assessment_or_404(assessment_id, load_assessment)
    if not perm.can_send_reminders(current_user, assessment):
        abort(403)
    back = redirect(safe_next(url_for("assessments.detail", assessment_id=assessment.id)))
    form = ReminderForm()
    if not form.validate_on_submit():
        for message in [*form.form_errors, *(m for errors in form.errors.values() for m in errors)]:
            flash(str(message), "error")
        return back
    unit = user = None
    if form.unit_id.data is not None:
        unit = db.session.get(Unit, form.unit_id.data)
        if unit is None or unit.instansi_id != assessment.instansi_id:
            abort(404)
    else:
        user = db.session.get(User, form.user_id.data)
        if user is None or not perm.is_member(user, assessment.instansi_id):
            abort(404)
    attempt(
        lambda: reminder_service.remind_now(
            assessment=assessment,
            actor=current_user,
            today=reminder_service.local_today(),
            unit=unit,
            user=user,
        ),
        done=_reminded,
    )
    return back


def _reminded(result: reminder_service.Manual) -> str:
    if result.reminded and result.already:
        return _(
            "Pengingat dikirim kepada %(n)s orang; %(m)s orang lain sudah diingatkan hari ini.",
            n=result.reminded,
            m=result.already,
        )
    if result.reminded:
        return _("Pengingat dikirim kepada %(n)s orang.", n=result.reminded)
    if result.already:
        return _("Tidak ada pengingat baru: yang masih punya pekerjaan terbuka sudah diingatkan hari ini.")
    return _("Tidak ada yang perlu diingatkan: tidak ada pekerjaan terbuka.")


# --------------------------------------------------------------------------- one indicator


def _page_or_404(assessment_id: int, code: str) -> AnswerPage:
    loaded = load_answer_page(assessment_id, code)
    if loaded is None or not perm.can_view_assessment(current_user, loaded.answer.assessment):
        abort(404)
    return loaded


def _answer_or_404(assessment_id: int, code: str) -> tuple[Assessment, Answer]:
    answer = _page_or_404(assessment_id, code).answer
    return answer.assessment, answer


def _link_form(
    assessment: Assessment,
    answer: Answer,
    formdata: Any,
    prefix: str = "",
    documents: Sequence[Candidate] = (),
) -> LinkEvidenceForm:
    """Linking a library document to the answer: the picker's candidate ``documents``, the indicator's levels and
    evidence items."""
    from assess.queries.engine import engine_instrument

    inst = engine_instrument(assessment.instrument)
    ind = inst.indicators[answer.indicator.code]
    scale = inst.level_scales[ind.scale]
    form = LinkEvidenceForm(
        formdata=formdata,
        prefix=prefix,
        documents=[(doc.id, doc.title) for doc in documents],
        levels=[(lv.level, f"{lv.level} · {scale.level(lv.level).name}") for lv in ind.levels],
        items=[(item.id, f"{item.code} · {item.text[:80]}") for item in answer.indicator.items if item.kind != "note"],
    )
    if formdata is None and answer.claimed_value is not None:  # a document supports the level claimed, mostly
        claimed = int(answer.claimed_value)
        if any(lv.level == claimed for lv in ind.levels):
            form.level.data = claimed
    return form


@bp.get("/<int:assessment_id>/pustaka/cari")
@auth_required()
def search_documents(assessment_id: int) -> Response:
    """The document picker of the indicator page: at most ``PICKER_LIMIT`` live documents of the assessment whose
    title, number or file name holds ``q`` (the most recent first; without ``q`` the most recent), and the sentence
    the page announces. Read-only JSON, for whoever may read the assessment."""
    assessment = assessment_or_404(assessment_id)
    q = picker_text(request.args.get("q"))
    found = picker_documents(assessment.id, q)
    return jsonify(
        {
            "q": q,
            "results": [
                {"id": doc.id, "title": doc.title, "number": doc.number, "file_name": doc.file_name} for doc in found
            ],
            "status": search_status(len(found), searched=bool(q)),
        }
    )


def search_status(found: int, *, searched: bool) -> str:
    """What the picker says of its candidates: how many matched (or none), or that they are the most recent."""
    if not found:
        return _("Tidak ada dokumen yang cocok.") if searched else _("Pustaka masih kosong.")
    if not searched:
        return _("Dokumen terbaru ditampilkan; ketik untuk mencari dokumen lain.")
    if found >= PICKER_LIMIT:
        return _("Menampilkan %(n)s dokumen pertama yang cocok; ketik lebih banyak untuk mempersempit.", n=found)
    return _("Dokumen yang cocok: %(n)s.", n=found)


def _next_code(assessment: Assessment, answer: Answer) -> str | None:
    """The next indicator assigned to a pengisi (the others' pages keep their query budget: a koordinator has the
    overview, a reviewer the review queue)."""
    if RoleName.PENGISI not in perm.roles_in(current_user, assessment.instansi_id):
        return None
    return next_assigned(current_user, answer)


def _upload_targets(answer: Answer, ind: Any, value_type: str, editable_items: set[int]) -> list[tuple[str, str, int]]:
    """The blocks of the answer page a file can be uploaded from: (block id, field, value) per level, or per butir the
    user may mark."""
    if value_type == "level":
        return [(f"level-{lv.level}", "level", lv.level) for lv in ind.levels]
    return [
        (f"butir-{item.id}", "item_id", item.id)
        for item in answer.indicator.items
        if item.kind != "note" and item.id in editable_items
    ]


def _answer_context(
    assessment: Assessment, answer: Answer, verdicts: Mapping[int, list[ButirVerdict]], **extra: Any
) -> dict[str, Any]:
    from assess.queries.engine import engine_instrument

    inst = engine_instrument(assessment.instrument)
    ind = inst.indicators[answer.indicator.code]
    can_edit = perm.can_edit_answer(current_user, answer, assessment)
    can_upload = can_edit and perm.can_upload_evidence(current_user, assessment)
    doc_search = picker_text(request.args.get(DOC_SEARCH)) if can_edit else ""
    # A level answer links a document once; a graded one once per butir, so a linked document is still offered.
    linked_once = answer.id if inst.value_type == "level" else None
    candidates = picker_documents(assessment.id, doc_search, not_linked_to=linked_once) if can_edit else []
    link_form = _link_form(assessment, answer, formdata=None, documents=candidates) if can_edit else None
    value = None
    if inst.value_type == "graded":
        value = answer_service.graded_answer_value(inst, answer)
    marks = {m.item_id: m for m in answer.items}
    editable_items = {
        item.id
        for item in answer.indicator.items
        if can_edit
        and (marks.get(item.id) is None or perm.can_edit_item(current_user, marks[item.id], answer, assessment))
    }
    saved: dict[str, str] = {"fakta": answer.fakta, "analisis": answer.analisis}
    if inst.value_type == "level":
        saved["level"] = str(int(answer.claimed_value)) if answer.claimed_value is not None else "0"
    else:
        saved.update(
            {
                f"item-{item.id}-note": marks[item.id].note if item.id in marks else ""
                for item in answer.indicator.items
                if item.kind != "note"
            }
        )
    item_units: list[tuple[int, str]] = []
    assign_form = None
    if perm.can_manage_assessment(current_user, assessment):
        unit_choices, user_choices, user_units = assignment_choices(assessment.instansi_id, answer.assignee_unit_id)
        item_units = unit_choices if inst.value_type == "graded" else []
        assign_form = _assign_form(assessment, unit_choices, user_choices, with_answers=False, user_units=user_units)
        assign_form.unit_id.data = answer.assignee_unit_id or 0
        assign_form.user_id.data = answer.assignee_user_id or 0

    def shown(value: Any) -> str:
        if value is not None and inst.value_type == "level" and int(value) >= 1:
            level = int(value)
            return f"{level} · {inst.level_scales[ind.scale].level(level).name}"
        return display.indicator_value(value, inst.value_type)

    return {
        "comment_panel": answer_comments(assessment, answer, thread_id=int_arg("diskusi")),
        "claimed_shown": shown(answer.claimed_value),
        "reviewer_shown": shown(answer.reviewer_value),
        "final_shown": shown(answer.final_value),
        "can_review": perm.can_review(current_user, assessment),
        "can_set_final": perm.can_set_final(current_user, assessment),
        "assign_form": assign_form,
        "item_units": item_units,
        "saved_fields": saved,
        "assessment": assessment,
        "answer": answer,
        "inst": inst,
        "ind": ind,
        "scale": inst.level_scales[ind.scale],
        "can_edit": can_edit,
        "can_withdraw": perm.can_withdraw_answer(current_user, answer, assessment),
        "can_manage": perm.can_manage_assessment(current_user, assessment),
        "link_form": link_form,
        "doc_search": doc_search,
        "doc_search_status": search_status(len(candidates), searched=True) if doc_search else "",
        "doc_search_arg": DOC_SEARCH,
        "picker_limit": PICKER_LIMIT,
        "version_form": VersionForm(formdata=None, version=answer.version),
        "graded_value": value,
        "marks": marks,
        "editable_items": editable_items,
        "checks": answer_service.review_checks(answer) if can_edit else [],
        "next_code": _next_code(assessment, answer),
        "can_upload": can_upload,
        "upload_targets": _upload_targets(answer, ind, inst.value_type, editable_items) if can_upload else [],
        "upload_policy": current_app.extensions["upload_policy"],
        "butir_verdicts": verdicts,
        "can_record_verdicts": inst.value_type == "graded" and perm.can_record_verdicts(current_user, assessment),
        "offers_interview": inst.value_type == "graded"
        and perm.offers_interview_pack(current_user, assessment, answer),
        **extra,
    }


@bp.route("/<int:assessment_id>/indikator/<code>", methods=["GET", "POST"])
@auth_required()
def answer(assessment_id: int, code: str) -> str | Response | tuple[str, int]:
    page = _page_or_404(assessment_id, code)
    ans = page.answer
    assessment = ans.assessment
    graded = assessment.instrument.value_type == "graded"
    if request.method == "POST" and not perm.can_edit_answer(current_user, ans, assessment):
        abort(403)
    if graded:
        return _answer_graded(assessment, ans, page.verdicts)
    return _answer_level(assessment, ans)


def _answer_level(assessment: Assessment, ans: Answer) -> str | Response | tuple[str, int]:
    from assess.queries.engine import engine_instrument

    inst = engine_instrument(assessment.instrument)
    scale = inst.level_scales[inst.indicators[ans.indicator.code].scale]
    levels = [(lv.level, lv.name) for lv in scale.levels]
    form = LevelAnswerForm(levels=levels)
    if request.method == "GET":
        form.version.data = ans.version
        form.level.data = int(ans.claimed_value) if ans.claimed_value is not None else 0
        form.fakta.data, form.analisis.data = ans.fakta, ans.analisis
    elif form.validate_on_submit():
        submitted = {"level": form.level.data, "fakta": form.fakta.data, "analisis": form.analisis.data}
        saved = _save(
            assessment,
            ans,
            form,
            submitted,
            lambda: answer_service.save_level_answer(
                actor=current_user,
                answer=ans,
                expected_version=int(form.version.data),
                level=form.level.data or None,
                fakta=form.fakta.data or "",
                analisis=form.analisis.data or "",
            ),
        )
        if saved is not None:
            return saved
    status = 400 if request.method == "POST" else 200
    return render_template("assessments/answer.html", form=form, **_answer_context(assessment, ans, {})), status


def _item_form(form_class: type[F], ans: Answer) -> F:
    return form_class.for_items(item.id for item in ans.indicator.items if item.kind != "note")


def _answer_graded(
    assessment: Assessment, ans: Answer, verdicts: Mapping[int, list[ButirVerdict]]
) -> str | Response | tuple[str, int]:
    form = _item_form(GradedAnswerForm, ans)
    if request.method == "GET":
        form.version.data = ans.version
        form.fakta.data, form.analisis.data = ans.fakta, ans.analisis
        form.source_value.show(ans.source_value)
    elif form.validate_on_submit():
        items = [answer_service.ItemInput(mark.item_id, mark.fulfilled, mark.note) for mark in form.marks()]
        marks = {m.item_id: m for m in ans.items}
        editable = [
            item.id
            for item in ans.indicator.items
            if marks.get(item.id) is None or perm.can_edit_item(current_user, marks[item.id], ans, assessment)
        ]
        saved = _save(
            assessment,
            ans,
            form,
            {"fakta": form.fakta.data, "analisis": form.analisis.data},
            lambda: answer_service.save_graded_answer(
                actor=current_user,
                answer=ans,
                expected_version=int(form.version.data),
                items=items,
                source_value=form.source_value.decimal,
                fakta=form.fakta.data or "",
                analisis=form.analisis.data or "",
                editable_item_ids=editable,
                update_source="source_value" in request.form,
            ),
        )
        if saved is not None:
            return saved
    status = 400 if request.method == "POST" else 200
    page = render_template("assessments/answer.html", form=form, **_answer_context(assessment, ans, verdicts))
    return page, status


#: The fields of an upload from the answer page ("unggah-level", "unggah-item_id"): apart from the answer form's.
UPLOAD_PREFIX = "unggah"
#: The block of the answer page the user saved from (an element id the page's script sends as ``tempat``).
PLACE = re.compile(r"[a-z][a-z0-9-]{0,40}")
#: What a save of the answer form goes on to (its button's ``lanjut``): mark it ready for review, or open the next
#: indicator assigned to the user.
THEN_SUBMIT, THEN_NEXT = "ajukan", "berikutnya"
#: The indicator page's query argument searching the library for a document to link (the picker without JavaScript).
DOC_SEARCH = "cari_dokumen"


def _place(default: str = "answer-form") -> str:
    place = request.form.get("tempat", "")
    return place if PLACE.fullmatch(place) else default


def _answer_url(assessment: Assessment, code: str, place: str | None = None) -> str:
    return url_for("assessments.answer", assessment_id=assessment.id, code=code, _anchor=place)


def _save(
    assessment: Assessment, ans: Answer, form: BaseForm, submitted: dict[str, Any], save: Callable[[], Answer]
) -> Response | tuple[str, int] | None:
    """Save an answer, then, as its button asks, mark it ready for review (when no check blocks it) or go on to the
    next indicator assigned to the user; one commit. Back to the block of the page it was saved from, the conflict
    page when someone saved first, ``None`` on a refusal (its reasons are then on the form)."""
    then = request.form.get("lanjut", "")

    def save_then() -> tuple[list[answer_service.CheckResult], bool]:
        saved = save()
        if then != THEN_SUBMIT:
            return [], False
        results = answer_service.review_checks(saved)
        if any(r.action == "block" for r in results):
            return results, False
        warnings = answer_service.submit_for_review(answer=saved, expected_version=saved.version, actor=current_user)
        return warnings, True

    try:
        outcome = attempt(save_then, quiet=True)
    except StaleDataError:
        return _conflict(assessment, ans, submitted)
    if isinstance(outcome.refusal, answer_service.ConflictError):
        return _conflict(assessment, ans, outcome.refusal.submitted)
    if not outcome.ok or outcome.result is None:
        form.populate_errors(outcome.errors)
        return None
    results, ready = outcome.result
    code = ans.indicator.code
    if ready:
        for result in results:
            flash(result.message, "warning")
        flash(_("Jawaban diajukan untuk direviu."), "success")
        return redirect(_answer_url(assessment, code))
    flash(_("Jawaban disimpan."), "success")
    if then == THEN_SUBMIT:
        for result in results:
            flash(result.message, "error" if result.action == "block" else "warning")
        flash(_("Jawaban belum dapat diajukan untuk direviu."), "error")
        return redirect(_answer_url(assessment, code, "ajukan"))
    if then == THEN_NEXT and (next_code := next_assigned(current_user, ans)) is not None:
        return redirect(_answer_url(assessment, next_code))
    return redirect(_answer_url(assessment, code, _place()))


def _conflict(assessment: Assessment, ans: Answer, submitted: dict[str, Any]) -> tuple[str, int]:
    """The conflict page; it says whether the save that came first was the user's own (another tab or window)."""
    db.session.refresh(ans)
    last_actor = db.session.scalar(
        select(AuditEntry.actor_id)
        .where(AuditEntry.object_type.in_(("answer", "review", "assignment")), AuditEntry.object_id == ans.id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return render_template(
        "assessments/conflict.html",
        assessment=assessment,
        answer=ans,
        submitted=submitted,
        version=ans.version,
        by_me=last_actor is not None and last_actor == current_user.id,
    ), 409


def _back(assessment: Assessment, ans: Answer, place: str | None = None) -> Response:
    return redirect(_answer_url(assessment, ans.indicator.code, place))


@bp.post("/<int:assessment_id>/indikator/<code>/nilai")
@auth_required()
def graded_preview(assessment_id: int, code: str) -> dict[str, Any] | tuple[dict[str, Any], int]:
    """The value the engine derives from the marks in the (unsaved) form, as the page shows it: nothing is written."""
    from assess.queries.engine import engine_instrument

    assessment, ans = _answer_or_404(assessment_id, code)
    if assessment.instrument.value_type != "graded":
        abort(404)
    inst = engine_instrument(assessment.instrument)
    form = _item_form(GradedPreviewForm, ans)
    if not form.validate_on_submit():
        return {"display": display.NONE, "error": next(iter(_form_errors(form)), "")}, 400
    codes = {item.id: item.code for item in ans.indicator.items}
    ticked = {codes[mark.item_id] for mark in form.marks() if mark.fulfilled}
    outcome = attempt(
        lambda: answer_service.preview_value(
            inst, ans.indicator.code, source_value=form.source_value.decimal, ticked=ticked
        ),
        quiet=True,
        reads_only=True,
    )
    if not outcome.ok:
        return {"display": display.NONE, "error": outcome.errors[0][1]}, 400
    return {"display": display.number(outcome.result)}


def _form_errors(form: BaseForm) -> list[str]:
    return [str(message) for messages in form.errors.values() for message in messages]


@bp.post("/<int:assessment_id>/indikator/<code>/ajukan")
@auth_required()
def submit(assessment_id: int, code: str) -> Response | tuple[str, int]:
    assessment, ans = _answer_or_404(assessment_id, code)
    if not perm.can_edit_answer(current_user, ans, assessment):
        abort(403)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(
        lambda: answer_service.submit_for_review(
            answer=ans, expected_version=int(form.version.data), actor=current_user
        ),
        quiet=True,
    )
    refusal = outcome.refusal
    if isinstance(refusal, answer_service.ReviewBlockedError):
        for result in refusal.results:
            flash(result.message, "error" if result.action == "block" else "warning")
        flash(refusal.message, "error")
    elif isinstance(refusal, answer_service.ConflictError):
        flash(_("Jawaban ini sudah diubah orang lain. Periksa versi terbaru lalu ajukan lagi."), "error")
    elif refusal is not None:
        for _field, message in outcome.errors:
            flash(message, "error")
    else:
        for result in outcome.result or []:
            flash(result.message, "warning")
        flash(_("Jawaban diajukan untuk direviu."), "success")
    return _back(assessment, ans)


@bp.post("/<int:assessment_id>/indikator/<code>/tarik")
@auth_required()
def withdraw(assessment_id: int, code: str) -> Response:
    assessment, ans = _answer_or_404(assessment_id, code)
    if not perm.can_withdraw_answer(current_user, ans, assessment):
        abort(403)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    attempt(
        lambda: answer_service.withdraw(answer=ans, expected_version=int(form.version.data), actor=current_user),
        done=_("Jawaban ditarik kembali menjadi draf."),
    )
    return _back(assessment, ans)


@bp.post("/<int:assessment_id>/indikator/<code>/tautan")
@auth_required()
def add_link(assessment_id: int, code: str) -> Response:
    assessment, ans = _answer_or_404(assessment_id, code)
    if not perm.can_edit_answer(current_user, ans, assessment):
        abort(403)
    form = _link_form(assessment, ans, formdata=request.form)
    if not form.validate_on_submit():
        if form.evidence_id.errors:
            flash(_("Pilih dokumen dari pustaka."), "error")
        for name, messages in form.errors.items():
            if name != "evidence_id":
                for message in messages:
                    flash(message, "error")
        return _back(assessment, ans)
    evidence = live_document(assessment.id, form.evidence_id.data)
    if evidence is None:
        flash(_("Dokumen tidak ditemukan di pustaka penilaian ini."), "error")
        return _back(assessment, ans, "data-dukung")
    item = db.session.get(EvidenceItem, form.item_id.data) if form.item_id.data else None
    level = form.level.data or None
    note = form.note.data or ""
    attempt(
        lambda: evidence_service.link(
            answer=ans, evidence=evidence, level=level, item=item, note=note, user=current_user
        ),
        done=_("Dokumen ditautkan."),
    )
    return _back(assessment, ans, "data-dukung")


@bp.post("/<int:assessment_id>/indikator/<code>/unggah")
@auth_required()
def upload_evidence(assessment_id: int, code: str) -> Response | tuple[Response, int]:
    """Upload a file from the indicator's page: into the library and linked to the answer in one step, at the level
    (SPBE) or butir (Pemdi) where the upload was started. JSON for the page's script; a redirect to that block
    otherwise."""
    assessment, ans = _answer_or_404(assessment_id, code)
    if not (perm.can_edit_answer(current_user, ans, assessment) and perm.can_upload_evidence(current_user, assessment)):
        abort(403)
    graded = assessment.instrument.value_type == "graded"
    form = _link_form(assessment, ans, formdata=request.form, prefix=UPLOAD_PREFIX)
    del form.evidence_id
    file = request.files.get("files")
    name = (file.filename or "") if file is not None else ""
    place = _place("data-dukung")
    if file is None or not name:
        result: dict[str, Any] = {"name": "", "ok": False, "code": "empty", "message": _("Pilih berkas.")}
    elif not form.validate_on_submit():
        result = {"name": name, "ok": False, "code": "invalid", "message": " ".join(_form_errors(form))}
    else:
        item = db.session.get(EvidenceItem, form.item_id.data) if graded and form.item_id.data else None
        mark = next((m for m in ans.items if item is not None and m.item_id == item.id), None)
        if mark is not None and not perm.can_edit_item(current_user, mark, ans, assessment):
            abort(403)
        level = None if graded else (form.level.data or None)
        owner = ans.assignee_unit_id if ans.assignee_unit_id in perm.unit_ids(current_user) else None
        storage, policy = current_app.extensions["storage"], current_app.extensions["upload_policy"]
        stream = file.stream

        def store() -> tuple[Evidence, dict[str, Any]]:
            linked = evidence_service.upload_and_link(
                answer=ans,
                stream=stream,
                filename=name,
                level=level,
                item=item,
                user=current_user,
                storage=storage,
                policy=policy,
                owner_unit_id=owner,
            )
            supports = (
                linked.link.item.code
                if linked.link.item
                else _("Level %(n)s", n=linked.link.level)
                if linked.link.level
                else "–"
            )
            return linked.evidence, {"existing": linked.existing, "supports": supports}

        result = upload_result(assessment, name, store)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"results": [result]}), (200 if result["ok"] else 400)
    if result["ok"]:
        if result["existing"]:
            flash(
                _("Berkas sudah ada di pustaka sebagai “%(title)s”; dokumen itu ditautkan.", title=result["title"]),
                "success",
            )
        else:
            flash(_("Diunggah dan ditautkan: %(title)s", title=result["title"]), "success")
    else:
        flash(_("%(name)s: %(message)s", name=name, message=result["message"]) if name else result["message"], "error")
    return _back(assessment, ans, place)


@bp.post("/<int:assessment_id>/indikator/<code>/tautan/<int:link_id>/lepas")
@auth_required()
def remove_link(assessment_id: int, code: str, link_id: int) -> Response:
    assessment, ans = _answer_or_404(assessment_id, code)
    if not perm.can_edit_answer(current_user, ans, assessment):
        abort(403)
    attempt(
        lambda: evidence_service.unlink(answer=ans, link_id=link_id, actor=current_user),
        done=_("Tautan dokumen dilepas."),
    )
    return _back(assessment, ans, "data-dukung")


@bp.post("/<int:assessment_id>/indikator/<code>/butir/tugaskan")
@auth_required()
def assign_items(assessment_id: int, code: str) -> Response:
    assessment, ans = _answer_or_404(assessment_id, code)
    if not perm.can_manage_assessment(current_user, assessment):
        abort(403)
    form = AssignItemsForm(items=[item.id for item in ans.indicator.items if item.kind != "note"])
    if not form.validate_on_submit() or not form.item_ids.data:
        flash(_("Pilih paling sedikit satu butir."), "error")
        return _back(assessment, ans)
    item_ids = list(form.item_ids.data)
    unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
    user = db.session.get(User, form.user_id.data) if form.user_id.data else None
    attempt(
        lambda: answer_service.assign_items(
            assessment=assessment, answer=ans, item_ids=item_ids, unit=unit, user=user, actor=current_user
        ),
        done=lambda n: _("%(n)s butir ditugaskan.", n=n),
    )
    return _back(assessment, ans)
