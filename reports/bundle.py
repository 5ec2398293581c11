"""The bundle PDF: the report, then every evidence document once, stamped, with a nested outline.

Everything here is pikepdf (qpdf): pages are copied, never re-rendered, and content streams are never decoded.

- Signed scans of the Berita Acara and the Pernyataan Persetujuan Publikasi go right after the cover, in place of
  the generated pages (the report leaves those out when the scans exist).
- The report's running header and footer and its table of contents are drawn again with the bundle's page numbers
  ("hal. 5 dari 212"), the numbers its evidence links give (:mod:`reports.running`).
- Every evidence page gets a stamp in its bottom margin ("I12 · Lampiran 3 · hal. 2/7 · bundel hal. 40 dari 212"),
  drawn upright whatever the page's rotation, on top of the page's own content (which is wrapped in ``q``/``Q`` so
  its graphics state cannot leak into the stamp).
- The report's "Hal." cells are links ``mandiri-bundle:ev/<id>`` (see the report template): the bundle writes
  the page number where the document starts into each and turns the link into a jump to that page.
- JavaScript and automatic actions of evidence PDFs are removed (page and annotation ``/AA``, JavaScript, Launch,
  form-submission and similar actions); the document-level ones never travel with copied pages.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem

from reports import running
from reports.convert import Prepared
from reports.data import EvidenceEntry, ReportData
from reports.overlay import Overlay, fmt, jump, page_annotations, text_at, text_width, uri_links

if TYPE_CHECKING:  # the bundle needs only the rendered bytes, page count and anchors, not WeasyPrint
    from reports.render import RenderedReport

STAMP_SIZE = 7.5
STAMP_MARGIN = 9.0
BUNDLE_LINK_PREFIX = "mandiri-bundle:ev/"
#: Actions that run something or send data; removed from evidence annotations.
UNSAFE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/ResetForm",
        "/Rendition",
        "/Sound",
        "/Movie",
        "/RichMediaExecute",
    }
)


@dataclass(frozen=True)
class Part:
    """One printed document: its entry (where it is listed first), and its prepared PDF."""

    entry: EvidenceEntry
    prepared: Prepared
    label: str  # the stamp's prefix: "I12 · Lampiran 3", "Berita Acara (ditandatangani)"
    source: Path  # the stored original (what the ZIP carries when it cannot be printed)


@dataclass(frozen=True)
class Layout:
    """Where everything is in the bundle (0-based page indexes)."""

    pages: int
    report_pages: int
    signed_pages: int
    #: evidence id → first page of its printed document.
    starts: dict[int, int]
    #: anchor id of the report (``ind-I12``, ``ringkasan``…) → page.
    anchors: dict[str, int]
    outline_entries: int = 0
    #: indicator code → its report pages and the pages of every document it lists (for per-indicator exports).
    indicator_pages: dict[str, list[int]] = field(default_factory=dict)


def plan(report: RenderedReport, data: ReportData, parts: Sequence[Part], signed: Sequence[Part]) -> Layout:
    """Where each page will be, from the page counts alone (before any page is copied)."""
    signed_pages = sum(p.prepared.pages for p in signed)

    def shifted(page: int) -> int:
        return page if page == 0 else page + signed_pages

    anchors = {name: shifted(page) for name, page in report.anchors.items()}
    starts: dict[int, int] = {}
    cursor = report.pages + signed_pages
    for part in parts:
        starts[part.entry.evidence_id] = cursor
        cursor += part.prepared.pages
    sizes = {p.entry.evidence_id: p.prepared.pages for p in parts}

    section_starts = sorted((anchors[s.anchor], s.code) for s in data.sections if s.anchor in anchors)
    report_end = report.pages + signed_pages
    indicator_pages: dict[str, list[int]] = {}
    for i, (start, code) in enumerate(section_starts):
        end = section_starts[i + 1][0] if i + 1 < len(section_starts) else report_end
        pages = list(range(start, max(end, start + 1)))
        section = next(s for s in data.sections if s.code == code)
        for entry in section.evidence:
            if entry.evidence_id in starts:
                first = starts[entry.evidence_id]
                pages.extend(p for p in range(first, first + sizes[entry.evidence_id]) if p not in pages)
        indicator_pages[code] = pages
    return Layout(cursor, report.pages, signed_pages, starts, anchors, indicator_pages=indicator_pages)


def _visible_matrix(page: pikepdf.Page) -> tuple[tuple[float, ...], float, float]:
    """The matrix from upright visible coordinates to the page's user space, and the visible width and height."""
    x0, y0, x1, y1 = (float(v) for v in page.cropbox)
    x0, x1 = min(x0, x1), max(x0, x1)
    y0, y1 = min(y0, y1), max(y0, y1)
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    width, height = x1 - x0, y1 - y0
    if rotate == 90:
        return (0, 1, -1, 0, x1, y0), height, width
    if rotate == 180:
        return (-1, 0, 0, -1, x1, y1), width, height
    if rotate == 270:
        return (0, -1, 1, 0, x0, y1), height, width
    return (1, 0, 0, 1, x0, y0), width, height


class Stamper(Overlay):
    """The bundle's overlays: the margin stamp of evidence pages, and page numbers in the report's links."""

    def margin_stamp(self, page: pikepdf.Page, text: str) -> None:
        """``text`` at the bottom right of the page as it is shown (upright whatever its rotation), on white."""
        matrix, width, _height = _visible_matrix(page)
        wide = text_width(text, STAMP_SIZE)
        u = max(2.0, width - STAMP_MARGIN - wide)
        v = STAMP_MARGIN * 0.6
        drawing = (
            (
                f"q {' '.join(fmt(float(m)) for m in matrix)} cm "
                f"1 1 1 rg {fmt(u - 2)} {fmt(v - 2)} {fmt(wide + 4)} {fmt(STAMP_SIZE + 3)} re f 0.15 0.15 0.15 rg\n"
            ).encode()
            + text_at(u, v + 0.6, STAMP_SIZE, text)
            + b"Q\n"
        )
        self.add(page, drawing)

    def text_in(self, page: pikepdf.Page, rect: object, text: str) -> None:
        """A number written inside a link rectangle of the report (report pages are never rotated)."""
        if not isinstance(rect, Array) or len(rect) != 4:
            return
        x0, y0, x1, y1 = (float(v) for v in rect)
        # The link box sits on the text's baseline and is about one em high: write on that baseline.
        size = max(6.0, min(9.0, abs(y1 - y0) * 0.95))
        drawing = b"q 0.07 0.27 0.55 rg\n" + text_at(min(x0, x1) + 1, min(y0, y1) + 0.8, size, text) + b"Q\n"
        self.add(page, drawing)


def _stamp(label: str, number: int, total: int, index: int, pages: int) -> str:
    """An evidence page's stamp: its document, its page in it, and its page in the bundle (0-based ``index``)."""
    return f"{label} · hal. {number}/{total} · bundel hal. {index + 1} dari {pages}"


def _strip_active(obj: Dictionary) -> None:
    if "/AA" in obj:
        del obj["/AA"]
    action = obj.get("/A")
    if isinstance(action, Dictionary) and (str(action.get("/S", "")) in UNSAFE_ACTIONS or "/Next" in action):
        del obj["/A"]


def sanitize_page(page: pikepdf.Page) -> None:
    """Remove automatic actions and script/launch actions from a page and its annotations (and their fields)."""
    _strip_active(page.obj)
    for annot in page_annotations(page):
        _strip_active(annot)
        parent = annot.get("/Parent")
        depth = 0
        while isinstance(parent, Dictionary) and depth < 32:
            _strip_active(parent)
            parent = parent.get("/Parent")
            depth += 1


def _bundle_links(page: pikepdf.Page) -> Iterator[tuple[Dictionary, int]]:
    """The report's ``mandiri-bundle:ev/<id>`` links on the page, with the evidence id."""
    for annot, rest in uri_links(page, BUNDLE_LINK_PREFIX):
        if rest.isdigit():
            yield annot, int(rest)


def write_report_alone(report: RenderedReport, layout: Layout, dest: Path) -> None:
    """The report as a file of its own (for the ZIP): bundle page numbers written in, the inner links removed."""
    with pikepdf.open(io.BytesIO(report.pdf)) as pdf:
        stamper = Stamper(pdf)
        for page in pdf.pages:
            annots = page.obj.get("/Annots")
            if not isinstance(annots, Array):
                continue
            found = list(_bundle_links(page))
            for annot, evidence_id in found:
                if evidence_id in layout.starts:
                    stamper.text_in(page, annot.Rect, str(layout.starts[evidence_id] + 1))
            keep = [a for a in annots if not any(a.objgen == f.objgen for f, _ in found)]
            page.obj.Annots = Array(keep)
        pdf.save(dest, deterministic_id=True)


def _append(out: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """Copy ``page`` (of another PDF) to the end of ``out``: what ``out.pages.append(page)`` does (qpdf's
    ``addPage``, through pikepdf's own binding of it, which its ``add_blank_page`` uses), without the page count
    ``pages.append`` takes first, which builds the list of every page of ``out``: a bundle of N pages cost N² (a
    second for 5,000 pages)."""
    out._add_page(page.obj, first=False)


def assemble(
    report: RenderedReport,
    data: ReportData,
    parts: Sequence[Part],
    signed: Sequence[Part],
    dest: Path,
) -> Layout:
    """Write the bundle to ``dest`` and return its layout. ``dest`` is a temporary name: the caller verifies it."""
    layout = plan(report, data, parts, signed)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(pikepdf.open(io.BytesIO(report.pdf)))
        stamper = Stamper(out)
        report_pages = list(out.pages)

        stamps: list[str] = []
        position = 1
        for part in signed:
            src = stack.enter_context(pikepdf.open(part.prepared.pdf_path))
            total = len(src.pages)
            for number, page in enumerate(src.pages, start=1):
                sanitize_page(page)
                out.pages.insert(position, page)
                stamper.margin_stamp(out.pages[position], _stamp(part.label, number, total, position, layout.pages))
                position += 1

        first = layout.report_pages + layout.signed_pages
        for part in parts:
            src = stack.enter_context(pikepdf.open(part.prepared.pdf_path))
            pages = list(src.pages)
            for page in pages:  # all of them before any is copied: they may share annotations and fields
                sanitize_page(page)
            for page in pages:
                _append(out, page)
            total = part.prepared.pages
            stamps.extend(
                _stamp(part.label, number, total, first + number - 1, layout.pages) for number in range(1, total + 1)
            )
            first += total

        evidence_pages = list(out.pages)[len(out.pages) - len(stamps) :] if stamps else []
        for page, text in zip(evidence_pages, stamps, strict=True):
            stamper.margin_stamp(page, text)

        if len(out.pages) != layout.pages:
            raise RuntimeError(f"jumlah halaman bundel {len(out.pages)} ≠ rencana {layout.pages}")
        # Looked up in a list: ``out.pages[i]`` builds the list of every page each time (a cost per document).
        bundle_pages = list(out.pages)

        # The report's header, footer and table of contents numbered again as pages of the bundle.
        own = [0, *range(layout.signed_pages + 1, layout.report_pages + layout.signed_pages)]
        for index in own:
            running.remove(bundle_pages[index])
        toc = running.toc_numbers(out, layout.anchors.get("daftar-isi", 0), report.toc_ends, layout.anchors)
        running.draw(out, data, own, layout.pages, toc)

        for page in report_pages:
            for annot, evidence_id in _bundle_links(page):
                target = layout.starts.get(evidence_id)
                if target is None:
                    continue
                stamper.text_in(page, annot.Rect, str(target + 1))
                jump(annot, bundle_pages, target)

        for key in ("/OpenAction", "/AA"):
            if key in out.Root:
                del out.Root[key]
        names = out.Root.get("/Names")
        if isinstance(names, Dictionary) and "/JavaScript" in names:
            del names["/JavaScript"]

        entries = _outline(out, bundle_pages, data, layout, parts, signed)
        # No deterministic /ID: it is an MD5 over the whole output (a second pass over ~200 MB); the export's
        # identity is the SHA-256 recorded with it.
        out.save(dest)
    return Layout(
        layout.pages,
        layout.report_pages,
        layout.signed_pages,
        layout.starts,
        layout.anchors,
        entries,
        layout.indicator_pages,
    )


def _outline(
    out: pikepdf.Pdf,
    pages: Sequence[pikepdf.Page],
    data: ReportData,
    layout: Layout,
    parts: Sequence[Part],
    signed: Sequence[Part],
) -> int:
    """Sampul, signed pages, front matter, then domain/aspect → indicator → each document it lists (``pages``: the
    bundle's pages as a list)."""
    count = 0

    def item(title: str, page: int) -> OutlineItem:
        nonlocal count
        count += 1
        # The destination pikepdf makes of a page number, from the list rather than ``out.pages[page]``.
        return OutlineItem(title, Array([pages[page].obj, Name.Fit]))

    anchors = layout.anchors
    with out.open_outline() as outline:
        outline.root.clear()
        outline.root.append(item("Sampul", 0))
        position = 1
        for part in signed:
            outline.root.append(item(part.label, position))
            position += part.prepared.pages
        for anchor, title in (
            ("berita-acara", "Berita Acara Penilaian Mandiri"),
            ("persetujuan", "Pernyataan Persetujuan Publikasi"),
            ("daftar-isi", "Daftar Isi"),
            ("ringkasan", "Ringkasan Hasil"),
        ):
            if anchor in anchors:
                outline.root.append(item(title, anchors[anchor]))

        groups: dict[str, OutlineItem] = {}
        for section in data.sections:
            if section.anchor not in anchors:
                continue
            parent_list = outline.root
            if section.domain_code:
                key = f"D:{section.domain_code}"
                if key not in groups:
                    groups[key] = item(f"Domain {section.domain_code}. {section.domain_name}", anchors[section.anchor])
                    outline.root.append(groups[key])
                parent_list = groups[key].children
            key = f"A:{section.aspect_code}"
            if key not in groups:
                groups[key] = item(f"Aspek {section.aspect_code}. {section.aspect_name}", anchors[section.anchor])
                parent_list.append(groups[key])
            indicator = item(f"{section.code} {section.name}", anchors[section.anchor])
            groups[key].children.append(indicator)
            for entry in section.evidence:
                target = layout.starts.get(entry.evidence_id)
                if target is None:
                    continue
                suffix = "" if entry.is_home else f" (lihat {entry.home_indicator} Lampiran {entry.home_lampiran})"
                indicator.children.append(item(f"Lampiran {entry.lampiran}: {entry.title}{suffix}", target))
    return count


def _extract(source: Sequence[pikepdf.Page], pages: Sequence[int], dest: Path) -> None:
    """Copy the given pages (0-based) of a bundle's ``source`` pages into a new PDF, links to pages left out removed
    (from the copy: the bundle's pages are left as they were, for the next part)."""
    with pikepdf.new() as out:
        kept = {source[i].objgen for i in pages}
        for i in pages:
            page = source[i]
            annots = page.obj.get("/Annots")
            if isinstance(annots, Array):
                page.obj.Annots = Array([a for a in annots if _jump_target(a) in kept or _jump_target(a) is None])
            _append(out, page)
            if isinstance(annots, Array):
                page.obj.Annots = annots
        # No deterministic /ID, as for the bundle: it is an MD5 over the whole output, and the parts together are
        # as big as the bundle (0.3 s of a 4 s export of 191 MB).
        out.save(dest)


def split_pages(source: Path, parts: Mapping[str, Sequence[int]], out_dir: Path) -> None:
    """Each part's pages (0-based) of a bundle as a PDF of its own, ``out_dir/<name>.pdf``, links to pages left
    out removed; the bundle is opened once."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with pikepdf.open(source) as pdf:
        every = list(pdf.pages)  # ``pdf.pages[i]`` builds the list of every page each time
        for name, pages in parts.items():
            _extract(every, pages, out_dir / f"{name}.pdf")


def _jump_target(annot: object) -> tuple[int, int] | None:
    if not isinstance(annot, Dictionary):
        return None
    action = annot.get("/A")
    if isinstance(action, Dictionary) and action.get("/S") == Name.GoTo:
        dest = action.get("/D")
        if isinstance(dest, Array) and len(dest) and isinstance(dest[0], Dictionary):
            return dest[0].objgen
        return (-1, -1)
    return None
