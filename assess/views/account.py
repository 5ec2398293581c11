"""The signed-in user's own account: where they land after signing in; the QR code of two-factor setup."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, abort, current_app, redirect, session, url_for
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


@bp.get("/akun/dua-langkah/qr.svg")
def two_factor_qr() -> Response:
    """The QR code of the authenticator key being set up, as SVG (the CSP allows no ``data:`` image). Flask-Security
    keeps the pending key in the session (``tf_totp_secret``, encrypted) until a code confirms it; without one, 404.
    During a sign-in that must set two-factor up first the user is not signed in yet: ``tf_user_id`` names them."""
    secret = session.get("tf_totp_secret")
    if session.get("tf_state") != "validating_profile" or not secret:
        abort(404)
    state = current_app.extensions["security"]
    user = current_user if current_user.is_authenticated else None
    if user is None and session.get("tf_user_id"):
        user = state.datastore.find_user(fs_uniquifier=str(session["tf_user_id"]))
    if user is None:
        abort(404)
    uri = state.totp_factory.get_totp_uri(user.calc_username(), secret)
    out = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, border=2).save(out)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response
