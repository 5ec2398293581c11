"""What a URL may carry: ids within the range of the id columns, text without control characters.

Every id is an ``Integer`` column, a signed 32-bit integer on PostgreSQL (SQLite's reach 2^63): a larger number
names no row, so a path with one matches no route (404) instead of failing in the database. A NUL cannot be
stored or compared in PostgreSQL text, and no control character belongs in a path segment or a query value:
a path with one matches no route, a query string with one is refused (400).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map, UnicodeConverter

#: The largest id an ``Integer`` column holds on every supported database.
MAX_ID = 2**31 - 1
#: C0 control characters except tab, line feed and carriage return, which text fields keep.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def strip_control_characters(value: Any) -> Any:
    """``value`` without C0 control characters (tab and line breaks kept); anything but text as it is."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


class IdConverter(IntegerConverter):
    """``<int:…>``: a whole number 0 … ``MAX_ID``."""

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """``<name>`` and ``<string:…>``: a path segment without control characters."""

    def __init__(self, map: Map, minlength: int = 1, maxlength: int | None = None, length: int | None = None) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]", 1)


def refuse_control_characters_in_query() -> None:
    """A query string whose names or values carry a control character is refused before any view reads it."""
    for name, value in request.args.items(multi=True):
        if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
            abort(400)


def init_app(app: Flask) -> None:
    """Install the converters (before any route is added) and the query-string check."""
    app.url_map.converters.update(int=IdConverter, default=TextConverter, string=TextConverter)
    app.before_request(refuse_control_characters_in_query)
