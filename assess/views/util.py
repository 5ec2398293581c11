"""Small helpers shared by the views."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import flash, request

from assess.errors import DomainError
from assess.extensions import db

T = TypeVar("T")


def safe_next(default: str) -> str:
    """The ``next`` target of a form if it is a path on this site, else ``default`` (never an open redirect).

    Control characters and whitespace are refused outright: browsers and Werkzeug drop some of them
    (``/\\t/evil.example`` would become ``//evil.example``).
    """
    target = request.values.get("next") or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


#: Page numbers beyond this are treated as the last reachable page (a huge number would overflow SQL).
MAX_PAGE = 100_000


def page_arg(name: str = "hal") -> int:
    """The page number from the query string, kept within 1 … MAX_PAGE."""
    return min(max(request.args.get(name, type=int) or 1, 1), MAX_PAGE)


def commit_or_flash(action: Callable[[], T], done: str | Callable[[T], str]) -> T | None:
    """Run a service call and commit, flashing ``done``; on a refusal roll back and flash why (``None``)."""
    try:
        result = action()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None
    flash(done if isinstance(done, str) else done(result), "success")
    return result
