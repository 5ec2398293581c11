"""Small helpers shared by the views."""

from __future__ import annotations

from flask import request


def safe_next(default: str) -> str:
    """The ``next`` target of a form if it is a path on this site, else ``default`` (never an open redirect)."""
    target = request.values.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
