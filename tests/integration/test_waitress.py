"""``mandiri serve`` where gunicorn cannot run: waitress (forced here by ``MANDIRI_WEB_SERVER=waitress``, as ``auto``
chooses it on a machine without ``fcntl``), with the embedded job worker, the log and the same answers."""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from assess.web_settings import ServingError, chosen_server
from tests.servers import ROOT, free_port, mandiri, run, server_env, stop, wait_healthy

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
OPERATOR = "operator@waitress.go.id"
PASSWORD = "sandi-operator-waitress"


@pytest.mark.parametrize(
    ("setting", "modules", "server"),
    [
        ("", {"fcntl", "gunicorn"}, "gunicorn"),
        ("auto", {"gunicorn"}, "waitress"),  # Windows: gunicorn installs, but cannot run without fcntl
        ("auto", {"fcntl"}, "waitress"),
        ("waitress", {"fcntl", "gunicorn"}, "waitress"),
        ("Gunicorn", set(), "gunicorn"),
    ],
)
def test_the_server_is_gunicorn_where_it_runs_and_waitress_elsewhere(
    setting: str, modules: set[str], server: str
) -> None:
    assert chosen_server({"MANDIRI_WEB_SERVER": setting}, has_module=modules.__contains__) == server


def test_an_unknown_server_is_refused_naming_the_setting() -> None:
    with pytest.raises(ServingError, match="MANDIRI_WEB_SERVER harus auto, gunicorn, waitress, tertulis 'uwsgi'"):
        chosen_server({"MANDIRI_WEB_SERVER": "uwsgi"})


def test_mandiri_serve_on_waitress_signs_in_serves_pages_and_runs_the_job_worker(tmp_path: Path) -> None:
    env = server_env(tmp_path, MANDIRI_WEB_SERVER="waitress", MANDIRI_LOG_FORMAT="json")
    run("init", env=env)
    run("operator", "create", "--email", OPERATOR, "--name", "Operator", "--password", PASSWORD, env=env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(  # noqa: S603 - our console script, fixed arguments
            [*mandiri(), "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=stdout, stderr=stderr
        )
    try:
        wait_healthy(url, proc, err)
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(f"{url}/login", timeout=10) as page:
            (token,) = set(CSRF.findall(page.read().decode()))
        form = urllib.parse.urlencode({"email": OPERATOR, "password": PASSWORD, "csrf_token": token}).encode()
        with browser.open(f"{url}/login", data=form, timeout=10) as landed:  # redirects followed
            assert landed.status == 200
            assert landed.url.endswith("/penilaian/")
        with browser.open(f"{url}/operator/", timeout=10) as operator:
            assert "Buat instansi baru" in operator.read().decode()
        with browser.open(f"{url}/healthz", timeout=10) as health:
            assert json.loads(health.read())["queue"]["status"] == "ok"
        deadline = time.monotonic() + 10
        while "Pekerja latar (ekspor) berjalan" not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        printed = out.read_text()
        assert "Pekerja latar (ekspor) berjalan di proses ini." in printed
        assert "Server waitress (8 utas)" in printed
    finally:
        stop(proc)
    logged = [json.loads(line) for line in err.read_text().splitlines() if line.startswith("{")]
    assert any(entry["logger"] == "mandiri.access" and "/operator/" in entry["message"] for entry in logged)
    assert not any(entry["logger"].startswith("gunicorn") for entry in logged)
