"""Small texts drawn over finished PDF pages: evidence stamps, page numbers in the report's links, the running
header and footer. Helvetica with WinAnsi encoding (a standard font, nothing embedded); every drawing is marked
as an artifact, so a tagged PDF's structure stays as WeasyPrint made it.

The page's own content is wrapped in ``q``/``Q`` (one shared ``q`` stream in front, the drawing after), so no
graphics state it leaves behind can move or colour the overlay; content streams are added, never decoded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import repeat

import pikepdf
from pikepdf import Array, Dictionary, Name

FONT = Name("/MandiriOverlayF")
# Helvetica advance widths (1/1000 em) of the characters 32–126; HELVETICA_OTHER for a few others, else 556.
HELVETICA_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
HELVETICA_OTHER = {"·": 278, "–": 556, "—": 1000, "…": 1000}


#: Every character's width (a lookup per character: a stamp on each of thousands of evidence pages is measured).
_ADVANCE = {chr(32 + i): width for i, width in enumerate(HELVETICA_WIDTHS)} | HELVETICA_OTHER


def text_width(text: str, size: float) -> float:
    """The width of ``text`` in Helvetica at ``size`` points."""
    return sum(map(_ADVANCE.get, text, repeat(556, len(text)))) * size / 1000


def fmt(value: float) -> str:
    """A number for a content stream: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi; characters outside cp1252 become "?"."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def text_at(x: float, y: float, size: float, text: str) -> bytes:
    """Operators that show ``text`` with its baseline starting at (x, y)."""
    return f"BT {FONT} {fmt(size)} Tf {fmt(x)} {fmt(y)} Td ".encode() + pdf_string(text) + b" Tj ET\n"


class Overlay:
    """Draws on the pages of one PDF with one shared font object and one shared ``q`` stream."""

    #: The stream put in front of a page's content for every drawing.
    SAVE_STATE = b"q\n"

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.font = pdf.make_indirect(
            Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica, Encoding=Name.WinAnsiEncoding)
        )
        self.save_state = pikepdf.Stream(pdf, self.SAVE_STATE)

    def add(self, page: pikepdf.Page, drawing: bytes, *, mark: Name | None = None) -> None:
        """Draw ``drawing`` (content operators using :data:`FONT`) over the page, as an artifact; ``mark`` names the
        drawing's stream (a key set to true in its dictionary), for who needs to find it again."""
        resources = page.obj.get("/Resources")
        if not isinstance(resources, Dictionary):
            page.obj.Resources = resources = Dictionary()
        fonts = resources.get("/Font")
        if not isinstance(fonts, Dictionary):
            resources.Font = fonts = Dictionary()
        fonts[FONT] = self.font
        page.contents_add(self.save_state, prepend=True)
        stream = pikepdf.Stream(self.pdf, b"\nQ\n/Artifact BMC\n" + drawing + b"EMC\n")
        if mark is not None:
            stream[mark] = True
        page.contents_add(stream, prepend=False)


def page_annotations(page: pikepdf.Page) -> Iterator[Dictionary]:
    """The page's annotations that are dictionaries (whatever else a damaged ``/Annots`` holds is passed over)."""
    annots = page.obj.get("/Annots")
    if isinstance(annots, Array):
        yield from (annot for annot in annots if isinstance(annot, Dictionary))


def uri_links(page: pikepdf.Page, prefix: str) -> Iterator[tuple[Dictionary, str]]:
    """The page's link annotations whose ``/URI`` starts with ``prefix``, with the rest of the URI."""
    for annot in page_annotations(page):
        action = annot.get("/A")
        if not isinstance(action, Dictionary) or action.get("/S") != Name.URI:
            continue
        uri = bytes(action.get("/URI", b"")).decode("latin-1")
        if uri.startswith(prefix):
            yield annot, uri.removeprefix(prefix)


def jump(annot: Dictionary, pages: Sequence[pikepdf.Page], target: int) -> None:
    """Turn a link annotation into a jump to page ``target`` (0-based) of ``pages`` (the document's pages as a list:
    ``pdf.pages[i]`` builds the list of every page each time), named for assistive technology."""
    annot.A = Dictionary(S=Name.GoTo, D=Array([pages[target].obj, Name.Fit]))
    annot.Contents = pikepdf.String(f"Halaman {target + 1}")
