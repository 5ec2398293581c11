"""The list of assessments a user may see, and one assessment's overview with the live index."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_security import auth_required, current_user

from assess.extensions import db
from assess.permissions import can_view_assessment, roles_in
from assess.queries import load_assessment, overview, project, visible_assessments

bp = Blueprint("assessments", __name__, url_prefix="/penilaian")


@bp.get("/")
@auth_required()
def index() -> str:
    assessments = db.session.scalars(visible_assessments(current_user)).all()
    return render_template("assessments/index.html", assessments=assessments)


@bp.get("/<int:assessment_id>")
@auth_required()
def detail(assessment_id: int) -> str:
    assessment = load_assessment(assessment_id)
    if assessment is None or not can_view_assessment(current_user, assessment):
        abort(404)
    projection = project(assessment)
    return render_template(
        "assessments/detail.html",
        assessment=assessment,
        instrument=projection.instrument,
        score=projection.score,
        groups=overview(assessment, projection),
        my_roles=sorted(r.value for r in roles_in(current_user, assessment.instansi_id)),
    )
