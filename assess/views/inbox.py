"""“Tugas saya” (my work queue) and the notifications, plus the counts in the navigation bar."""

from __future__ import annotations

import logging
import time
from dataclasses import astuple
from typing import Any, cast

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from assess import mail
from assess.extensions import db
from assess.models import Notification
from assess.services import notifications as service
from assess.services.notifications import WorkCounts
from assess.views.boundary import attempt
from assess.views.util import page_arg, safe_next
from forms import BaseForm

log = logging.getLogger(__name__)
bp = Blueprint("inbox", __name__, url_prefix="/saya")
bp.record_once(lambda _state: mail.init_mail())
PER_PAGE = 20
#: Where the navigation badges are kept between pages (session) and within one (``g``).
NAV_KEY = "nav_counts"


def nav_counts() -> WorkCounts | None:
    """The navigation badges, only for a signed-in user and only when a page shows them.

    Counting is one query; the result is kept in the session for ``NAV_COUNTS_TTL`` seconds, so most pages
    cost no query at all (the page budget is 8). The "Tugas saya" page and marking notifications read
    refresh it at once.
    """
    if not getattr(current_user, "is_authenticated", False):
        return None
    if NAV_KEY in g:
        return cast(WorkCounts, g.get(NAV_KEY))
    ttl = current_app.config.get("NAV_COUNTS_TTL") or 0
    kept = session.get(NAV_KEY)
    if ttl and isinstance(kept, dict) and kept.get("user") == current_user.id and time.time() - kept.get("at", 0) < ttl:
        counts = WorkCounts(*kept["counts"])
    else:
        try:
            counts = service.work_counts(current_user)
        except SQLAlchemyError:  # e.g. the error page of a failed transaction: show it without badges
            log.warning("jumlah tugas untuk navigasi tidak dapat dihitung", exc_info=True)
            return None
        remember_nav_counts(counts)
    setattr(g, NAV_KEY, counts)
    return counts


def remember_nav_counts(counts: WorkCounts) -> None:
    setattr(g, NAV_KEY, counts)
    session[NAV_KEY] = {"user": current_user.id, "at": time.time(), "counts": list(astuple(counts))}


def forget_nav_counts() -> None:
    """Count the badges again on the next page (call after a change to the user's own work)."""
    g.pop(NAV_KEY, None)
    session.pop(NAV_KEY, None)


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"nav_counts": nav_counts}


@bp.get("/")
@auth_required()
def my_work() -> str:
    work = service.my_work(current_user)
    remember_nav_counts(work.counts)
    return render_template("inbox/my_work.html", work=work)


@bp.get("/notifikasi")
@auth_required()
def notifications() -> str:
    page = page_arg()
    pagination = service.notifications_page(current_user, page=page, per_page=PER_PAGE)
    return render_template("inbox/notifications.html", pagination=pagination, form=BaseForm())


def _own_notification(notification_id: int) -> Notification:
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    return note


def _target(note: Notification) -> str:
    """The page a notification is about (a path on this site), else the notifications page."""
    return note.url if note.url.startswith("/") and not note.url.startswith("//") else url_for(".notifications")


def _mark_read(note_ids: list[int] | None) -> int | None:
    """Mark the user's notifications read (the given ones, or all) and count the badges again."""
    outcome = attempt(lambda: service.mark_read(user=current_user, ids=note_ids))
    forget_nav_counts()
    return outcome.result


@bp.route("/notifikasi/<int:notification_id>", methods=["GET", "POST"])
@auth_required()
def open_notification(notification_id: int) -> Response:
    """Follow a notification to its page. The list posts here, which marks it read on the way; a plain link (an
    old bookmark) only leads there and changes nothing."""
    note = _own_notification(notification_id)
    if request.method == "POST":
        if not BaseForm().validate_on_submit():
            abort(400)
        if note.read_at is None:
            _mark_read([note.id])
    return redirect(_target(note))


@bp.post("/notifikasi/<int:notification_id>/dibaca")
@auth_required()
def mark_read(notification_id: int) -> Response:
    if not BaseForm().validate_on_submit():
        abort(400)
    note = _own_notification(notification_id)
    _mark_read([note.id])
    return redirect(safe_next(url_for(".notifications")))


@bp.post("/notifikasi/dibaca-semua")
@auth_required()
def mark_all_read() -> Response:
    if not BaseForm().validate_on_submit():
        abort(400)
    n = _mark_read(None) or 0
    flash(_("%(n)s notifikasi ditandai dibaca.", n=n), "success")
    return redirect(safe_next(url_for(".notifications")))
