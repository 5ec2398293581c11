"""The worker side of the report: HTML → tagged PDF with WeasyPrint, in a pool of worker processes.

This module imports WeasyPrint and the restricted fetcher and nothing of the application (no Flask, no database,
no Babel): the pool's fork server preloads it, so every worker starts small (about 50 MiB, half of it shared with
the fork server) and with WeasyPrint loaded; nor do the workers run the parent's main module (:mod:`reports.forkmain`).
:mod:`reports.render` writes the HTML and joins what the workers send back.

The fork server is started once per process (never ``fork``: the web server and the job worker have threads) and
its workers are reused, until an export lets them go after its report (:func:`release`); workers get HTML strings
and send back PDF bytes. When there is a single CPU, or the pool breaks, parts are rendered here, one after the
other, the same way. The pool ends with this process, whatever ends it: the fork server and its workers are tied
to it (:mod:`reports.lifeline`); an ending server or job worker stops it first (:func:`shutdown`).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import weasyprint

from reports.fetcher import AssetFetcher

BASE_URL = "mandiri:asset/"
#: Element ids of the fixed sections; indicator sections add ``ind-<code>``.
SECTION_ANCHORS = ("sampul", "berita-acara", "persetujuan", "daftar-isi", "ringkasan")
INDICATOR_PREFIX = "ind-"
#: At most this many worker processes, however many CPUs there are.
MAX_WORKERS = 4
#: Seconds :func:`shutdown` waits for the pool's thread once the workers are stopped.
SHUTDOWN_WAIT = 10
#: Imported once by the fork server, so every worker starts with them loaded; the lifeline first of all, then what
#: keeps the parent's main module (the application) out of the workers.
PRELOAD = ("reports.lifeline", "reports.forkmain", "weasyprint", "reports.fetcher", "reports.layout")
WARM_HTML = (
    '<html lang="id"><head><link rel="stylesheet" href="mandiri:asset/report.css"></head><body><p>1</p></body></html>'
)


@dataclass(frozen=True)
class Bookmark:
    """A heading in the outline: its bookmark level, and where it is (page, CSS px from the page's top left)."""

    level: int
    title: str
    page: int
    x: float
    y: float


@dataclass(frozen=True)
class LinkEnd:
    """Where a link's last line ends: its URI, page, right edge and baseline (CSS px from the page's top left) and
    font size (CSS px). Numbers known only after the parts are joined are written there."""

    uri: str
    page: int
    right: float
    baseline: float
    size: float


@dataclass(frozen=True)
class RenderedPart:
    """One part rendered on its own: what a worker process sends back."""

    pdf: bytes
    pages: int
    #: Element id → 0-based page within the part.
    anchors: dict[str, int]
    refused: tuple[str, ...]
    bookmarks: tuple[Bookmark, ...] = ()
    link_ends: tuple[LinkEnd, ...] = ()


def _anchors(document: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            if (name in SECTION_ANCHORS or name.startswith(INDICATOR_PREFIX)) and name not in found:
                found[name] = index
    return found


def _link_ends(document: Any, prefix: str) -> tuple[LinkEnd, ...]:
    """The end of every ``<a>`` whose URI starts with ``prefix`` (its last line, where a title wraps)."""
    ends: dict[str, LinkEnd] = {}
    for index, page in enumerate(document.pages):
        for _kind, target, (_x0, _y0, x1, y1), box in page.links:
            if not target.startswith(prefix) or box.element_tag != "a":
                continue
            baseline = getattr(box, "baseline", None)
            line = box.position_y + baseline if baseline is not None else y1
            ends[target] = LinkEnd(target, index, x1, line, box.style["font_size"])
    return tuple(ends.values())


def render_part(
    html: str, logo: bytes | None = None, logo_mime: str | None = None, *, link_prefix: str | None = None
) -> RenderedPart:
    """HTML → tagged PDF; runs in a worker process or, as a fallback, in this one.

    With ``link_prefix``, where the links whose URI starts with it end is sent back too (:class:`LinkEnd`).
    """
    fetcher = AssetFetcher(logo=logo, logo_mime=logo_mime)
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    pdf = document.write_pdf(pdf_tags=True)
    bookmarks = tuple(
        Bookmark(level, label, index, x, y)
        for index, page in enumerate(document.pages)
        for level, label, (x, y), _state in page.bookmarks
    )
    ends = _link_ends(document, link_prefix) if link_prefix else ()
    return RenderedPart(pdf, len(document.pages), _anchors(document), tuple(fetcher.refused), bookmarks, ends)


def _settle() -> None:
    """Move what a worker holds for good (modules, caches) out of the garbage collector's sight: a render makes
    many short-lived objects, and every full collection would walk all of them again (~3.5% of a render)."""
    gc.collect()
    gc.freeze()


def _worker_started() -> None:
    """The first thing a worker does: end with the fork server, then settle."""
    from reports import lifeline  # loaded already: the fork server preloads it

    lifeline.bind_worker()
    _settle()


def _warm() -> int:
    """Loads WeasyPrint's fonts and the stylesheet once in a worker."""
    pages = render_part(WARM_HTML).pages
    _settle()
    return pages


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
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))
            _pool = ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_worker_started)
        return _pool


def _discard_pool(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the pool now, for a process that is ending: renders still queued are dropped and the workers stopped
    (a render cut short is redone from scratch by whoever needs it). A normal exit would wait for every queued
    render first."""
    pool = _take_pool()
    if pool is None:
        return
    workers = list((getattr(pool, "_processes", None) or {}).values())  # the executor's list of its processes
    manager = getattr(pool, "_executor_manager_thread", None)  # the executor's thread that watches them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        process.terminate()
    # Once the workers are gone the thread ends at once; waiting for it keeps Python 3.11's exit handler from
    # waking the thread's pipe while the thread closes it (an OSError printed on stderr as the process ends).
    if manager is not None:
        manager.join(timeout=SHUTDOWN_WAIT)


def release() -> None:
    """Let the pool's workers go once the renders handed to them are done: for a process about to use much memory
    of its own (an export's bundle, after its report). The next render or :func:`aside` starts new workers from the
    fork server, which has WeasyPrint loaded: they are ready in a fraction of a second."""
    pool = _take_pool()
    if pool is not None:
        pool.shutdown(wait=False)


def _take_pool() -> ProcessPoolExecutor | None:
    """The pool, no longer the one the next render uses (that one starts anew)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    return pool


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


T = TypeVar("T")


class Aside(Generic[T]):
    """A call handed to an idle worker of the pool (see :func:`aside`); :meth:`result` waits for it."""

    def __init__(self, fn: Callable[..., T], args: tuple[Any, ...]) -> None:
        self._fn, self._args = fn, args
        self._pool = _get_pool()
        self._future: Future[T] | None = None
        if self._pool is not None:
            try:
                self._future = self._pool.submit(fn, *args)
            except (BrokenProcessPool, OSError):
                _discard_pool(self._pool)

    def result(self) -> T:
        """The call's result or its exception; run here when there is no pool or it broke."""
        if self._future is not None and self._pool is not None:
            try:
                return self._future.result()
            except (BrokenProcessPool, CancelledError):
                _discard_pool(self._pool)
            finally:
                self._future = None
        return self._fn(*self._args)

    def wait(self) -> None:
        """Wait until a call handed to a worker is over (its outcome dropped): before removing what it writes to."""
        if self._future is not None:
            with contextlib.suppress(Exception):
                self._future.result()


def aside(fn: Callable[..., T], *args: Any) -> Aside[T]:
    """Run ``fn(*args)`` in a worker process (idle once the report is rendered) while this process goes on: for
    work that would otherwise wait on this process's GIL, such as writing the export's ZIP while the bundle is
    assembled. ``fn`` must be a module-level function whose module needs nothing of the application."""
    return Aside(fn, args)


@dataclass(frozen=True)
class Job:
    """One part to render: its HTML, the logo when the part shows it, the URI prefix of links to locate."""

    html: str
    logo: bytes | None = None
    logo_mime: str | None = None
    link_prefix: str | None = None

    def render(self) -> RenderedPart:
        return render_part(self.html, self.logo, self.logo_mime, link_prefix=self.link_prefix)


def render_all(jobs: Iterable[Job], *, parallel: bool) -> Iterator[RenderedPart]:
    """The rendered parts, in the order of ``jobs``, each as soon as it (and those before it) are done.

    In parallel each job is handed to the pool as soon as ``jobs`` yields it (the workers start on the first part
    while the HTML of the next is being written); a job whose worker died (or all of them, when the pool cannot be
    used) is rendered here instead.
    """
    pool = _get_pool() if parallel else None
    pending: list[tuple[Job, Future[RenderedPart] | None]] = []
    for job in jobs:
        future = None
        if pool is not None:
            try:
                future = pool.submit(job.render)
            except (BrokenProcessPool, OSError):
                _discard_pool(pool)
                pool = None
        pending.append((job, future))
    for job, future in pending:
        if future is not None and pool is not None:
            try:
                yield future.result()
                continue
            except (BrokenProcessPool, CancelledError, OSError):
                _discard_pool(pool)  # the jobs still queued are cancelled and rendered here
                pool = None
        yield job.render()
