"""Following an invitation: a new user sets their own password (no sign-in needed; the link is the key)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from assess.services import invitations as service
from assess.views.boundary import attempt
from forms.accounts import SetPasswordForm

bp = Blueprint("invitations", __name__)


@bp.route("/undangan/<token>", methods=["GET", "POST"])
def accept(token: str) -> Response | tuple[str, int]:
    invitation = service.find(token)
    if invitation is None:
        return render_template("invitations/gone.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.accept(token=token, password=form.password.data, confirm=form.confirm.data), form=form
        )
        if outcome.ok:
            flash(_("Kata sandi Anda tersimpan. Silakan masuk dengan surel dan kata sandi itu."), "success")
            return redirect(url_for("security.login"))
    status = 400 if form.errors else 200
    return render_template("invitations/accept.html", form=form, invitation=invitation), status
