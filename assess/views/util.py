"""Small helpers shared by the views."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, request
from flask_security import current_user

from assess import permissions as perm
from assess.converters import MAX_ID, strip_control_characters
from assess.extensions import db
from assess.models import Assessment

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


#: Page numbers beyond this are treated as the last reachable page (a huge offset would overflow SQL).
MAX_PAGE = 100_000


def as_id(raw: Any) -> int | None:
    """The whole number 0 … MAX_ID written in ``raw``; ``None`` when it is malformed or larger (no id is: the
    database would refuse the comparison)."""
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def int_arg(name: str, values: Mapping[str, Any] | None = None) -> int | None:
    """:func:`as_id` of a query-string argument, or of a value in ``values`` (e.g. ``request.form``)."""
    return as_id((request.args if values is None else values).get(name))


def form_text(name: str, limit: int | None = None) -> str:
    """A text value of the posted form read without a WTForms field: control characters removed, cut at ``limit``."""
    return str(strip_control_characters(request.form.get(name, "")))[:limit]


def page_arg(name: str = "hal") -> int:
    """The page number from the query string, at most MAX_PAGE; 1 when missing, malformed or beyond any id."""
    return min(int_arg(name) or 1, MAX_PAGE)


def assessment_or_404(assessment_id: int, load: Callable[[int], Assessment | None] | None = None) -> Assessment:
    """The assessment, loaded by ``load`` (default: by primary key), if the user may read it; otherwise 404 (another
    instansi's objects do not exist for them)."""
    assessment = load(assessment_id) if load is not None else db.session.get(Assessment, assessment_id)
    if assessment is None or not perm.can_view_assessment(current_user, assessment):
        abort(404)
    return assessment
