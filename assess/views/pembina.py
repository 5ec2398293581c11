"""The pembina's pages: the groups they oversee, and one group's open assessments side by side (sortable, XLSX).

A pembina holds no role in the group's instansi: through :func:`assess.permissions.pembina_of` the read checks
(``can_view_assessment``, ``is_member``) let them read each instansi's pages as a ``pembaca`` would, and every
predicate that allows a change stays false. Opening an instansi's overview or dashboard that way is recorded in its
audit trail (``pembina.view``) by a job, after the page is served: the GET itself writes nothing
(:func:`record_drill_in`).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from assess import jobs
from assess import permissions as perm
from assess.extensions import db
from assess.models import Assessment, InstansiGroup
from assess.queries.pembina import DEFAULT_SORT, SORT_KEYS, STAGES, comparison, group_by_slug, groups_of
from assess.services.groups import comparison_xlsx
from assess.workflow import answer_state_label

bp = Blueprint("pembina", __name__, url_prefix="/pembina")

#: The pages whose opening by a pembina is recorded in the instansi's audit trail.
RECORDED_ENDPOINTS = frozenset({"assessments.detail", "dashboard.show"})
DESCENDING = "turun"


def _group_or_404(group_slug: str) -> InstansiGroup:
    """The group, for its pembina only: anyone else (an operator too) gets a 404, as for another instansi."""
    group = group_by_slug(group_slug)
    if group is None or not perm.can_oversee(current_user, group):
        abort(404)
    return group


def _sort() -> tuple[str, bool]:
    column = request.args.get("urut", DEFAULT_SORT)
    return (column if column in SORT_KEYS else DEFAULT_SORT), request.args.get("arah") == DESCENDING


@bp.get("/")
@auth_required()
def index() -> str:
    groups = groups_of(current_user)
    if not groups:
        abort(404)
    return render_template("pembina/index.html", groups=groups)


@bp.get("/<group_slug>/")
@auth_required()
def compare(group_slug: str) -> str:
    group = _group_or_404(group_slug)
    column, descending = _sort()
    return render_template(
        "pembina/compare.html",
        group=group,
        rows=comparison(group, date.today(), column, descending),
        stages=[(state.value, answer_state_label(state)) for state in STAGES],
        column=column,
        descending=descending,
    )


@bp.get("/<group_slug>/perbandingan.xlsx")
@auth_required()
def export(group_slug: str) -> Response:
    group = _group_or_404(group_slug)
    column, descending = _sort()
    data = comparison_xlsx(group, comparison(group, date.today(), column, descending))
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="perbandingan-{group.slug}.xlsx"'
    return response


@bp.after_app_request
def record_drill_in(response: Response) -> Response:
    """Hand a pembina's opening of an instansi's overview or dashboard to a job that records it in that instansi's
    audit trail. Only a page served (200) to a signed-in user holding no role in the instansi counts: such a user
    read it as a pembina (anyone else got a 404). The assessment is already in the request's session: no query."""
    if request.endpoint not in RECORDED_ENDPOINTS or response.status_code != 200:
        return response
    if not getattr(current_user, "is_authenticated", False) or request.view_args is None:
        return response
    assessment = db.session.get(Assessment, request.view_args["assessment_id"])
    if assessment is not None and not perm.roles_in(current_user, assessment.instansi_id):
        jobs.record_pembina_view(current_user.id, assessment.id)
    return response
