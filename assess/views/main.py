"""Home, language choice, the health check and what the top bar shows."""

from __future__ import annotations

import io
import logging
from typing import Any

from flask import Blueprint, abort, current_app, has_request_context, redirect, request, send_file, session, url_for
from flask_security import auth_required, current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import text
from werkzeug.wrappers import Response

from assess.extensions import db
from assess.models import Instansi
from assess.permissions import can_administer_any, is_member
from assess.services.admin import LOGO_POLICY
from assess.views.downloads import StoredFileChangedError, changed_page, read_verified
from assess.views.util import safe_next

log = logging.getLogger(__name__)
bp = Blueprint("main", __name__)


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    """What the top bar of every page may link to, decided by the permission predicates."""
    if not has_request_context():
        return {"can_administer": False}
    return {"can_administer": bool(current_user.is_authenticated and can_administer_any(current_user))}


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
def instansi_logo(instansi_id: int) -> Response | tuple[str, int]:
    """The instansi's logo, for its own members and its pembina (others get 404)."""
    instansi = db.session.get(Instansi, instansi_id)
    if instansi is None or not instansi.logo_key or not is_member(current_user, instansi.id):
        abort(404)
    key = instansi.logo_key
    try:  # the key is the logo's SHA-256: bytes changed behind the application's back are not sent
        data = read_verified(current_app.extensions["storage"], key, key.rsplit("/", 1)[-1], LOGO_POLICY.max_bytes)
    except StoredFileChangedError as changed:
        log.warning("logo instansi %s tidak dikirim: %s", instansi.id, changed.problem)
        return changed_page()
    response = send_file(
        io.BytesIO(data),
        mimetype=instansi.logo_mime or "application/octet-stream",
        max_age=0,
        conditional=True,
        etag=key.rsplit("/", 1)[-1],
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/healthz")
def healthz() -> tuple[dict[str, object], int]:
    """The database answers, and the free space of the evidence store and its staging directory (MiB).

    Below ``DISK_MIN_FREE_MB`` on either, ``"disk": "low"`` and a warning in the log, but still 200: a full disk
    only refuses uploads (507, nothing kept) while every page and download still works, so a load balancer must
    not take the instance out of service for it; monitoring alerts on the field.
    """
    db.session.execute(text("SELECT 1"))
    free = current_app.extensions["storage"].free_space()
    free_mb = {name: n // (1024 * 1024) for name, n in free.items()}
    minimum = current_app.config["DISK_MIN_FREE_MB"]
    low = sorted(name for name, mb in free_mb.items() if mb < minimum)
    if low:
        log.warning("ruang disk hampir habis (%s): %s MiB bebas, batas %s MiB", ", ".join(low), free_mb, minimum)
    return {"status": "ok", "disk": "low" if low else "ok", "free_mb": free_mb}, 200
