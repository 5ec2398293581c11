"""The signed-in user's own account: where they land after signing in."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from assess.queries.landing import landing as landing_for

bp = Blueprint("account", __name__)


@bp.get("/mulai")
@auth_required()
def landing() -> Response:
    """Flask-Security's ``SECURITY_POST_LOGIN_VIEW`` (a ``next`` parameter of the sign-in goes first)."""
    where = landing_for(current_user)
    return redirect(url_for(where.endpoint, **where.values))
