"""What a signed-in user must do before anything else: change a password someone else set.

An admin who creates an account with a password, or resets one, sets ``User.must_change_password``. Until
the user has changed it, every request but those of :data:`ALWAYS_OPEN` is sent to Flask-Security's
change-password page (which says why). Changing the password (or resetting it from an e-mailed link)
clears the flag.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, request, url_for
from flask_security import current_user, password_changed, password_reset

from assess.extensions import db
from assess.models import User

#: Endpoints open to a user who must change their password: the change itself, signing out, the language,
#: static files, the CSRF refresh and the health check.
ALWAYS_OPEN = frozenset(
    {
        "security.change_password",
        "security.logout",
        "security.static",
        "static",
        "main.csrf_token",
        "main.healthz",
        "main.set_language",
    }
)


def init_app(app: Flask) -> None:
    app.before_request(_require_password_change)
    password_changed.connect(_changed, app)
    password_reset.connect(_changed, app)


def _require_password_change() -> Any:
    if request.endpoint is None or request.endpoint in ALWAYS_OPEN:
        return None
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    return redirect(url_for("security.change_password"))


def _changed(_app: Flask, user: User, **_extra: Any) -> None:
    """The user set a password of their own (Flask-Security's view commits after the request)."""
    if user.must_change_password:
        user.must_change_password = False
        db.session.flush()
