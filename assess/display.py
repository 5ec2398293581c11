"""How a value is shown, everywhere: pages, live previews, the XLSX export and the report.

One rounding (the engine's :func:`~assess.scoring.round_half_up`, as KemenPANRB publishes) and one decimal mark
per language: a comma in Indonesian (``2,14``), a point in English (``2.14``). Nothing else in the project
formats a value; templates use the ``nilai``, ``bobot`` and ``indikator`` filters registered by :func:`register`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from babel import Locale
from babel.numbers import format_decimal

from assess.scoring import round_half_up, to_fraction

if TYPE_CHECKING:
    from flask import Flask

#: What is shown where there is no value.
NONE = "–"

Value = Fraction | Decimal | int | float | str | None


def current_locale() -> str:
    """The language of the page being rendered, or the one forced for a text (an e-mail in its recipient's
    language, a stored text in the deployment's); the default language outside a request."""
    from flask import current_app, has_app_context

    if has_app_context():
        from flask_babel import get_locale

        locale = get_locale()
        if locale is not None:
            return str(locale.language)
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    return "id"


@functools.lru_cache(maxsize=8)
def _babel(locale: str) -> Locale:
    return Locale.parse(locale)


def rounded(value: Fraction | Decimal | int | float | str, places: int = 2) -> Decimal:
    """``value`` rounded half up to ``places`` decimals, exactly (floats through their shortest repr)."""
    return round_half_up(to_fraction(value), places)


@functools.lru_cache(maxsize=8192)
def _number(value: Fraction | Decimal | int | str, places: int, locale: str) -> str:
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return str(format_decimal(rounded(value, places), format=pattern, locale=_babel(locale)))


def number(value: Value, places: int = 2, locale: str | None = None) -> str:
    """``value`` with ``places`` decimals, rounded half up, in the page's language; ``–`` for no value."""
    if value is None:
        return NONE
    key = value if not isinstance(value, float) else repr(value)
    return _number(key, places, locale or current_locale())


def weight(value: Value, locale: str | None = None) -> str:
    """A weight in percent with as many decimals as it needs, at most two: ``13``, ``1,3``, ``2,25``."""
    if value is None:
        return NONE
    exact = rounded(value if not isinstance(value, float) else repr(value), 2)
    return str(format_decimal(exact, format="#,##0.##", locale=_babel(locale or current_locale())))


def indicator_value(value: Value, value_type: str, locale: str | None = None) -> str:
    """An indicator's value: a level as a whole number (``3``), a graded value with two decimals (``1,13``)."""
    if value is None:
        return NONE
    if value_type == "level":
        return str(int(rounded(value if not isinstance(value, float) else repr(value), 0)))
    return number(value, 2, locale)


#: The units of :func:`size`: name, bytes, decimals shown.
_SIZE_UNITS = (("KB", 1024, 0), ("MB", 1024**2, 1), ("GB", 1024**3, 1))
#: A count of bytes below a kilobyte, by language (the default language's word otherwise).
_BYTES = {"id": "byte", "en": "bytes"}


def size(value: int | None, locale: str | None = None) -> str:
    """A file's size as the page's language writes it: ``512 byte``, ``12 KB``, ``1,4 MB`` (``1.4 MB`` in
    English), ``100 MB``; ``–`` for none. A kilobyte is 1,024 bytes, as the upload limit counts."""
    if value is None:
        return NONE
    language = locale or current_locale()
    babel = _babel(language)
    bigger = None
    for unit, factor, places in reversed(_SIZE_UNITS):
        if value >= factor:
            amount = rounded(Fraction(value, factor), places)
            if amount >= 1024 and bigger is not None:
                amount, unit, places = Decimal(1), bigger, 0  # 1,023.99 MB is 1 GB, not 1.024 MB
            pattern = "#,##0." + "#" * places if places else "#,##0"
            return f"{format_decimal(amount, format=pattern, locale=babel)} {unit}"
        bigger = unit
    return f"{format_decimal(value, format='#,##0', locale=babel)} {_BYTES.get(language, _BYTES['id'])}"


@contextmanager
def stored_text() -> Iterator[None]:
    """Write texts that are stored (audit summaries, notification messages, e-mails) in the deployment's default
    language, whoever's request writes them."""
    from flask import current_app
    from flask_babel import force_locale

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


def machine_time(value: datetime) -> str:
    """A stored time for a ``<time datetime>`` attribute: UTC with its offset, whatever the engine gave back (SQLite
    returns the stored UTC time without one, which a browser would read as local time)."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat(timespec="seconds")


def predikat_band(name: str | None) -> str:
    """The band key of a predikat, for its colour (``chip-predikat-<key>``): ``Sangat Baik`` → ``sangat-baik``, so
    that Kurang never looks like Baik; ``none`` when there is no predikat."""
    key = "-".join("".join(c if c.isalnum() else " " for c in (name or "").lower()).split())
    return key or "none"


def register(app: Flask) -> None:
    """The template filters: ``x|nilai``, ``x|nilai(1)``, ``x|bobot``, ``x|indikator(value_type)``,
    ``p|predikat_band`` (:func:`predikat_band`), ``t|waktu_mesin`` (:func:`machine_time`) and ``n|ukuran``
    (:func:`size`)."""
    app.add_template_filter(predikat_band, "predikat_band")
    app.add_template_filter(machine_time, "waktu_mesin")
    app.add_template_filter(number, "nilai")
    app.add_template_filter(weight, "bobot")
    app.add_template_filter(indicator_value, "indikator")
    app.add_template_filter(size, "ukuran")
