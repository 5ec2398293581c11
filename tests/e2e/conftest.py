"""Browser end-to-end fixtures: a real Mandiri server (gunicorn) on a real SQLite file, and Debian's Chromium.

The database is always a SQLite file of its own in a temporary folder, prepared with the real command line
(``mandiri init`` and ``mandiri demo``), so these tests do not follow ``MANDIRI_TEST_DATABASE_URL`` and do not
carry the ``db`` marker (the PostgreSQL rerun, ``-m db``, leaves them out). Browsers are never downloaded:
pytest-playwright's fixtures are pointed at ``/usr/bin/chromium``.

Every browser context records the Content-Security-Policy violations of its pages (a ``securitypolicyviolation``
listener and the console's "Content Security Policy" messages); a test whose pages reported any fails at its end.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

from tests.servers import free_port, mandiri, run, server_env, stop, wait_healthy

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


@contextmanager
def demo_server(tmp: Path, **settings: str) -> Iterator[Server]:
    """``mandiri init`` + ``mandiri demo`` on a fresh SQLite file in ``tmp``, then gunicorn on a free port of
    127.0.0.1 and the job worker, with the e2e settings plus ``settings`` (``MANDIRI_*`` environment variables)."""
    env = server_env(
        tmp,
        MANDIRI_SECRET_KEY="e2e-secret-key-not-for-production",
        MANDIRI_SECURITY_PASSWORD_SALT="e2e-password-salt",
        **settings,
    )
    run("init", env=env)
    demo = run("demo", "--password", PASSWORD, env=env)
    assert "pengisi@kota-contoh.go.id" in demo, demo

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # gunicorn with the shipped settings (threaded workers, the slow-body guard), as in production.
    command = [sys.executable, "-m", "gunicorn", "-c", "python:assess.serving", "-b", f"127.0.0.1:{port}"]
    command.append("assess:create_app()")
    log = tmp / "server.log"
    worker_log = tmp / "worker.log"
    with log.open("wb") as out, worker_log.open("wb") as worker_out:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        # The export job's worker, as in production: a process of its own consuming the SQLite job queue.
        worker = subprocess.Popen(  # noqa: S603
            [*mandiri(), "worker"], env=env, cwd=ROOT, stdout=worker_out, stderr=subprocess.STDOUT
        )
    try:
        wait_healthy(url, proc, log, START_TIMEOUT)
        yield Server(url=url, tmp=tmp, log=log)
    finally:
        for running in (proc, worker):
            stop(running)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo served as in production (:func:`demo_server`), with a small upload limit."""
    with demo_server(tmp_path_factory.mktemp("e2e"), MANDIRI_UPLOAD_MAX_MB=str(UPLOAD_MAX_MB)) as served:
        yield served


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


def submit_login(page: Page, server: Server, email: str) -> None:
    """Sign in through the real login form (what follows depends on the role's landing page)."""
    page.goto(f"{server.url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(server.password)
    page.get_by_role("button", name="Masuk", exact=True).click()
