"""The report renderer's pool (a fork server and its workers) ends with the process that started it, whatever
ends that process: SIGTERM, or SIGKILL, which leaves it no chance to clean up.

Each case starts a real process that starts the pool: a script that warms it and renders once, ``mandiri worker``
and ``mandiri serve`` (whose pool is started from the embedded worker's warm-up thread, which ends right after).
The pool's processes are remembered by the process tree before the signal; none may be left a few seconds after.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from assess.cli import WORKER_READY
from reports.layout import pool_size
from tests.servers import ROOT, alive, free_port, mandiri, server_env, still_alive, stop, wait_healthy

#: How long the pool may outlive its parent.
GONE_WITHIN_S = 5.0
RENDER_ONCE = """
import signal
from reports.layout import Job, render_all, warm_up
assert warm_up()
part = next(render_all([Job('<html lang="id"><body><p>Uji</p></body></html>')], parallel=True))
print("dirender", part.pages, flush=True)
signal.pause()
"""

pytestmark = pytest.mark.skipif(pool_size() < 2, reason="one CPU: reports are rendered without a pool")


def _command(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:  # ended meanwhile
        return ""


def _pool_of(root: psutil.Process, expected: int, timeout: float = 60.0) -> list[psutil.Process]:
    """The processes below ``root`` once the fork server and every worker are there."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            tree = root.children(recursive=True)
            forkservers = [p for p in tree if "forkserver" in _command(p)]
            if forkservers and sum(len(s.children()) for s in forkservers) >= expected:
                return tree
        except psutil.Error:  # a process of the tree ended while it was read: read it again
            tree = []
        assert time.monotonic() < deadline, f"no render pool below {root.pid}: {[_command(p) for p in tree]}"
        time.sleep(0.1)


def _wait_line(proc: subprocess.Popen[str], text: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    for line in proc.stdout:
        if text in line:
            return
        assert time.monotonic() < deadline, f"{text!r} not printed"
    pytest.fail(f"the process ended (exit {proc.wait()}) before printing {text!r}")


@contextmanager
def _running(kind: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], psutil.Process]]:
    """The process that starts the pool, and the process whose children the pool's processes are."""
    env = server_env(tmp_path, MANDIRI_JOBS_EMBEDDED_WORKER="true")
    if kind != "render":
        subprocess.run([*mandiri(), "init"], env=env, cwd=ROOT, capture_output=True, timeout=180, check=True)  # noqa: S603
    if kind == "serve":
        port = free_port()
        log = tmp_path / "serve.log"
        with log.open("w") as out:
            proc = subprocess.Popen(  # noqa: S603 - our console script, fixed arguments
                [*mandiri(), "serve", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
    else:
        command = [sys.executable, "-c", RENDER_ONCE] if kind == "render" else [*mandiri(), "worker"]
        proc = subprocess.Popen(  # noqa: S603 - this interpreter or our console script, fixed arguments
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
    try:
        if kind == "serve":
            wait_healthy(f"http://127.0.0.1:{port}", proc, log)
            (owner,) = psutil.Process(proc.pid).children()  # gunicorn's one web worker
        else:
            _wait_line(proc, "dirender 1" if kind == "render" else WORKER_READY)
            owner = psutil.Process(proc.pid)
        yield proc, owner
    finally:
        stop(proc)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("kind", ["render", "worker", "serve"])
def test_the_render_pool_ends_with_its_parent(kind: str, sig: signal.Signals, tmp_path: Path) -> None:
    pool: list[psutil.Process] = []
    try:
        with _running(kind, tmp_path) as (proc, owner):
            pool = _pool_of(owner, expected=pool_size())
            proc.send_signal(sig)
            proc.wait(timeout=30)
            left = still_alive(pool, within=GONE_WITHIN_S)
            assert [_command(p) for p in left] == [], f"left running after {sig.name} to {kind}"
    finally:
        for process in alive(pool):  # what this test started must not outlive it, even when it failed
            process.kill()
