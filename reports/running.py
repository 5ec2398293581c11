"""What is drawn on the report's pages once their numbers are known: the running header (the report's title, not
on the cover) and footer (instansi · year, "hal. x dari y"), and the table of contents' page numbers with their dot
leaders. Pure pikepdf over finished pages, as artifacts.

The report draws them with its own page numbers (:mod:`reports.render`); the bundle draws them again with the
bundle's (:mod:`reports.bundle`): it removes the report's drawing (marked :data:`MARK`) first, so a reader of the
bundle finds every page at the number the footer, the table of contents and the evidence links give.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Array, Name

from reports.overlay import Overlay, text_at, text_width

if TYPE_CHECKING:  # only the fields are read: the bundle must not need WeasyPrint
    from reports.data import ReportData
    from reports.layout import LinkEnd

#: The running texts' overlay stream carries this name (``/MandiriRunning true``), so it can be taken away.
MARK = Name("/MandiriRunning")
TOC_LINK_PREFIX = "mandiri-toc:"
#: CSS px → PDF points.
PX = 0.75
#: The table of contents' dot leaders: from this far after an entry's title to this far before its page number.
TOC_GAP = 4.0
#: Running header and footer: Helvetica (WinAnsi, not embedded), in points from the page's edges.
RUNNING_SIZE = 7.5
RUNNING_GREY = b"0.333 0.333 0.333"
TOC_GREY = b"0.067 0.067 0.067"
MARGIN_LEFT = 20 * 72 / 25.4
MARGIN_RIGHT = 18 * 72 / 25.4
HEADER_BASELINE = 52.0
FOOTER_BASELINE = 41.0
GAP = 12.0


def toc_numbers(
    out: pikepdf.Pdf, toc_start: int, ends: Sequence[LinkEnd], anchors: Mapping[str, int]
) -> dict[int, bytes]:
    """The page number of every entry of the table of contents (which starts at page ``toc_start`` of ``out``; every
    page index here is one of ``out``), right-aligned in the column its stylesheet keeps free, and dots from the end
    of the entry's title up to it, in columns that line up from entry to entry (WeasyPrint's own leaders cost as
    much as laying out two pages of text): page index → drawing."""
    drawings: dict[int, bytes] = {}
    for end in ends:
        target = anchors.get(end.uri.removeprefix(TOC_LINK_PREFIX))
        if target is None:
            continue
        index = toc_start + end.page
        x0, _y0, x1, y1 = (float(v) for v in out.pages[index].mediabox)
        size = end.size * PX
        baseline = y1 - end.baseline * PX
        number = str(target + 1)
        number_x = x1 - MARGIN_RIGHT - text_width(number, size)
        pitch = text_width(". ", size)
        column = x1 - MARGIN_RIGHT - text_width("000", size) - TOC_GAP  # where every row's dots stop
        dots = max(0, math.floor((column - (x0 + end.right * PX + TOC_GAP)) / pitch))
        drawing = b"q " + TOC_GREY + b" rg\n" + text_at(number_x, baseline, size, number)
        if dots:
            drawing += text_at(column - dots * pitch, baseline, size, ". " * dots)
        drawings[index] = drawings.get(index, b"") + drawing + b"Q\n"
    return drawings


def draw(out: pikepdf.Pdf, data: ReportData, pages: Iterable[int], total: int, extra: Mapping[int, bytes]) -> None:
    """Header (the report's title, not on the cover: page 0) and footer ("hal. x dari ``total``") on the given pages
    of ``out`` (0-based indexes, numbered as such), marked :data:`MARK`; ``extra`` is more to draw on some pages
    (page index → content operators)."""
    overlay = Overlay(out)
    footer = f"{data.instansi_name} · Penilaian Mandiri {data.year}"
    # Widths at the running size, measured once: they scale with the size.
    footer_width = max(1.0, text_width(footer, RUNNING_SIZE))
    title_width = max(1.0, text_width(data.title, RUNNING_SIZE))
    for index in pages:
        page = out.pages[index]
        x0, y0, x1, y1 = (float(v) for v in page.mediabox)
        left, right = x0 + MARGIN_LEFT, x1 - MARGIN_RIGHT
        width = right - left
        number = f"hal. {index + 1} dari {total}"
        number_width = text_width(number, RUNNING_SIZE)
        footer_size = min(RUNNING_SIZE, RUNNING_SIZE * (width - number_width - GAP) / footer_width)
        drawing = b"q " + RUNNING_GREY + b" rg\n"
        drawing += text_at(left, y0 + FOOTER_BASELINE, footer_size, footer)
        drawing += text_at(right - number_width, y0 + FOOTER_BASELINE, RUNNING_SIZE, number)
        if index > 0:
            size = min(RUNNING_SIZE, RUNNING_SIZE * width / title_width)
            x = left + (width - title_width * size / RUNNING_SIZE) / 2
            drawing += text_at(x, y1 - HEADER_BASELINE, size, data.title)
        overlay.add(page, drawing + b"Q\n" + extra.get(index, b""), mark=MARK)


def remove(page: pikepdf.Page) -> None:
    """Take the running texts (:func:`draw`) off ``page``: their stream and the ``q`` put in front for it."""
    contents = page.obj.get("/Contents")
    if not isinstance(contents, Array):
        return
    kept = [stream for stream in contents if MARK not in stream]
    removed = len(contents) - len(kept)
    for _ in range(removed):
        if kept and kept[0].read_bytes() == Overlay.SAVE_STATE:
            kept.pop(0)
    page.obj.Contents = Array(kept)
