"""The one exception every upload check raises: a machine code plus a translatable message for the user."""

from __future__ import annotations

from babel.numbers import format_decimal
from flask_babel import LazyString, get_locale
from flask_babel import gettext as _

#: The language of numbers outside an application (tests, benchmarks): the project's default, Indonesian.
DEFAULT_LOCALE = "id"


class UploadRejectedError(Exception):
    """An upload that must not be kept.

    ``code`` is stable and meant for programs and logs (``"too_large"``, ``"mismatch"``, …); ``message`` says why
    the file was refused and what the user can do about it, in the language of the page that shows it: it is built
    with ``lazy_gettext`` and rendered each time it is read (Indonesian outside a request).
    """

    code: str

    def __init__(self, code: str, message: str | LazyString) -> None:
        super().__init__(code, message)
        self.code = code
        self._message = message

    @property
    def message(self) -> str:
        return str(self._message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"UploadRejectedError(code={self.code!r}, message={self.message!r})"


def _locale() -> str:
    locale = get_locale()  # the page's language in a request, the default one in an app context, else None
    return str(locale) if locale is not None else DEFAULT_LOCALE


def format_size(n: int) -> str:
    """A byte count as the reader's language writes it: ``100 MB``, ``1,5 MB`` (``1.5 MB`` in English), ``512 KB``,
    ``1.000 byte``."""
    locale = _locale()
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= factor:
            value = n / factor
            pattern = "0" if value == int(value) or value >= 100 else "0.0"
            return f"{format_decimal(value, format=pattern, locale=locale)} {unit}"
    return _("%(n)s byte", n=format_number(n))


def format_number(n: int) -> str:
    """A whole number with the thousands separator of the reader's language: ``10.000`` (``10,000`` in English)."""
    return str(format_decimal(n, format="#,##0", locale=_locale()))


def lazy_size(n: int) -> LazyString:
    """:func:`format_size` when the message is shown: a parameter of a lazy message."""
    return LazyString(format_size, n)


def lazy_number(n: int) -> LazyString:
    """:func:`format_number` when the message is shown: a parameter of a lazy message."""
    return LazyString(format_number, n)


class StorageUnavailableError(Exception):
    """The object store could not be reached, or refused the request; ``str()`` says what happened (never a secret)."""
