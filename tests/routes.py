"""The app's routes read from ``app.url_map``, for the tests that sweep them all (the access matrix, GET is read-only,
the CSP walk, CSRF on every state-changing route, hostile input): one enumeration, so a route added to the app is
in every sweep, and one way of filling a rule's variables with a world's ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

from flask import Flask
from werkzeug.routing import Rule

#: A rule's variable, ``<name>`` or ``<converter:name>``: group 1 the converter (or None), group 2 the name.
VARIABLE = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")
#: The endpoints that serve static files: their variable is a file name, not an object's id.
STATIC_ENDPOINTS = frozenset({"static", "security.static"})


def rules(app: Flask, methods: Collection[str] = (), *, static: bool = True) -> list[Rule]:
    """The app's rules in the order of ``app.url_map``: those taking one of ``methods`` (all if none are given),
    without the static files' when ``static`` is false."""
    wanted = frozenset(methods)
    return [
        rule
        for rule in app.url_map.iter_rules()
        if (not wanted or wanted & (rule.methods or set())) and (static or rule.endpoint not in STATIC_ENDPOINTS)
    ]


def paths(app: Flask, methods: Collection[str] = (), *, static: bool = True) -> list[str]:
    """The distinct rule strings of :func:`rules`, sorted."""
    return sorted({rule.rule for rule in rules(app, methods, static=static)})


def first_choice(converter: str, name: str) -> str:
    """The value of a variable the world has none for: an ``any(…)``'s first choice, else 1 (the id of nothing)."""
    if converter.startswith("any("):
        return converter[4:-1].split(",")[0].strip()
    return "1"


def fill(rule: str, values: Mapping[str, object], missing: Callable[[str, str], str] = first_choice) -> str:
    """The rule with each variable replaced by its value in ``values``, or by ``missing(converter, name)``."""

    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "", match.group(2)
        return str(values[name]) if name in values else missing(converter, name)

    return VARIABLE.sub(value, rule)
