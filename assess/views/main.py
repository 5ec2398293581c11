"""Home, language choice, the health check and what the top bar shows."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, has_request_context, redirect, request, send_file, session, url_for
from flask_security import auth_required, current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import text
from werkzeug.wrappers import Response

from assess import jobs
from assess.extensions import db
from assess.models import Instansi
from assess.permissions import can_administer_any, is_member
from assess.services.admin import LOGO_POLICY
from assess.views.boundary import attempt
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
    """The signed-in user's landing page (:func:`assess.views.account.landing`); the sign-in first for others, which
    then comes back to it rather than to the assessment list."""
    return redirect(url_for("account.landing"))


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on their own: the icon is the SVG in static (pages link it too)."""
    return redirect(url_for("static", filename="favicon.svg"))


@bp.post("/bahasa")
def set_language() -> Response:
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(url_for("main.home")))


@bp.post("/sesi/tetap-masuk")
def keep_signed_in() -> tuple[dict[str, Any], int]:
    """"Tetap masuk" in the warning before a sign-in ends: it counts as used now; the seconds it has left."""
    from assess import sessions

    left = attempt(sessions.keep_alive, quiet=True).result if current_user.is_authenticated else None
    if left is None:
        return {"ok": False, "code": "session_lost", "login_url": url_for("security.login")}, 401
    return {"ok": True, "expires_in": left}, 200


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
    """Whether this instance can serve: the database answers, the job queue can be read, the evidence store keeps
    what is written to it. Each part says ``"status": "ok"`` or ``"error"`` with the exception's class (never its
    message: it may name a host or a URL); any part in error answers 503, for a load balancer to take the instance
    out of service. The queue also says how many jobs wait, how long the oldest has waited (seconds) and how many
    are scheduled for later (retries).

    Beside them the free space of the evidence store and its staging directory (MiB): below ``DISK_MIN_FREE_MB`` on
    either, ``"disk": "low"`` and a warning in the log, but still 200: a full disk only refuses uploads (507, nothing
    kept) while every page and download still works; monitoring alerts on the field.
    """
    storage = current_app.extensions["storage"]
    checks: dict[str, dict[str, object]] = {
        "database": _check("database", lambda: db.session.execute(text("SELECT 1"))),
        "queue": _check("queue", jobs.queue_health),
        "storage": _check("storage", storage.probe),
    }
    failing = [name for name, check in checks.items() if check["status"] != "ok"]
    body: dict[str, object] = {"status": "error" if failing else "ok", **checks}
    if checks["storage"]["status"] == "ok":
        free_mb = {name: n // (1024 * 1024) for name, n in storage.free_space().items()}
        minimum = current_app.config["DISK_MIN_FREE_MB"]
        low = sorted(name for name, mb in free_mb.items() if mb < minimum)
        if low:
            log.warning("ruang disk hampir habis (%s): %s MiB bebas, batas %s MiB", ", ".join(low), free_mb, minimum)
        body.update(disk="low" if low else "ok", free_mb=free_mb)
    return body, 503 if failing else 200


def _check(part: str, probe: Callable[[], object]) -> dict[str, object]:
    """Run one part's probe: ``ok`` with what it returned (a mapping), or ``error`` with the exception's class."""
    try:
        found = probe()
    except Exception as exc:  # whatever fails, the answer says which part and the log says why
        log.error("healthz: %s gagal: %s: %s", part, type(exc).__name__, exc)
        return {"status": "error", "error": type(exc).__name__}
    return {"status": "ok", **(found if isinstance(found, dict) else {})}
