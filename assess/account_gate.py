"""Accounts beyond signing in: a password someone else set must be changed; a password reset by e-mail.

An admin who creates an account with a password, or resets one, sets ``User.must_change_password``. Until
the user has changed it, every request but those of :data:`ALWAYS_OPEN` is sent to Flask-Security's
change-password page (which says why). Changing the password (or resetting it from an e-mailed link)
clears the flag.

A reset by e-mail (Flask-Security's recoverable, on when SMTP is configured) ends every sign-in of the user,
and its link works for an active user only.

Two-factor sign-in: Flask-Security sends a user whose role requires it (``TWO_FACTOR_REQUIRED_ROLES``, see
``User.check_tf_required``) to set it up before signing them in. A user already signed in when the rule came into
force is sent to the setup page from every other page (:data:`TWO_FACTOR_OPEN` stays open) until it is set up.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_security import current_user, password_changed, password_reset
from flask_security.recoverable import reset_password_token_status

from assess.extensions import db
from assess.models import User
from assess.sessions import revoke_all

#: Endpoints open to a user who must change their password: the change itself, signing out, the language,
#: static files (and the favicon), the CSRF refresh and the health check.
ALWAYS_OPEN = frozenset(
    {
        "security.change_password",
        "security.logout",
        "security.static",
        "static",
        "main.csrf_token",
        "main.favicon",
        "main.healthz",
        "main.set_language",
    }
)

#: Endpoints open to a signed-in user who must set two-factor up first: the setup and its confirmation (with the
#: password asked again when the sign-in is old), the QR code, the recovery codes, and what is always open.
TWO_FACTOR_OPEN = ALWAYS_OPEN | {
    "security.two_factor_setup",
    "security.two_factor_setup_validate",
    "security.two_factor_token_validation",
    "security.mf_recovery_codes",
    "security.verify",
    "account.two_factor_qr",
}


def init_app(app: Flask) -> None:
    app.before_request(_require_password_change)
    app.before_request(_require_two_factor)
    password_changed.connect(_changed, app)
    password_reset.connect(_changed, app)
    password_reset.connect(_end_sign_ins, app)
    reset_view = app.view_functions.get("security.reset_password")
    if reset_view is not None:
        app.view_functions["security.reset_password"] = _active_users_only(reset_view)
    if "security.two_factor_rescue" in app.view_functions:
        # Rescue by e-mail (a code, or a message to an administrator's address) is off: recovery codes are the rescue.
        app.view_functions["security.two_factor_rescue"] = _recovery_code_instead
        validate_view = app.view_functions["security.two_factor_token_validation"]
        app.view_functions["security.two_factor_token_validation"] = _no_sign_out_on_get(validate_view)


def _require_password_change() -> Any:
    if request.endpoint is None or request.endpoint in ALWAYS_OPEN:
        return None
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    return redirect(url_for("security.change_password"))


def _require_two_factor() -> Any:
    if request.endpoint is None or request.endpoint in TWO_FACTOR_OPEN or not current_user.is_authenticated:
        return None
    if current_user.must_change_password or current_user.tf_primary_method:
        return None
    if not current_user.two_factor_required_by_role():
        return None
    return redirect(url_for("security.two_factor_setup"))


def _recovery_code_instead() -> Any:
    return redirect(url_for("security.mf_recovery"))


def _no_sign_out_on_get(view: Any) -> Any:
    """Flask-Security signs out a signed-in user who opens the code page with no new phone being confirmed; a GET
    changes nothing here (a link or a reload would sign them out): it goes to the setup page instead."""

    @wraps(view)
    def wrapped() -> Any:
        confirming = session.get("tf_state") == "validating_profile"
        if request.method == "GET" and current_user.is_authenticated and not confirming:
            return redirect(url_for("security.two_factor_setup"))
        return view()

    return wrapped


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
