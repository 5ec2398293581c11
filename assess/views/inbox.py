"""“Tugas saya” (my work queue) and the notifications, plus the counts in the navigation bar."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from assess import mail
from assess.extensions import db
from assess.models import Notification
from assess.services import notifications as service
from assess.services.reminders import local_today
from assess.views.boundary import attempt
from assess.views.nav import forget_nav_counts, nav_counts, remember_nav_counts
from assess.views.util import page_arg, safe_next
from forms import BaseForm

log = logging.getLogger(__name__)
bp = Blueprint("inbox", __name__, url_prefix="/saya")
bp.record_once(lambda _state: mail.init_mail())
PER_PAGE = 20


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"nav_counts": nav_counts}


@bp.get("/")
@auth_required()
def my_work() -> str:
    work = service.my_work(current_user)
    remember_nav_counts(work.counts)
    return render_template("inbox/my_work.html", work=work, today=local_today())


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
