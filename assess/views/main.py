"""Home, language choice and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from sqlalchemy import text
from werkzeug.wrappers import Response

from assess.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> Response:
    return redirect(url_for("assessments.index"))


@bp.post("/bahasa")
def set_language() -> Response:
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.form.get("next") or ""
    # Only same-site paths: never an absolute or protocol-relative URL.
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.home")
    return redirect(target)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}, 200
