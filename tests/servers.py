"""Real Mandiri processes for the integration and browser tests: a free loopback port, a SQLite environment, the
commands, waiting for a server and stopping it."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of a server on a SQLite file in ``tmp``; nothing of the caller's MANDIRI_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANDIRI_")}
    env.update(
        {
            "MANDIRI_DATABASE_URL": f"sqlite:///{tmp / 'mandiri.db'}",
            "MANDIRI_STORAGE_ROOT": str(tmp / "evidence"),
            "MANDIRI_SECRET_KEY": "integration-secret-key",
            "MANDIRI_SECURITY_PASSWORD_SALT": "integration-password-salt",
            "MANDIRI_EXPORT_ROOT": str(tmp / "exports"),
            "MANDIRI_JOBS_BACKEND": "sqlite",
            "MANDIRI_JOBS_SQLITE_PATH": str(tmp / "jobs.db"),
            "MANDIRI_SOFFICE": "off",
            # Login counts of its own: the default file in the package's instance folder is shared by every run.
            "MANDIRI_RATELIMIT_STORAGE_URI": f"sqlite:///{tmp / 'ratelimit.db'}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def mandiri() -> list[str]:
    script = Path(sys.executable).with_name("mandiri")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from assess.cli import main; main()"]


def run(*args: str, env: dict[str, str]) -> str:
    """``mandiri ARGS`` to its end; its output (the test fails, with what it said, when it fails)."""
    result = subprocess.run(  # noqa: S603 - our own console script with fixed arguments
        [*mandiri(), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"mandiri {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def gunicorn() -> list[str]:
    return [sys.executable, "-m", "gunicorn"]


def wait_healthy(url: str, proc: subprocess.Popen[Any], log: Path, timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling the server start is the only sleep
    pytest.fail(f"server did not answer /healthz within {timeout:.0f} s:\n{log.read_text(errors='replace')}")


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """The ``processes`` still running (a zombie waiting for its parent to reap it has ended)."""
    running = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(process)
        except psutil.NoSuchProcess:
            continue
    return running


def still_alive(processes: list[psutil.Process], within: float) -> list[psutil.Process]:
    """The ``processes`` still running after waiting up to ``within`` seconds for them to end."""
    deadline = time.monotonic() + within
    while (running := alive(processes)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return running


def stop(proc: subprocess.Popen[Any]) -> None:
    """End a process this test started (SIGTERM, then SIGKILL after 15 s), reap it and close its pipe."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait(timeout=15)
    if proc.stdout is not None:
        proc.stdout.close()


#: prctl(2): the signal a process gets when the thread that started it ends.
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child before it runs its program: the kernel sends it SIGTERM when the test process ends, however it
    ends (a SIGTERM or SIGKILL runs no fixture teardown), so no node or worker outlives the run and takes the next
    run's jobs from the shared Redis database."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")


@contextmanager
def silent_endpoint() -> Iterator[int]:
    """A loopback port that accepts connections and never answers (a store or a queue that stalls)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def open_files_under(pids: Iterable[int], directory: Path) -> dict[int, list[str]]:
    """The files below ``directory`` each process holds open, by pid (an unnamed spool shows as ``…/#N``); a
    process that has ended holds none."""
    held: dict[int, list[str]] = {}
    prefix = str(directory) + "/"
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except FileNotFoundError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except FileNotFoundError:
                continue
            if target.startswith(prefix):
                held.setdefault(pid, []).append(target)
    return held
