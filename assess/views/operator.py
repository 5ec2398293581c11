"""The operator's pages (``/operator/``): every instansi of the deployment, a new instansi with its first admin,
deactivating and reactivating one. Only for operators; everyone else gets a 404, so that the pages are not revealed.
Nothing here shows an instansi's answers, documents or audit trail."""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from assess import permissions as perm
from assess.extensions import db
from assess.models import Instansi, InstansiKind, User
from assess.queries.operation import instansi_rows
from assess.services import operation as service
from assess.views.boundary import attempt
from assess.workflow import ASSESSMENT_STATE_LABELS
from forms.admin import KIND_LABELS, ConfirmForm
from forms.operator import InstansiStartForm

bp = Blueprint("operator", __name__, url_prefix="/operator")


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    return {"can_operate": perm.can_operate(cast(User, current_user))}


def _operator() -> User:
    """The signed-in operator; a 404 for everyone else (never a 403)."""
    user = cast(User, current_user)
    if not perm.can_operate(user):
        abort(404)
    return user


def _instansi(instansi_id: int) -> Instansi:
    instansi = db.session.get(Instansi, instansi_id)
    if instansi is None:
        abort(404)
    return instansi


@bp.get("/")
@auth_required()
def index() -> str:
    _operator()
    return render_template(
        "operator/index.html", rows=instansi_rows(), kind_labels=KIND_LABELS, stage_labels=ASSESSMENT_STATE_LABELS
    )


@bp.route("/instansi/baru", methods=["GET", "POST"])
@auth_required()
def instansi_new() -> Response | str:
    me = _operator()
    form = InstansiStartForm()
    if form.validate_on_submit():
        file = request.files.get("logo")
        logo = None
        if file is not None and file.filename:
            logo = service.Logo(file.stream, file.filename, current_app.extensions["storage"])
        outcome = attempt(
            lambda: service.start_instansi(
                slug=form.slug.data,
                name=form.name.data,
                kind=InstansiKind(form.kind.data),
                admin_email=form.admin_email.data,
                admin_name=form.admin_name.data,
                by=me,
                logo=logo,
            ),
            form=form,
        )
        started = outcome.result
        if started is not None:
            # The one-time link is in this answer only: a later GET shows the list, never the link again.
            page = render_template("operator/started.html", started=started, kind_labels=KIND_LABELS)
            response = make_response(page)
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_template("operator/instansi_new.html", form=form)


def _switch(instansi_id: int, *, active: bool) -> Response | str:
    me = _operator()
    instansi = _instansi(instansi_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        done = (
            _("Instansi %(name)s diaktifkan kembali.", name=instansi.name)
            if active
            else _("Instansi %(name)s dinonaktifkan.", name=instansi.name)
        )
        outcome = attempt(lambda: service.set_instansi_active(instansi=instansi, active=active, by=me), done=done)
        if outcome.ok:
            return redirect(url_for(".index"))
    return render_template("operator/instansi_switch.html", form=form, instansi=instansi, activating=active)


@bp.route("/instansi/<int:instansi_id>/nonaktifkan", methods=["GET", "POST"])
@auth_required()
def instansi_deactivate(instansi_id: int) -> Response | str:
    return _switch(instansi_id, active=False)


@bp.route("/instansi/<int:instansi_id>/aktifkan", methods=["GET", "POST"])
@auth_required()
def instansi_activate(instansi_id: int) -> Response | str:
    return _switch(instansi_id, active=True)
