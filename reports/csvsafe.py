"""Text cells for CSV files that no spreadsheet program reads as a formula, whatever separator it splits them on.

A CSV written with ``,`` is often opened with ``;`` (the default of Indonesian spreadsheets), tab or ``|``: then
``teks;=7+7`` is two fields, and the second is a formula. So a cell is neutralised wherever a field could begin:
at its start and after each of those separators or a line break. When the first character there, after any spaces
and double quotes (which a spreadsheet skips or strips), starts a formula (``=``, ``+``, ``-``, ``@``, tab, CR), an
apostrophe is put before it: the text stays readable and is read as text. Numbers are written as they are, so a
numeric column stays numeric.
"""

from __future__ import annotations

import re
from decimal import Decimal

#: A field starting with one of these is read as a formula (or DDE) by a spreadsheet program.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Where a field may begin when a program splits the line on a separator of its own choosing.
FIELD_BREAKS = frozenset(",;\t|\n\r")
#: What a spreadsheet skips at the start of a field before it looks for a formula.
SKIPPED = frozenset(' "')


#: A formula start where a field could begin: at the start or after a separator, past any skipped characters. The
#: start itself is only looked at, not taken, so a tab or CR that starts a formula still begins the next field.
_FORMULA_START = re.compile(
    "(?:^|(?<=[{breaks}]))([{skipped}]*)(?=[{prefixes}])".format(
        breaks=re.escape("".join(sorted(FIELD_BREAKS))),
        skipped=re.escape("".join(sorted(SKIPPED))),
        prefixes=re.escape("".join(FORMULA_PREFIXES)),
    )
)


#: Any character that can start a formula: most texts have none and need no closer look.
_ANY_PREFIX = re.compile("[{}]".format(re.escape("".join(FORMULA_PREFIXES))))


def neutralise(text: str) -> str:
    """``text`` with an apostrophe before every formula start at a place where a field could begin."""
    if _ANY_PREFIX.search(text) is None:
        return text
    return _FORMULA_START.sub(r"\1'", text)


#: What puts a field in double quotes: a separator, a double quote or a line break.
_NEEDS_QUOTES = re.compile('[,"\r\n]')


def quoted(text: str) -> str:
    """``text`` as a field of a CSV line, written exactly as Python's ``csv.writer`` writes it (the excel dialect): in
    double quotes, its own doubled, when it holds a separator, a double quote or a line break; as it is otherwise.
    A line of such fields is joined with ``,`` and ends with ``\\r\\n`` (a line of one empty field excepted, which the
    writer quotes)."""
    if _NEEDS_QUOTES.search(text) is None:
        return text
    return '"' + text.replace('"', '""') + '"'


def field(text: str) -> str:
    """``text`` neutralised and quoted: a field ready to be joined into a CSV line."""
    return quoted(neutralise(text))


def cell(value: object) -> str:
    """A CSV cell: ``None`` empty, numbers as they are (a numeric column stays numeric), text neutralised."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return neutralise(str(value))


__all__ = ["FORMULA_PREFIXES", "cell", "field", "neutralise", "quoted"]
