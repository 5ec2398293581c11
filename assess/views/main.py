"""Home, language choice and the health check."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, send_file, session, url_for
from flask_security import auth_required, current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import text
from werkzeug.wrappers import Response

from assess.extensions import db
from assess.models import Instansi
from assess.permissions import roles_in
from assess.views.util import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> Response:
    return redirect(url_for("assessments.index"))


@bp.post("/bahasa")
def set_language() -> Response:
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(url_for("main.home")))


@bp.get("/csrf")
def csrf_token() -> dict[str, str]:
    """A fresh CSRF token, fetched by pages that stay open for a long time."""
    return {"token": generate_csrf()}


@bp.get("/instansi/<int:instansi_id>/logo")
@auth_required()
def instansi_logo(instansi_id: int) -> Response:
    """The instansi's logo, for its own members only (others get 404)."""
    instansi = db.session.get(Instansi, instansi_id)
    if instansi is None or not instansi.logo_key or not roles_in(current_user, instansi.id):
        abort(404)
    storage = current_app.extensions["storage"]
    path = storage.local_path(instansi.logo_key)
    response = send_file(
        path if path is not None else storage.open(instansi.logo_key),
        mimetype=instansi.logo_mime or "application/octet-stream",
        max_age=0,
        conditional=True,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}, 200
