"""Browser end-to-end fixtures: a real Mandiri server (gunicorn) on a real SQLite file, and Debian's Chromium.

The database is always a SQLite file of its own in a temporary folder, prepared with the real command line
(``mandiri init`` and ``mandiri demo``), so these tests do not follow ``MANDIRI_TEST_DATABASE_URL`` and do not
carry the ``db`` marker (the PostgreSQL rerun, ``-m db``, leaves them out). Browsers are never downloaded:
pytest-playwright's fixtures are pointed at ``/usr/bin/chromium``.

Every browser context records the Content-Security-Policy violations of its pages (a ``securitypolicyviolation``
listener and the console's "Content Security Policy" messages); a test whose pages reported any fails at its end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
PASSWORD = "uji-e2e-rahasia-2024"
#: A small upload limit, so a "too large" file is small too.
UPLOAD_MAX_MB = 1
START_TIMEOUT = 45.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: browser end-to-end test (real server, SQLite file, Chromium)")


@dataclass
class Server:
    url: str
    tmp: Path
    log: Path
    password: str = PASSWORD


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(tmp: Path) -> dict[str, str]:
    # Nothing from the caller's MANDIRI_* settings (e.g. the PostgreSQL test URL) leaks into the server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANDIRI_")}
    env.update(
        {
            "MANDIRI_DATABASE_URL": f"sqlite:///{tmp / 'mandiri.db'}",
            "MANDIRI_STORAGE_ROOT": str(tmp / "evidence"),
            "MANDIRI_SECRET_KEY": "e2e-secret-key-not-for-production",
            "MANDIRI_SECURITY_PASSWORD_SALT": "e2e-password-salt",
            "MANDIRI_UPLOAD_MAX_MB": str(UPLOAD_MAX_MB),
            "MANDIRI_EXPORT_ROOT": str(tmp / "exports"),
            "MANDIRI_JOBS_BACKEND": "sqlite",
            "MANDIRI_JOBS_SQLITE_PATH": str(tmp / "jobs.db"),
            "MANDIRI_SOFFICE": "off",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _mandiri(*args: str, env: dict[str, str], cwd: Path) -> str:
    script = Path(sys.executable).with_name("mandiri")
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from assess.cli import main; main()"]
    result = subprocess.run(  # noqa: S603 - our own console script with fixed arguments
        [*command, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=180, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"mandiri {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
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
    pytest.fail(f"server did not answer /healthz within {START_TIMEOUT:.0f} s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``mandiri init`` + ``mandiri demo`` on a fresh SQLite file, then gunicorn on a free port of 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("e2e")
    env = _server_env(tmp)
    _mandiri("init", env=env, cwd=ROOT)
    demo = _mandiri("demo", "--password", PASSWORD, env=env, cwd=ROOT)
    assert "pengisi@kota-contoh.go.id" in demo, demo

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # gunicorn with the shipped settings (threaded workers, the slow-body guard), as in production.
    command = [sys.executable, "-m", "gunicorn", "-c", "python:assess.serving", "-b", f"127.0.0.1:{port}"]
    command.append("assess:create_app()")
    log = tmp / "server.log"
    script = Path(sys.executable).with_name("mandiri")
    worker_command = [str(script)] if script.exists() else [sys.executable, "-c", "from assess.cli import main; main()"]
    worker_log = tmp / "worker.log"
    with log.open("wb") as out, worker_log.open("wb") as worker_out:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        # The export job's worker, as in production: a process of its own consuming the SQLite job queue.
        worker = subprocess.Popen(  # noqa: S603
            [*worker_command, "worker"], env=env, cwd=ROOT, stdout=worker_out, stderr=subprocess.STDOUT
        )
    try:
        _wait_healthy(url, proc, log)
        yield Server(url=url, tmp=tmp, log=log)
    finally:
        for running in (proc, worker):
            running.terminate()
            try:
                running.wait(timeout=15)
            except subprocess.TimeoutExpired:
                running.kill()
                running.wait(timeout=5)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``test-artifacts/e2e/`` at the repository root, emptied of the previous run's screenshots."""
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options (``--headed``, ``--slowmo``…) plus Debian's Chromium."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: tests use ``server.url``. (This replaces pytest-playwright's own ``base_url`` fixture, a method
    of a plugin class that pytest 9 deprecates with a warning, which ``filterwarnings = error`` turns into an error.)"""
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "id-ID"}


#: Runs in every page before the page's own scripts (an init script, which the page's CSP does not govern).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = (e.sourceFile || location.href) + ":" + e.lineNumber;
  window.mandiriCspViolation(e.effectiveDirective + " blocked " + (e.blockedURI || "?") + " at " + where);
});
"""


@dataclass
class CspRecorder:
    """The CSP violations reported by the pages of the contexts it watches."""

    violations: list[str] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.expose_function("mandiriCspViolation", self._reported)
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._console)
        self.contexts.append(context)

    def _reported(self, violation: str) -> None:
        self.violations.append(violation)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(f"console: {message.text} ({message.page.url if message.page else '?'})")

    def settle(self) -> None:
        """Let every open page run its queued tasks, so a violation of its last moments is reported too."""
        for context in self.contexts:
            for page in context.pages:
                if not page.is_closed():
                    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")


@pytest.fixture
def csp() -> CspRecorder:
    return CspRecorder()


@pytest.fixture
def new_context(
    new_context: Callable[..., BrowserContext], csp: CspRecorder
) -> Iterator[Callable[..., BrowserContext]]:
    """pytest-playwright's contexts (``page`` and ``context`` come from here too), each recording CSP violations;
    the test fails at its end if any page reported one."""

    def make(**kwargs: Any) -> BrowserContext:
        context = new_context(**kwargs)
        csp.watch(context)
        return context

    yield make
    csp.settle()
    assert csp.violations == [], "Content-Security-Policy violations:\n" + "\n".join(csp.violations)
