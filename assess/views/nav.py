"""The navigation badges (open work and unread notifications): counted once, kept in the session for a while."""

from __future__ import annotations

import logging
import time
from dataclasses import astuple
from typing import cast

from flask import current_app, g, session
from flask_security import current_user
from sqlalchemy.exc import SQLAlchemyError

from assess.services import notifications as service
from assess.services.notifications import WorkCounts

log = logging.getLogger(__name__)

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
