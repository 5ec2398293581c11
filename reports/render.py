"""The report PDF: :class:`reports.data.ReportData` → HTML (Jinja) → tagged PDF (WeasyPrint), in parallel parts.

The HTML is rendered with Flask's ``render_template`` inside an app context (no request is needed, the report is
made in a background job). WeasyPrint loads only what :class:`reports.fetcher.AssetFetcher` serves: the
stylesheet from ``reports/assets/`` and the instansi's logo from memory.

The report is laid out in parts, each its own HTML document: the front matter (sampul, berita acara, pernyataan),
the table of contents, the summary, and the indicator sections cut into one run per worker process, balanced by
text size. The parts are rendered at the same time in a pool of worker processes (started once, from a fork
server, and reused; they get HTML strings and send back PDF bytes); without a pool they are rendered one after
the other here, the same way. The table of contents is rendered last, with the final page numbers as plain text,
and the parts are joined with pikepdf: one structure tree, one outline, the table of contents' links turned into
jumps, and the running header and footer ("hal. x dari y") drawn on every page as artifacts.

Text typed by users is escaped by Jinja and made breakable here: WeasyPrint takes minutes to lay out a single
word of many thousands of characters, so long runs without a space get a zero-width space every
:data:`BREAK_EVERY` characters (invisible, and a line may break there).
"""

from __future__ import annotations

import contextlib
import io
import math
import multiprocessing
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pikepdf
import weasyprint
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import render_template
from pikepdf import Array, Dictionary, Name, OutlineItem

from assess.scoring import round_half_up
from reports.data import IndicatorSection, ReportData
from reports.fetcher import AssetFetcher
from reports.overlay import Overlay, jump, text_at, text_width, uri_links

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
#: The parts of the report, each rendered as a document of its own (see the template).
PARTS = ("front", "toc", "summary", "indicators")
#: At most this many worker processes, however many CPUs there are.
MAX_WORKERS = 4
#: Imported once by the fork server, so every worker starts with them loaded.
PRELOAD = ("weasyprint", "reports.fetcher", "reports.render")
WARM_HTML = (
    '<html lang="id"><head><link rel="stylesheet" href="mandiri:asset/report.css"></head><body><p>1</p></body></html>'
)
#: The table of contents is rendered again (at most this often) while its page count changes with the numbers.
MAX_TOC_RENDERS = 3
PLACEHOLDER_DIGITS = 3
FIGURE_SPACE = "\u2007"
TOC_LINK_PREFIX = "mandiri-toc:"
#: Layout weights in characters of text: per document, per list item, per section, and the front matter.
EVIDENCE_WEIGHT = 350
ITEM_WEIGHT = 150
SECTION_WEIGHT = 1000
FRONT_WEIGHT = 12_000
TOC_LINE_WEIGHT = 150
#: A run of sections weighs at most about this much (some 60 pages): WeasyPrint's time and memory per page grow
#: with the length of the document, and smaller runs share out better between the workers.
MAX_CHUNK_WEIGHT = 240_000
#: CSS px → PDF points.
PX = 0.75
#: Running header and footer: Helvetica (WinAnsi, not embedded), in points from the page's edges.
RUNNING_SIZE = 7.5
RUNNING_GREY = b"0.333 0.333 0.333"
MARGIN_LEFT = 20 * 72 / 25.4
MARGIN_RIGHT = 18 * 72 / 25.4
HEADER_BASELINE = 52.0
FOOTER_BASELINE = 41.0
GAP = 12.0
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


def report_html(
    data: ReportData,
    part: str,
    *,
    sections: Sequence[IndicatorSection] | None = None,
    before: IndicatorSection | None = None,
    with_logo: bool = False,
    toc_numbers: Mapping[str, int] | None = None,
) -> str:
    """One part of the report as HTML (needs an app context, not a request), see :data:`PARTS`.

    ``sections`` are the indicators an ``"indicators"`` part shows (all by default) and ``before`` the one printed
    just before them; ``with_logo`` puts ``mandiri:logo`` on the cover; ``toc_numbers`` are the printed page
    numbers of the table of contents (figure spaces, as wide as :data:`PLACEHOLDER_DIGITS` digits, until known).
    """
    if part not in PARTS:
        raise ValueError(f"bagian laporan tidak dikenal: {part}")
    return render_template(
        TEMPLATE,
        data=data,
        part=part,
        sections=data.sections if sections is None else sections,
        before=before,
        with_logo=with_logo,
        toc_numbers={anchor: str(page) for anchor, page in (toc_numbers or {}).items()},
        toc_placeholder=FIGURE_SPACE * PLACEHOLDER_DIGITS,
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


# ------------------------------------------------------------------------------------------------ rendering parts


@dataclass(frozen=True)
class Bookmark:
    """A heading in the outline: its bookmark level, and where it is (page, CSS px from the page's top left)."""

    level: int
    title: str
    page: int
    x: float
    y: float


@dataclass(frozen=True)
class RenderedPart:
    """One part rendered on its own: what a worker process sends back."""

    pdf: bytes
    pages: int
    #: Element id → 0-based page within the part.
    anchors: dict[str, int]
    refused: tuple[str, ...]
    bookmarks: tuple[Bookmark, ...] = ()


def _anchors(document: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            if (name in SECTION_ANCHORS or name.startswith(INDICATOR_PREFIX)) and name not in found:
                found[name] = index
    return found


def render_part(
    html: str, logo: bytes | None = None, logo_mime: str | None = None, *, layout_only: bool = False
) -> RenderedPart:
    """HTML → tagged PDF; runs in a worker process (no Flask, no database) or, as a fallback, in this one.

    ``layout_only`` counts the pages and finds the anchors without writing the PDF (``pdf`` is empty).
    """
    fetcher = AssetFetcher(logo=logo, logo_mime=logo_mime)
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    pdf = b"" if layout_only else document.write_pdf(pdf_tags=True)
    bookmarks = tuple(
        Bookmark(level, label, index, x, y)
        for index, page in enumerate(document.pages)
        for level, label, (x, y), _state in page.bookmarks
    )
    return RenderedPart(pdf, len(document.pages), _anchors(document), tuple(fetcher.refused), bookmarks)


def _warm() -> int:
    """Loads WeasyPrint's fonts and the stylesheet once in a worker."""
    return render_part(WARM_HTML).pages


def pool_size() -> int:
    """Worker processes: the CPUs, at most :data:`MAX_WORKERS`, at least one."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _get_pool() -> ProcessPoolExecutor | None:
    """The shared worker pool, started on first use; ``None`` with a single CPU."""
    global _pool  # one pool per process, reused by every render
    size = pool_size()
    if size < 2:
        return None
    with _pool_lock:
        if _pool is None:
            # forkserver, never fork: the web server and the job worker have threads.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))
            _pool = ProcessPoolExecutor(max_workers=size, mp_context=context)
        return _pool


def _discard_pool(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def warm_up() -> bool:
    """Start the worker pool and load WeasyPrint in every worker; ``False`` when renders will run in-process."""
    pool = _get_pool()
    if pool is None:
        return False
    try:
        for future in [pool.submit(_warm) for _ in range(pool_size())]:
            future.result()
    except (BrokenProcessPool, OSError):
        _discard_pool(pool)
        return False
    return True


@dataclass(frozen=True)
class Job:
    """One part to render: its HTML, the logo when the part shows it, and whether only its layout is needed."""

    html: str
    logo: bytes | None = None
    logo_mime: str | None = None
    layout_only: bool = False

    @property
    def args(self) -> tuple[str, bytes | None, str | None]:
        return (self.html, self.logo, self.logo_mime)


class _Renderer:
    """Renders parts in the pool, or serially in this process when there is none or it broke."""

    def __init__(self, pool: ProcessPoolExecutor | None) -> None:
        self.pool = pool

    def run(self, jobs: Sequence[Job]) -> list[RenderedPart]:
        if self.pool is not None:
            try:
                futures = [self.pool.submit(render_part, *job.args, layout_only=job.layout_only) for job in jobs]
                return [future.result() for future in futures]
            except (BrokenProcessPool, OSError):
                _discard_pool(self.pool)
                self.pool = None
        return [render_part(*job.args, layout_only=job.layout_only) for job in jobs]

    def start(self, job: Job) -> Callable[[], RenderedPart]:
        """Start rendering ``job`` in the pool; the returned function waits for it (or renders it here)."""
        if self.pool is not None:
            try:
                future = self.pool.submit(render_part, *job.args, layout_only=job.layout_only)
            except (BrokenProcessPool, OSError):
                _discard_pool(self.pool)
                self.pool = None
            else:

                def result() -> RenderedPart:
                    try:
                        part: RenderedPart = future.result()
                    except (BrokenProcessPool, OSError):
                        return self.run([job])[0]
                    return part

                return result
        return lambda: self.run([job])[0]


def _weight(section: IndicatorSection) -> int:
    """About how long a section takes to lay out, in characters of text."""
    review = section.review
    notes = len(review.reviewer_note or "") + len(review.final_reason or "") if review else 0
    return (
        len(section.fakta or "")
        + len(section.analisis or "")
        + len(section.criteria or "")
        + notes
        + EVIDENCE_WEIGHT * len(section.evidence)
        + ITEM_WEIGHT * len(section.items)
        + SECTION_WEIGHT
    )


def split_sections(
    sections: Sequence[IndicatorSection], chunks: int, front_weight: int = 0
) -> list[tuple[IndicatorSection, ...]]:
    """``sections`` in at most ``chunks`` contiguous, non-empty runs of about equal weight.

    The first run is lighter by ``front_weight``: its worker is the one that goes on with the front matter.
    """
    weights = [_weight(s) for s in sections]
    target = (sum(weights) + front_weight) / max(1, chunks)
    boundary = target - front_weight
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
    for annot in page.obj.get("/Annots", Array()):
        if isinstance(annot, Dictionary) and "/StructParent" in annot:
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

    def append(self, src: pikepdf.Pdf, at: tuple[int, int] | None = None) -> None:
        """Add ``src`` at the end, or ``at`` (page index, index among the /Document element's kids)."""
        start = len(self.out.pages) if at is None else at[0]
        if at is None:
            self.out.pages.extend(src.pages)
        else:
            for i, page in enumerate(src.pages):
                self.out.pages.insert(start + i, page)
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
        kid_at = len(self.document.K) if at is None else at[1]
        for i, kid in enumerate(_kids(document if document is not None else tree)):
            if isinstance(kid, Dictionary):
                kid.P = self.document
            self.document.K.insert(kid_at + i, kid)
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
    for page in out.pages:
        for annot, anchor in list(uri_links(page, TOC_LINK_PREFIX)):
            target = anchors.get(anchor)
            if target is None:
                del annot["/A"]
            else:
                jump(annot, out, target)


def _running_texts(out: pikepdf.Pdf, data: ReportData) -> None:
    """Header (the report's title, not on the cover) and footer (instansi · year, "hal. x dari y") on every page,
    drawn as artifacts with a standard font after the parts are joined, when the total is known."""
    overlay = Overlay(out)
    total = len(out.pages)
    footer = f"{data.instansi_name} · Penilaian Mandiri {data.year}"
    for index, page in enumerate(out.pages):
        x0, y0, x1, y1 = (float(v) for v in page.mediabox)
        left, right = x0 + MARGIN_LEFT, x1 - MARGIN_RIGHT
        width = right - left
        number = f"hal. {index + 1} dari {total}"
        number_width = text_width(number, RUNNING_SIZE)
        footer_size = min(
            RUNNING_SIZE, RUNNING_SIZE * (width - number_width - GAP) / max(1.0, text_width(footer, RUNNING_SIZE))
        )
        drawing = b"q " + RUNNING_GREY + b" rg\n"
        drawing += text_at(left, y0 + FOOTER_BASELINE, footer_size, footer)
        drawing += text_at(right - number_width, y0 + FOOTER_BASELINE, RUNNING_SIZE, number)
        if index > 0:
            size = min(RUNNING_SIZE, RUNNING_SIZE * width / max(1.0, text_width(data.title, RUNNING_SIZE)))
            x = left + (width - text_width(data.title, size)) / 2
            drawing += text_at(x, y1 - HEADER_BASELINE, size, data.title)
        overlay.add(page, drawing + b"Q\n")


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


def _numbered_toc(
    data: ReportData,
    renderer: _Renderer,
    first: RenderedPart,
    assumed: int,
    front: RenderedPart,
    tail: list[RenderedPart],
) -> RenderedPart:
    """The table of contents ``first`` rendered with numbers that assumed it has ``assumed`` pages; rendered again
    (at most :data:`MAX_TOC_RENDERS` renders in all) while the numbers change its page count."""
    toc = first
    for _attempt in range(1, MAX_TOC_RENDERS):
        if toc.pages == assumed:
            break
        assumed = toc.pages
        numbers = _toc_numbers(front.pages + assumed, tail)
        toc = renderer.start(Job(report_html(data, "toc", toc_numbers=numbers)))()
    return toc


def _toc_numbers(start: int, tail: Sequence[RenderedPart]) -> dict[str, int]:
    """Printed (1-based) page of every anchor in ``tail``, the parts after the table of contents."""
    numbers: dict[str, int] = {}
    for part in tail:
        numbers.update((name, start + page + 1) for name, page in part.anchors.items())
        start += part.pages
    return numbers


def _join(
    data: ReportData,
    renderer: _Renderer,
    front: RenderedPart,
    toc_layout: RenderedPart,
    tail: list[RenderedPart],
) -> RenderedReport:
    """Render the numbered table of contents while the other parts are joined, then put it in its place."""
    numbers = _toc_numbers(front.pages + toc_layout.pages, tail)
    pending = renderer.start(Job(report_html(data, "toc", toc_numbers=numbers)))
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(pikepdf.open(io.BytesIO(front.pdf)))
        joiner = _Joiner(out)
        front_kids = len(joiner.document.K)
        for part in tail:
            # Stream data of copied objects is read from the source when saving: keep it open until then.
            joiner.append(stack.enter_context(pikepdf.open(io.BytesIO(part.pdf))))
        toc = _numbered_toc(data, renderer, pending(), toc_layout.pages, front, tail)
        joiner.append(stack.enter_context(pikepdf.open(io.BytesIO(toc.pdf))), at=(front.pages, front_kids))
        parts = [front, toc, *tail]
        anchors = _ordered_anchors(parts, data)
        bookmarks: list[Bookmark] = []
        offset = 0
        for part in parts:
            bookmarks.extend(replace(mark, page=offset + mark.page) for mark in part.bookmarks)
            offset += part.pages
        joiner.finish(bookmarks)
        _toc_links(out, anchors)
        _running_texts(out, data)
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True)
    refused = tuple(dict.fromkeys(url for part in parts for url in part.refused))
    return RenderedReport(pdf=buffer.getvalue(), pages=offset, anchors=anchors, refused=refused)


# ------------------------------------------------------------------------------------------------ the report


def render_report(
    data: ReportData,
    *,
    logo: bytes | None = None,
    logo_mime: str | None = None,
    workers: int | None = None,
) -> RenderedReport:
    """Render ``data`` into a tagged PDF; the logo (PNG or JPEG) is shown on the cover when given.

    The indicator sections are cut into at least ``workers`` runs (default :func:`pool_size`; more when a run
    would weigh more than :data:`MAX_CHUNK_WEIGHT`) rendered in the pool in parallel with the front matter, then
    the table of contents is rendered with the final page numbers and everything is joined. With ``workers=1``
    every part is rendered here, one after the other.
    """
    AssetFetcher(logo=logo, logo_mime=logo_mime)  # an unusable logo is refused here, before any work
    processes = max(1, pool_size() if workers is None else workers)
    front_weight = FRONT_WEIGHT + TOC_LINE_WEIGHT * len(data.sections)
    total = front_weight + sum(_weight(section) for section in data.sections)
    runs = split_sections(data.sections, max(processes, math.ceil(total / MAX_CHUNK_WEIGHT)), front_weight)
    jobs: list[Job] = []
    previous: IndicatorSection | None = None
    for run in runs:
        jobs.append(Job(report_html(data, "indicators", sections=run, before=previous)))
        previous = run[-1]
    jobs.append(Job(report_html(data, "front", with_logo=logo is not None), logo, logo_mime))
    jobs.append(Job(report_html(data, "toc"), layout_only=True))  # its page count, numbers not yet known
    jobs.append(Job(report_html(data, "summary")))
    renderer = _Renderer(_get_pool() if processes > 1 else None)
    *indicator_parts, front, toc, summary = renderer.run(jobs)
    return _join(data, renderer, front, toc, [summary, *indicator_parts])
