"""Accounts beyond signing in: a password someone else set must be changed; a password reset by e-mail.

An admin who creates an account with a password, or resets one, sets ``User.must_change_password``. Until
the user has changed it, every request but those of :data:`ALWAYS_OPEN` is sent to Flask-Security's
change-password page (which says why). Changing the password (or resetting it from an e-mailed link)
clears the flag.

A reset by e-mail (Flask-Security's recoverable, on when SMTP is configured) ends every sign-in of the user,
and its link works for an active user only.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Flask, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_security import current_user, password_changed, password_reset
from flask_security.recoverable import reset_password_token_status

from assess.extensions import db
from assess.models import User
from assess.sessions import revoke_all

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
    password_reset.connect(_end_sign_ins, app)
    reset_view = app.view_functions.get("security.reset_password")
    if reset_view is not None:
        app.view_functions["security.reset_password"] = _active_users_only(reset_view)


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


def _end_sign_ins(_app: Flask, user: User, **_extra: Any) -> None:
    """A password reset from an e-mailed link: whoever was signed in as the user (with the old password) is out."""
    revoke_all(user)


def _active_users_only(view: Any) -> Any:
    """The reset link of a deactivated account is refused as an unknown one."""

    @wraps(view)
    def wrapped(token: str) -> Any:
        _expired, _invalid, user = reset_password_token_status(token)
        if user is not None and not user.active:
            flash(_("Tautan atur ulang kata sandi ini tidak berlaku. Mintalah tautan baru."), "error")
            return redirect(url_for("security.forgot_password"))
        return view(token=token)

    return wrapped
