"""The dashboard (where the index stands, the target and the gap) and the what-if mode with named scenarios."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from assess import charts, display
from assess import permissions as perm
from assess.extensions import db
from assess.instruments import Instrument
from assess.models import Assessment, ButirVerdict, OfficialValue, Scenario
from assess.queries import claimed_values, load_assessment, project_all
from assess.queries.verdicts import Verified, counts_by_indicator, current_verdicts, verdicts_exist, verified
from assess.scoring import Score, score
from assess.services import planning
from assess.views.boundary import attempt
from assess.views.util import assessment_or_404, int_arg
from forms.planning import ScenarioForm, TargetForm, WhatIfForm

bp = Blueprint("dashboard", __name__, url_prefix="/penilaian")
#: The comparison's side holding the value from the butir the asesor accepted.
VERIFIED = "terverifikasi"


def _progress(assessment: Assessment) -> dict[str, Any]:
    """Answers per state, overall and per unit (the units loaded with the answers: no query)."""
    overall = Counter(a.state.value for a in assessment.answers)
    per_unit: dict[str, Counter[str]] = {}
    for a in assessment.answers:
        unit = a.assignee_unit
        label = (unit.short_name or unit.name) if unit is not None else _("belum ditugaskan")
        per_unit.setdefault(label, Counter())[a.state.value] += 1
    return {"overall": overall, "total": len(assessment.answers), "units": sorted(per_unit.items())}


def _verified(assessment: Assessment, inst: Instrument) -> tuple[Verified | None, dict[int, ButirVerdict]]:
    """The value from the butir the asesor accepted, once a verdict is recorded (graded instruments only), and the
    counted verdicts."""
    if inst.value_type != "graded":
        return None, {}
    verdicts = current_verdicts(assessment.id)
    return (verified(inst, assessment, verdicts) if verdicts else None), verdicts


def _verified_rows(inst: Instrument, claimed: Score, checked: Verified, counts: dict[str, Any]) -> list[dict[str, Any]]:
    """Per indicator: the claimed (mandiri) value beside the verified one, with the butir judged."""

    def shown(s: Score, code: str) -> str:
        return display.indicator_value(None if code in s.unanswered else s.values[code], inst.value_type)

    return [
        {
            "code": code,
            "name": ind.short_name,
            "claimed": shown(claimed, code),
            "verified": shown(checked.score, code),
            "counts": counts.get(code),
        }
        for code, ind in inst.indicators.items()
    ]


@bp.get("/<int:assessment_id>/dasbor")
@auth_required()
def show(assessment_id: int) -> str:
    assessment = assessment_or_404(assessment_id, load_assessment)
    projections = project_all(assessment)
    inst, claimed = projections.instrument, projections.claimed
    values = claimed_values(inst, assessment)
    links = planning.linked_documents(assessment.id)
    target = planning.get_target(assessment.id)
    prefer = {link.code for link in links}
    form = None
    if perm.can_set_target(current_user, assessment):
        form = TargetForm(
            predikats=[b.name for b in inst.bands],
            target_index=target.target_index if target else None,
            target_predikat=(target.target_predikat or "") if target else "",
        )
    official_rows = db.session.scalars(select(OfficialValue).where(OfficialValue.assessment_id == assessment.id)).all()
    official = None
    if official_rows:  # once KemenPANRB's result is imported, it stands beside the other three
        official = score(
            inst, {r.indicator_code: Fraction(r.value) for r in official_rows}, assessment.predikat_basis.value
        )
    checked, verdicts = _verified(assessment, inst)
    verified_rows = _verified_rows(inst, claimed, checked, counts_by_indicator(assessment, verdicts)) if checked else []
    return render_template(
        "dashboard/show.html",
        assessment=assessment,
        instrument=inst,
        projections=projections,
        official=official,
        verified=checked,
        verified_rows=verified_rows,
        radar_chart=charts.radar([(a.name, a.value) for a in claimed.aspects.values()], inst.scale_max),
        bar_chart_data=charts.bars(planning.bar_values(inst, claimed), inst.scale_max),
        coverage=planning.coverage(inst, values, links),
        progress=_progress(assessment),
        target=target,
        gap=planning.gap(inst, claimed, target),
        plans=planning.plans(inst, values, claimed, target, prefer),
        target_form=form,
    )


@bp.post("/<int:assessment_id>/target")
@auth_required()
def set_target(assessment_id: int) -> Response:
    assessment = assessment_or_404(assessment_id, load_assessment)
    if not perm.can_set_target(current_user, assessment):
        abort(403)
    inst = project_all(assessment).instrument
    form = TargetForm(predikats=[b.name for b in inst.bands])
    if form.validate_on_submit():
        attempt(
            lambda: planning.set_target(
                assessment=assessment,
                inst=inst,
                target_index=form.target_index.data,
                target_predikat=form.target_predikat.data or None,
                actor=current_user,
            ),
            done=_("Target disimpan."),
        )
    else:
        for message in [*form.form_errors, *(e for errs in form.errors.values() for e in errs if isinstance(e, str))]:
            flash(message, "error")
    return redirect(url_for("dashboard.show", assessment_id=assessment.id))


def _base(assessment: Assessment) -> tuple[Instrument, str, dict[str, Fraction | None]]:
    projections = project_all(assessment)
    inst = projections.instrument
    return inst, projections.claimed.basis, claimed_values(inst, assessment)


def _submitted(
    inst: Instrument,
    claimed: dict[str, Fraction | None],
    items: dict[str, list[planning.WhatIfItem]],
    values: WhatIfForm,
) -> tuple[dict[str, Fraction | None], list[str]]:
    changes, errors = planning.parse_values(inst, planning.changed_input(inst, claimed, values.typed()))
    from_items, item_errors = planning.item_changes(inst, items, values.ticked())
    return {**changes, **from_items}, errors + item_errors


@bp.route("/<int:assessment_id>/simulasi", methods=["GET", "POST"])
@auth_required()
def whatif(assessment_id: int) -> str | Response:
    assessment = assessment_or_404(assessment_id, load_assessment)
    inst, basis, claimed = _base(assessment)
    scenarios = planning.list_scenarios(assessment.id)
    items = planning.whatif_items(inst, assessment)
    values = dict(claimed)
    errors: list[str] = []
    form = ScenarioForm(formdata=None)
    loaded = None
    ticked: set[str] | None = None
    if request.method == "POST":
        submitted = WhatIfForm.build(inst.indicators, (item.id for group in items.values() for item in group))
        ticked = submitted.ticked()
        changes, errors = _submitted(inst, claimed, items, submitted)
        values = planning.overlay(claimed, changes)
        if submitted.action.data == "simpan" and not errors:
            form = ScenarioForm()
            if not perm.can_save_scenario(current_user, assessment):
                abort(403)
            if form.validate_on_submit():
                outcome = attempt(
                    lambda: planning.save_scenario(
                        assessment=assessment,
                        name=form.name.data or "",
                        changes=planning.differing(claimed, values),
                        actor=current_user,
                    ),
                    done=_("Skenario disimpan."),
                    form=form,
                )
                if outcome.ok and outcome.result is not None:
                    return redirect(
                        url_for("dashboard.whatif", assessment_id=assessment.id, skenario=outcome.result.id)
                    )
    elif (sid := int_arg("skenario")) is not None:
        loaded = next((s for s in scenarios if s.id == sid), None)
        if loaded is None:
            abort(404)
        values = planning.overlay(claimed, planning.scenario_values(loaded))
    current = score(inst, values, basis)
    target = planning.get_target(assessment.id)
    prefer = {link.code for link in planning.linked_documents(assessment.id)}
    return render_template(
        "dashboard/whatif.html",
        assessment=assessment,
        instrument=inst,
        values=values,
        claimed=claimed,
        result=current,
        claimed_score=score(inst, claimed, basis),
        errors=errors,
        form=form,
        scenarios=scenarios,
        loaded=loaded,
        plans=planning.plans(inst, values, current, target, prefer),
        can_save=perm.can_save_scenario(current_user, assessment),
        input_value=planning.input_value,
        items=items,
        ticked=ticked,
        has_verdicts=inst.value_type == "graded" and verdicts_exist(assessment.id),
    )


@bp.post("/<int:assessment_id>/simulasi/hitung")
@auth_required()
def compute(assessment_id: int) -> Response | tuple[Response, int]:
    assessment = assessment_or_404(assessment_id, load_assessment)
    inst, basis, claimed = _base(assessment)
    body = request.get_json(silent=True) or {}
    raw = body.get("values") if isinstance(body, dict) else None
    if not isinstance(raw, dict):
        return jsonify({"errors": [_("Data simulasi tidak sah.")]}), 400
    ticked = body.get("items", [])
    if not isinstance(ticked, list):
        return jsonify({"errors": [_("Data simulasi tidak sah.")]}), 400
    changes, errors = planning.parse_values(inst, planning.changed_input(inst, claimed, raw))
    from_items, item_errors = planning.item_changes(inst, planning.whatif_items(inst, assessment), ticked)
    changes, errors = {**changes, **from_items}, errors + item_errors
    if errors:
        return jsonify({"errors": errors}), 400
    return jsonify(planning.result_json(inst, score(inst, planning.overlay(claimed, changes), basis)))


def _scenario_or_404(assessment: Assessment, scenario_id: int) -> Scenario:
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None or scenario.assessment_id != assessment.id:
        abort(404)
    return scenario


@bp.post("/<int:assessment_id>/simulasi/skenario/<int:scenario_id>/hapus")
@auth_required()
def delete_scenario(assessment_id: int, scenario_id: int) -> Response:
    assessment = assessment_or_404(assessment_id, load_assessment)
    if not perm.can_save_scenario(current_user, assessment):
        abort(403)
    scenario = _scenario_or_404(assessment, scenario_id)
    attempt(
        lambda: planning.delete_scenario(assessment=assessment, scenario=scenario, actor=current_user),
        done=_("Skenario dihapus."),
    )
    return redirect(url_for("dashboard.whatif", assessment_id=assessment.id))


@bp.get("/<int:assessment_id>/simulasi/banding")
@auth_required()
def compare(assessment_id: int) -> str:
    assessment = assessment_or_404(assessment_id, load_assessment)
    inst, basis, claimed = _base(assessment)
    scenarios = {s.id: s for s in planning.list_scenarios(assessment.id)}

    checked = None

    def side(key: str | None) -> tuple[str, dict[str, Fraction | None]]:
        nonlocal checked
        if not key or key == "klaim":
            return _("Nilai klaim"), dict(claimed)
        if key == VERIFIED:
            checked = checked or _verified(assessment, inst)[0]
            if checked is None:
                abort(404)
            return _("Nilai terverifikasi"), dict(checked.values)
        if not key.isdigit() or int(key) not in scenarios:
            abort(404)
        s = scenarios[int(key)]
        return s.name, planning.overlay(claimed, planning.scenario_values(s))

    comparison = planning.compare(inst, basis, side(request.args.get("kiri")), side(request.args.get("kanan")))
    return render_template(
        "dashboard/compare.html",
        assessment=assessment,
        instrument=inst,
        comparison=comparison,
        scenarios=list(scenarios.values()),
        left=request.args.get("kiri", "klaim"),
        right=request.args.get("kanan", "klaim"),
        verified=checked,
    )
