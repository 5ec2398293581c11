"""The report PDF: :class:`reports.data.ReportData` → HTML (Jinja) → tagged PDF (WeasyPrint), in parallel parts.

The HTML is rendered with Flask's ``render_template`` inside an app context (no request is needed, the report is
made in a background job). WeasyPrint loads only what :class:`reports.fetcher.AssetFetcher` serves: the
stylesheet from ``reports/assets/`` and the instansi's logo from memory.

The report is laid out in parts, each its own HTML document: the front matter (sampul, berita acara, pernyataan),
the table of contents, the summary, and the indicator sections cut into short runs of about equal text size. The
parts are rendered at the same time by the worker processes of :mod:`reports.layout` (each takes the next part
as soon as it is free, so the load evens out); without a pool they are rendered one after the other here, the
same way. The parts are joined with pikepdf in order as they come back (one structure tree, one outline); then
what needs the final page numbers is drawn on the pages as artifacts: the table of contents' numbers (in the room
its placeholders kept, located by the worker) with its links turned into jumps, and the running header and footer
("hal. x dari y").

Text typed by users is escaped by Jinja and made breakable here: WeasyPrint takes minutes to lay out a single
word of many thousands of characters, so long runs without a space get a zero-width space every
:data:`BREAK_EVERY` characters (invisible, and a line may break there).
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pikepdf
from babel import Locale
from babel.dates import format_date, format_datetime
from flask import render_template
from flask_babel import force_locale
from pikepdf import Array, Dictionary, Name, OutlineItem

from assess import display
from reports import running
from reports.data import IndicatorSection, ReportData
from reports.fetcher import AssetFetcher
from reports.layout import SECTION_ANCHORS, Bookmark, Job, LinkEnd, RenderedPart, pool_size, render_all
from reports.overlay import jump, page_annotations, uri_links
from reports.running import TOC_LINK_PREFIX

TEMPLATE = "reports/report.html"
LOCALE = "id"
#: Parsed once: Babel parses a locale given by name on every call.
BABEL_LOCALE = Locale.parse(LOCALE)
TIMEZONE = ZoneInfo("Asia/Jakarta")
BREAK_EVERY = 20
LONG_RUN = re.compile(rf"\S{{{BREAK_EVERY + 10},}}")
ZWSP = "\u200b"
#: The parts of the report, each rendered as a document of its own (see the template).
PARTS = ("front", "toc", "summary", "indicators")
#: Layout weights in characters of text: per document, per list item, per section.
EVIDENCE_WEIGHT = 350
ITEM_WEIGHT = 150
SECTION_WEIGHT = 1000
#: A run of sections weighs at most about this much (some 12 pages): a worker's memory grows with the pages of
#: the document it lays out, and short runs share out evenly between the workers (a part costs ~20 ms to start).
MAX_CHUNK_WEIGHT = 50_000
#: CSS px → PDF points.
PX = 0.75
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
    #: Where the table of contents' entries end (its pages counted from its start), for the bundle's page numbers.
    toc_ends: tuple[LinkEnd, ...] = ()


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


def _local(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@functools.lru_cache(maxsize=4096)
def long_date(value: date | datetime | None) -> str:
    """``30 November 2026`` (a moment is taken in Asia/Jakarta)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return str(format_datetime(_local(value), format="d MMMM y", tzinfo=TIMEZONE, locale=BABEL_LOCALE))
    return str(format_date(value, format="d MMMM y", locale=BABEL_LOCALE))


def weekday(value: datetime) -> str:
    return str(format_datetime(_local(value), format="EEEE", tzinfo=TIMEZONE, locale=BABEL_LOCALE))


def clock(value: datetime) -> str:
    """``14.05 WIB``."""
    return str(format_datetime(_local(value), format="HH.mm", tzinfo=TIMEZONE, locale=BABEL_LOCALE)) + " WIB"


def report_html(
    data: ReportData,
    part: str,
    *,
    sections: Sequence[IndicatorSection] | None = None,
    before: IndicatorSection | None = None,
    with_logo: bool = False,
) -> str:
    """One part of the report as HTML (needs an app context, not a request), see :data:`PARTS`.

    ``sections`` are the indicators an ``"indicators"`` part shows (all by default) and ``before`` the one printed
    just before them; ``with_logo`` puts ``mandiri:logo`` on the cover. The table of contents keeps a right column
    free: its dots and page numbers are drawn there after the join.
    """
    if part not in PARTS:
        raise ValueError(f"bagian laporan tidak dikenal: {part}")
    counts: dict[str, int] = {}
    if part in ("front", "summary"):  # the others do not show them: not counted again for every run of sections
        counts = {
            "answered": sum(1 for section in data.sections if section.value is not None),
            "file_count": len(data.files_in_order()),
            "link_count": len(
                {e.evidence_id for section in data.sections for e in section.evidence if e.kind == "link"}
            ),
        }
    with force_locale(LOCALE):  # Indonesian whatever the language around it: the shared macros' filters too
        return render_template(
            TEMPLATE,
            data=data,
            part=part,
            sections=data.sections if sections is None else sections,
            before=before,
            with_logo=with_logo,
            breakable=breakable,
            paragraphs=paragraphs,
            number=functools.partial(display.number, locale=LOCALE),
            weight=functools.partial(display.weight, locale=LOCALE),
            long_date=long_date,
            weekday=weekday,
            clock=clock,
            value_source_notes=VALUE_SOURCE_NOTES,
            **counts,
            created=_local(data.generated_at).isoformat(timespec="seconds"),
        )


# ------------------------------------------------------------------------------------------------ cutting into runs


def _weight(section: IndicatorSection) -> int:
    """About how long a section takes to lay out, in characters of text."""
    review = section.review
    notes = len(review.reviewer_note or "") + len(review.final_reason or "") if review else 0
    return (
        len(section.fakta or "")
        + len(section.analisis or "")
        + len(section.criteria or "")
        + len(section.description)
        + notes
        + EVIDENCE_WEIGHT * len(section.evidence)
        + ITEM_WEIGHT * len(section.items)
        + SECTION_WEIGHT
    )


def split_sections(sections: Sequence[IndicatorSection], chunks: int) -> list[tuple[IndicatorSection, ...]]:
    """``sections`` in at most ``chunks`` contiguous, non-empty runs of about equal weight."""
    weights = [_weight(s) for s in sections]
    target = sum(weights) / max(1, chunks)
    boundary = target
    runs: list[tuple[IndicatorSection, ...]] = []
    current: list[IndicatorSection] = []
    done = 0.0
    for section, w in zip(sections, weights, strict=True):
        if current and done + w / 2 > boundary and len(runs) < chunks - 1:
            runs.append(tuple(current))
            current = []
            boundary += target
        current.append(section)
        done += w
    if current:
        runs.append(tuple(current))
    return runs


# ------------------------------------------------------------------------------------------------ joining parts


def _kids(element: Any) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _document_element(tree: Dictionary) -> Dictionary | None:
    """The tree's single /Document element, if that is what WeasyPrint made."""
    kids = _kids(tree)
    if len(kids) == 1 and isinstance(kids[0], Dictionary) and kids[0].get("/S") == Name("/Document"):
        return kids[0]
    return None


def _number_tree(node: Any, depth: int = 0) -> list[tuple[int, Any]]:
    """Every (key, value) of a number tree, flat /Nums or with /Kids."""
    found: list[tuple[int, Any]] = []
    if not isinstance(node, Dictionary) or depth > 32:
        return found
    nums = node.get("/Nums")
    if isinstance(nums, Array):
        found.extend((int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2))
    for kid in node.get("/Kids", Array()):
        found.extend(_number_tree(kid, depth + 1))
    return found


def _write_outline(out: pikepdf.Pdf, bookmarks: Sequence[Bookmark]) -> None:
    """One outline for the joined report, nested by heading level across the parts."""
    with out.open_outline() as outline:
        outline.root.clear()
        stack: list[tuple[int, OutlineItem]] = []
        for mark in bookmarks:
            page = out.pages[mark.page]
            top = float(page.mediabox[3]) - mark.y * PX
            item = OutlineItem(mark.title, Array([page.obj, Name.XYZ, round(mark.x * PX, 3), round(top, 3), 0]))
            while stack and stack[-1][0] >= mark.level:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((mark.level, item))


def _renumber(page: pikepdf.Page, offset: int) -> None:
    if "/StructParents" in page.obj:
        page.obj.StructParents = int(page.obj.StructParents) + offset
    for annot in page_annotations(page):
        if "/StructParent" in annot:
            annot.StructParent = int(annot.StructParent) + offset


class _Joiner:
    """The first part is the base (its catalog, metadata and /Document element); the others are appended to it."""

    def __init__(self, out: pikepdf.Pdf) -> None:
        self.out = out
        tree = out.Root.get("/StructTreeRoot")
        if not isinstance(tree, Dictionary):
            out.Root.StructTreeRoot = tree = out.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array()))
        self.tree = tree
        document = _document_element(tree)
        if document is None:
            document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=tree, K=Array()))
            for kid in _kids(tree):
                if isinstance(kid, Dictionary):
                    kid.P = document
                document.K.append(kid)
            tree.K = Array([document])
        elif not isinstance(document.get("/K"), Array):
            document.K = Array(_kids(document))
        self.document = document
        self.nums = _number_tree(tree.get("/ParentTree"))
        self.next_key = max((key for key, _ in self.nums), default=-1) + 1

    def append(self, src: pikepdf.Pdf) -> None:
        """Add ``src`` at the end: its pages, and its structure elements after those already there."""
        start = len(self.out.pages)
        self.out.pages.extend(src.pages)
        src_tree = src.Root.get("/StructTreeRoot")
        if not isinstance(src_tree, Dictionary):
            return
        # Copied after the pages, so the elements' /Pg and /Obj point to the copies just made.
        tree = self.out.copy_foreign(src_tree)
        if not isinstance(tree, Dictionary):
            return
        offset = self.next_key
        entries = _number_tree(tree.get("/ParentTree"))
        self.nums.extend((key + offset, value) for key, value in entries)
        self.next_key = offset + max((key for key, _ in entries), default=-1) + 1
        for page in self.out.pages[start : start + len(src.pages)]:
            _renumber(page, offset)
        document = _document_element(tree)
        for kid in _kids(document if document is not None else tree):
            if isinstance(kid, Dictionary):
                kid.P = self.document
            self.document.K.append(kid)
        for key in ("/RoleMap", "/ClassMap"):
            extra = tree.get(key)
            if isinstance(extra, Dictionary):
                merged = self.tree.get(key)
                if not isinstance(merged, Dictionary):
                    self.tree[key] = merged = Dictionary()
                for name, value in extra.items():
                    if name not in merged:
                        merged[name] = value
        namespaces = tree.get("/Namespaces")
        if isinstance(namespaces, Array):
            merged_ns = self.tree.get("/Namespaces")
            if not isinstance(merged_ns, Array):
                self.tree.Namespaces = merged_ns = Array()
            merged_ns.extend(namespaces)

    def finish(self, bookmarks: Sequence[Bookmark]) -> None:
        flat = Array()
        for key, value in sorted(self.nums, key=lambda entry: entry[0]):
            flat.append(key)
            flat.append(value)
        self.tree.ParentTree = self.out.make_indirect(Dictionary(Nums=flat))
        self.tree.ParentTreeNextKey = self.next_key
        self.out.Root.MarkInfo = Dictionary(Marked=True)
        if "/Lang" not in self.out.Root:
            self.out.Root.Lang = pikepdf.String(LOCALE)
        # Named destinations of the first part only would be a partial list: the anchors are in RenderedReport.
        names = self.out.Root.get("/Names")
        if isinstance(names, Dictionary) and "/Dests" in names:
            del names["/Dests"]
            if not names.keys():
                del self.out.Root["/Names"]
        _write_outline(self.out, bookmarks)


def _toc_links(out: pikepdf.Pdf, anchors: Mapping[str, int]) -> None:
    """``mandiri-toc:<anchor>`` links (the table of contents) → jumps to the anchor's page."""
    pages = list(out.pages)
    for page in pages:
        for annot, anchor in list(uri_links(page, TOC_LINK_PREFIX)):
            target = anchors.get(anchor)
            if target is None:
                del annot["/A"]
            else:
                jump(annot, pages, target)


def _ordered_anchors(parts: Sequence[RenderedPart], data: ReportData) -> dict[str, int]:
    """Absolute pages of the anchors of ``parts`` (in order): fixed sections first, then the indicators."""
    found: dict[str, int] = {}
    offset = 0
    for part in parts:
        for name, page in part.anchors.items():
            found.setdefault(name, offset + page)
        offset += part.pages
    ordered = [name for name in SECTION_ANCHORS if name in found]
    ordered += [s.anchor for s in data.sections if s.anchor in found]
    return {name: found[name] for name in ordered}


def _join(data: ReportData, rendered: Iterator[RenderedPart]) -> RenderedReport:
    """Join the parts as they come (front matter, table of contents, summary, indicators), then draw what needs the
    final page numbers: the table of contents' numbers and links, the running header and footer."""
    with contextlib.ExitStack() as stack:
        front = next(rendered)
        out = stack.enter_context(pikepdf.open(io.BytesIO(front.pdf)))
        joiner = _Joiner(out)
        parts = [front]
        for part in rendered:
            # Stream data of copied objects is read from the source when saving: keep it open until then.
            joiner.append(stack.enter_context(pikepdf.open(io.BytesIO(part.pdf))))
            parts.append(part)
        anchors = _ordered_anchors(parts, data)
        bookmarks: list[Bookmark] = []
        offset = 0
        for part in parts:
            bookmarks.extend(replace(mark, page=offset + mark.page) for mark in part.bookmarks)
            offset += part.pages
        joiner.finish(bookmarks)
        _toc_links(out, anchors)
        toc_start = anchors.get("daftar-isi", front.pages)
        running.draw(
            out,
            data,
            range(len(out.pages)),
            len(out.pages),
            running.toc_numbers(out, toc_start, parts[1].link_ends, anchors),
        )
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True)
    refused = tuple(dict.fromkeys(url for part in parts for url in part.refused))
    return RenderedReport(
        pdf=buffer.getvalue(), pages=offset, anchors=anchors, refused=refused, toc_ends=tuple(parts[1].link_ends)
    )


# ------------------------------------------------------------------------------------------------ the report


def render_report(
    data: ReportData,
    *,
    logo: bytes | None = None,
    logo_mime: str | None = None,
    workers: int | None = None,
) -> RenderedReport:
    """Render ``data`` into a tagged PDF; the logo (PNG or JPEG) is shown on the cover when given.

    The parts (front matter, table of contents, summary, and the indicator sections cut into runs of at most about
    :data:`MAX_CHUNK_WEIGHT`, at least one per worker) are all handed to the worker pool at once and joined here
    in order as they come back. With ``workers=1`` every part is rendered here, one after the other.
    """
    AssetFetcher(logo=logo, logo_mime=logo_mime)  # an unusable logo is refused here, before any work
    processes = max(1, pool_size() if workers is None else workers)
    total = sum(_weight(section) for section in data.sections)
    runs = split_sections(data.sections, max(processes, math.ceil(total / MAX_CHUNK_WEIGHT)))

    def jobs() -> Iterator[Job]:
        yield Job(report_html(data, "front", with_logo=logo is not None), logo, logo_mime)
        yield Job(report_html(data, "toc"), link_prefix=TOC_LINK_PREFIX)
        yield Job(report_html(data, "summary"))
        previous: IndicatorSection | None = None
        for run in runs:
            yield Job(report_html(data, "indicators", sections=run, before=previous))
            previous = run[-1]

    return _join(data, render_all(jobs(), parallel=processes > 1))
