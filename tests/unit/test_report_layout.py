"""The render workers' module: small to start, where the table of contents' numbers go, and a pool that fails soft."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import psutil
import pytest

from reports import layout
from reports.layout import Job, render_all, render_part
from tests.servers import still_alive

REPO = Path(__file__).resolve().parents[2]
PAGE = '<html lang="id"><head><link rel="stylesheet" href="mandiri:asset/report.css"></head><body>{}</body></html>'


def test_the_worker_module_loads_nothing_of_the_application() -> None:
    """The fork server preloads reports.layout: every worker starts with what it imports, so it stays lean; the
    ZIP's writer, which a worker runs aside (:func:`reports.layout.aside`), loads nothing more."""
    probe = (
        "import sys, reports.layout, reports.archive; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'assess', 'babel', 'jinja2'}))"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def test_link_ends_are_on_the_last_line_of_a_wrapped_link() -> None:
    short = '<p><a href="mandiri-toc:a">Pendek</a></p>'
    long = '<p><a href="mandiri-toc:b">' + "kata " * 80 + "<br>akhir</a></p>"
    other = '<p><a href="https://contoh.go.id/">bukan daftar isi</a></p>'
    part = render_part(PAGE.format(short + long + other), link_prefix="mandiri-toc:")

    ends = {end.uri: end for end in part.link_ends}
    assert set(ends) == {"mandiri-toc:a", "mandiri-toc:b"}
    a, b = ends["mandiri-toc:a"], ends["mandiri-toc:b"]
    assert a.page == b.page == 0
    assert b.baseline > a.baseline + 3 * a.size  # several lines further down: the link wrapped
    left, right = 20 * 96 / 25.4, (210 - 18) * 96 / 25.4  # the page's content box, CSS px
    assert left < a.right < left + 10 * a.size  # just after "Pendek"
    assert left < b.right < left + 6 * a.size  # just after "akhir", alone on the wrapped link's last line
    assert max(a.right, b.right) <= right
    assert a.size == pytest.approx(9.5 * 4 / 3)  # the stylesheet's 9.5pt, in px
    assert render_part(PAGE.format(short)).link_ends == ()  # nothing is located unless asked


class _CancellingPool:
    """A pool that accepts the jobs, then is shut down under them: every future is cancelled."""

    def __init__(self) -> None:
        self.shut_down = False

    def submit(self, *_args: Any, **_kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.cancel()
        return future

    def shutdown(self, **_kwargs: Any) -> None:
        self.shut_down = True


def test_jobs_of_a_pool_that_went_away_are_rendered_here(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = _CancellingPool()
    monkeypatch.setattr(layout, "_get_pool", lambda: pool)
    jobs = [Job(PAGE.format(f"<p>bagian {n}</p>")) for n in range(3)]
    parts = list(render_all(jobs, parallel=True))
    assert pool.shut_down
    assert [part.pages for part in parts] == [1, 1, 1]
    assert all(part.pdf.startswith(b"%PDF-") for part in parts)


def test_aside_runs_in_a_worker_process_and_hands_back_its_result() -> None:
    if layout.pool_size() < 2:
        pytest.skip("one CPU: no worker pool, aside runs here")
    call = layout.aside(os.getpid)
    assert call.result() != os.getpid()
    call.wait()  # nothing left to wait for


def test_aside_raises_what_the_call_raised() -> None:
    call = layout.aside(os.strerror, "bukan angka")  # TypeError in the worker (or here)
    with pytest.raises(TypeError):
        call.result()


def test_aside_of_a_pool_that_went_away_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = _CancellingPool()
    monkeypatch.setattr(layout, "_get_pool", lambda: pool)
    call = layout.aside(os.getpid)
    assert call.result() == os.getpid()
    assert pool.shut_down


def test_shutdown_returns_once_the_pool_has_nothing_left_running() -> None:
    """A process that ends after ``shutdown()`` (``mandiri worker`` on SIGTERM) must not race the pool's own
    thread at exit: Python 3.11's exit handler could wake the thread's pipe just as the thread closed it, and
    the worker then ended with a traceback on stderr (``OSError: [Errno 9]``) instead of its JSON log."""
    if layout.pool_size() < 2:
        pytest.skip("one CPU: no worker pool")
    layout.shutdown()  # a pool left by an earlier test
    before = set(threading.enumerate())
    assert layout.warm_up()
    assert set(threading.enumerate()) - before  # the pool runs a thread of its own
    layout.shutdown()
    assert set(threading.enumerate()) - before == set()


MAIN_SCRIPT = """
import os

# Run again by every process that runs this script as its main module: each one notes its pid.
with open(os.environ["MANDIRI_TEST_MAIN_RUNS"], "a") as runs:
    runs.write(f"{os.getpid()}\\n")

if __name__ == "__main__":
    from reports import layout

    assert layout.warm_up()
    print(os.getpid(), layout.aside(os.getpid).result(), flush=True)
    layout.shutdown()
"""


def test_workers_do_not_run_the_main_module_of_their_parent(tmp_path: Path) -> None:
    """``mandiri worker``'s main module is a script that imports the whole application: a worker that ran it again
    (what multiprocessing does for a process it starts) would load the application too, about 70 MiB of its own."""
    if layout.pool_size() < 2:
        pytest.skip("one CPU: no worker pool")
    script, runs = tmp_path / "hoofd.py", tmp_path / "runs.txt"
    script.write_text(MAIN_SCRIPT, encoding="utf-8")
    env = {**os.environ, "MANDIRI_TEST_MAIN_RUNS": str(runs), "PYTHONPATH": str(REPO)}
    done = subprocess.run(  # noqa: S603 - this interpreter, a script of this test
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    itself, worker = (int(pid) for pid in done.stdout.split())
    assert worker != itself
    assert [int(pid) for pid in runs.read_text().split()] == [itself]  # never the worker


def test_release_lets_the_workers_go_and_the_next_call_starts_new_ones() -> None:
    if layout.pool_size() < 2:
        pytest.skip("one CPU: no worker pool")
    assert layout.warm_up()
    worker = layout.aside(os.getpid).result()
    layout.release()
    assert still_alive([psutil.Process(worker)], within=10) == []
    fresh = layout.aside(os.getpid).result()
    assert fresh not in (worker, os.getpid())
    layout.shutdown()
