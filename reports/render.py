"""The report PDF: :class:`reports.data.ReportData` → HTML (Jinja) → tagged PDF (WeasyPrint).

The HTML is rendered with Flask's ``render_template`` inside an app context (no request is needed, the report is
made in a background job). WeasyPrint loads only what :class:`reports.fetcher.AssetFetcher` serves: the
stylesheet from ``reports/assets/`` and the instansi's logo from memory.

Text typed by users is escaped by Jinja and made breakable here: WeasyPrint takes minutes to lay out a single
word of many thousands of characters, so long runs without a space get a zero-width space every
:data:`BREAK_EVERY` characters (invisible, and a line may break there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import weasyprint
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import render_template

from assess.scoring import round_half_up
from reports.data import ReportData
from reports.fetcher import AssetFetcher

TEMPLATE = "reports/report.html"
BASE_URL = "mandiri:asset/"
LOCALE = "id"
TIMEZONE = ZoneInfo("Asia/Jakarta")
#: Element ids of the fixed sections; indicator sections add ``ind-<code>``.
SECTION_ANCHORS = ("sampul", "berita-acara", "persetujuan", "daftar-isi", "ringkasan")
INDICATOR_PREFIX = "ind-"
BREAK_EVERY = 20
LONG_RUN = re.compile(rf"\S{{{BREAK_EVERY + 10},}}")
ZWSP = "\u200b"
VALUE_SOURCE_NOTES = {
    "reviewer": "nilai reviewer; nilai akhir belum ditetapkan",
    "claimed": "nilai klaim; belum ada nilai reviewer maupun nilai akhir",
}


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    pages: int
    #: Element id → 0-based index of the page it starts on (fixed sections and every ``ind-<code>``).
    anchors: dict[str, int]
    #: URLs the fetcher refused while rendering.
    refused: tuple[str, ...]


def breakable(text: str | None) -> str:
    """``text`` with a zero-width space every :data:`BREAK_EVERY` characters inside long runs without spaces."""
    if not text:
        return ""

    def split(match: re.Match[str]) -> str:
        run = match.group(0)
        return ZWSP.join(run[i : i + BREAK_EVERY] for i in range(0, len(run), BREAK_EVERY))

    return LONG_RUN.sub(split, text)


def paragraphs(text: str | None) -> list[str]:
    """Non-empty lines of ``text``, each made breakable: one paragraph each."""
    return [breakable(line.strip()) for line in (text or "").splitlines() if line.strip()]


def number(value: Fraction | Decimal | int | str | None, places: int = 2) -> str:
    """A value in the Indonesian way (``2,14``), rounded half up; ``–`` for no value.

    Strings are display strings made elsewhere (``"2.50"``, ``"3"``, ``"–"``) and keep their number of decimals.
    """
    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            parsed = Decimal(value)
        except ArithmeticError:
            return value
        places = max(0, -int(parsed.as_tuple().exponent))
        value = parsed
    exact = round_half_up(Fraction(value), places)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return str(format_decimal(exact, format=pattern, locale=LOCALE))


def weight(value: Fraction | None) -> str:
    """A weight in percent: ``13``, ``1,3``, ``2,25``."""
    if value is None:
        return "–"
    return str(format_decimal(round_half_up(value, 2), format="#,##0.##", locale=LOCALE))


def _local(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def long_date(value: date | datetime | None) -> str:
    """``30 November 2026`` (a moment is taken in Asia/Jakarta)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return str(format_datetime(_local(value), format="d MMMM y", tzinfo=TIMEZONE, locale=LOCALE))
    return str(format_date(value, format="d MMMM y", locale=LOCALE))


def weekday(value: datetime) -> str:
    return str(format_datetime(_local(value), format="EEEE", tzinfo=TIMEZONE, locale=LOCALE))


def clock(value: datetime) -> str:
    """``14.05 WIB``."""
    return str(format_datetime(_local(value), format="HH.mm", tzinfo=TIMEZONE, locale=LOCALE)) + " WIB"


def report_html(data: ReportData, *, with_logo: bool = False) -> str:
    """The report as HTML (needs an app context, not a request); ``with_logo`` puts ``mandiri:logo`` on the cover."""
    return render_template(
        TEMPLATE,
        data=data,
        with_logo=with_logo,
        breakable=breakable,
        paragraphs=paragraphs,
        number=number,
        weight=weight,
        long_date=long_date,
        weekday=weekday,
        clock=clock,
        value_source_notes=VALUE_SOURCE_NOTES,
        answered=sum(1 for section in data.sections if section.value is not None),
        file_count=len(data.files_in_order()),
        link_count=len({e.evidence_id for section in data.sections for e in section.evidence if e.kind == "link"}),
        created=_local(data.generated_at).isoformat(timespec="seconds"),
    )


def _anchors(document: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            if (name in SECTION_ANCHORS or name.startswith(INDICATOR_PREFIX)) and name not in found:
                found[name] = index
    return found


def render_report(data: ReportData, *, logo: bytes | None = None, logo_mime: str | None = None) -> RenderedReport:
    """Render ``data`` into a tagged PDF; the logo (PNG or JPEG) is shown on the cover when given."""
    fetcher = AssetFetcher(logo=logo, logo_mime=logo_mime)
    html = report_html(data, with_logo=logo is not None)
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    pdf = document.write_pdf(pdf_tags=True)
    return RenderedReport(
        pdf=pdf,
        pages=len(document.pages),
        anchors=_anchors(document),
        refused=tuple(fetcher.refused),
    )
