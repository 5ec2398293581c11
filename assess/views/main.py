"""Home, language choice and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_wtf.csrf import generate_csrf
from sqlalchemy import text
from werkzeug.wrappers import Response

from assess.extensions import db
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


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}, 200
