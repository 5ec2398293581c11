"""The log of a real server: ``mandiri serve`` (and gunicorn with ``-c python:assess.serving``) with
``MANDIRI_LOG_FORMAT=json`` writes only JSON lines to stderr, gunicorn's own messages among them, one access line per
request with the request's id (the response's ``X-Request-ID``) and the signed-in user, a state change's line with
the same id, and never an invitation's token; ``mandiri worker`` and ``mandiri init`` log the same way."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assess.cli import WORKER_READY
from tests.servers import ROOT, free_port, gunicorn, mandiri, run, server_env, stop, wait_healthy

OPERATOR = "operator@log.go.id"
PASSWORD = "sandi-operator-log"
FIELDS = {"time", "level", "logger", "request_id", "user_id", "message"}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Server:
    url: str
    tmp: Path
    env: dict[str, str]
    stderr: Path
    stdout: Path
    invitation: str  # the path of a one-time link (/undangan/<token>)

    def browser(self) -> urllib.request.OpenerDirector:
        """A client with its own cookies that does not follow redirects (a 302 comes back as HTTPError)."""
        return urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def lines(self) -> list[dict[str, Any]]:
        """Every complete line written to stderr so far, each parsed as JSON (the test fails on one that is not)."""
        text = self.stderr.read_text(encoding="utf-8")
        complete = text[: text.rfind("\n") + 1]
        parsed = []
        for line in complete.splitlines():
            try:
                parsed.append(json.loads(line))
            except json.JSONDecodeError:
                pytest.fail(f"not a JSON line on stderr: {line!r}")
        return parsed

    def access(self, request_id: str) -> list[dict[str, Any]]:
        return [e for e in self.lines() if e["logger"] == "mandiri.access" and e["request_id"] == request_id]


@dataclass
class Answer:
    status: int
    headers: Any
    body: bytes


def _open(
    opener: urllib.request.OpenerDirector, url: str, data: dict[str, str] | None = None, **headers: str
) -> Answer:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 - our own local server
    try:
        response = opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:  # a redirect (not followed) or an error page: an answer all the same
        response = error
    with response:
        return Answer(response.status, response.headers, response.read())


def _form(opener: urllib.request.OpenerDirector, url: str, fields: dict[str, str]) -> Answer:
    (token,) = set(CSRF.findall(_open(opener, url).body.decode()))
    return _open(opener, url, {**fields, "csrf_token": token})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("log")
    env = server_env(tmp, MANDIRI_LOG_FORMAT="json")
    run("init", env=env)
    run("operator", "create", "--email", OPERATOR, "--name", "Operator Log", "--password", PASSWORD, env=env)
    run("instansi", "create", "kota-log", "--name", "Pemerintah Kota Log", "--kind", "kota", env=env)
    users = tmp / "pengguna.csv"
    users.write_text("email,nama,peran,unit\nbaru@log.go.id,Pegawai Baru,admin,\n", encoding="utf-8")
    printed = run("user", "import", "kota-log", str(users), env=env)
    (invitation,) = re.findall(r"/undangan/\S+", printed)
    port = free_port()
    stdout, stderr = tmp / "serve.out", tmp / "serve.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        proc = subprocess.Popen(  # noqa: S603 - our console script, fixed arguments
            [*mandiri(), "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=out, stderr=err
        )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, stderr)
        yield Server(f"http://127.0.0.1:{port}", tmp, env, stderr, stdout, invitation)
    finally:
        stop(proc)


def test_a_signed_in_request_has_its_id_and_the_user(server: Server) -> None:
    browser = server.browser()
    signed_in = _form(browser, f"{server.url}/login", {"email": OPERATOR, "password": PASSWORD})
    assert signed_in.status == 302
    page = _open(browser, f"{server.url}/operator/?urut=nama")
    assert page.status == 200
    rid = page.headers["X-Request-ID"]
    with sqlite3.connect(server.tmp / "mandiri.db") as db:
        (operator_id,) = db.execute("SELECT id FROM users WHERE email = ?", (OPERATOR,)).fetchone()
    (line,) = server.access(rid)
    assert line["user_id"] == operator_id
    assert (line["method"], line["path"], line["status"]) == ("GET", "/operator/", 200)
    assert line["client"] == "127.0.0.1"
    assert line["bytes"] == len(page.body)
    assert TIME.fullmatch(line["time"])
    assert line["level"] == "INFO"


def test_an_incoming_request_id_is_echoed_and_a_bogus_one_replaced(server: Server) -> None:
    browser = server.browser()
    kept = _open(browser, f"{server.url}/healthz", **{"X-Request-ID": "0123456789abcdef0123456789abcdef"})
    assert kept.headers["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    (line,) = server.access("0123456789abcdef0123456789abcdef")
    assert (line["path"], line["user_id"]) == ("/healthz", None)

    replaced = _open(browser, f"{server.url}/tidak-ada", **{"X-Request-ID": "bukan id yang wajar"})
    assert replaced.status == 404
    rid = replaced.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    (line,) = server.access(rid)
    assert line["status"] == 404
    assert "bukan id yang wajar" not in server.stderr.read_text(encoding="utf-8")


def test_an_invitation_token_never_appears_and_the_state_change_is_logged(server: Server) -> None:
    token = server.invitation.rsplit("/", 1)[1]
    browser = server.browser()
    fields = {"password": "sandi-baru-sekali", "confirm": "sandi-baru-sekali"}
    accepted = _form(browser, f"{server.url}{server.invitation}?dari=surel", fields)
    assert accepted.status == 302
    rid = accepted.headers["X-Request-ID"]
    (line,) = server.access(rid)
    assert (line["method"], line["path"]) == ("POST", "/undangan/REDACTED")
    (used,) = [e for e in server.lines() if e["logger"] == "assess.services.invitations" and "dipakai" in e["message"]]
    assert used["request_id"] == rid
    assert token not in server.stderr.read_text(encoding="utf-8")
    assert token not in server.stdout.read_text(encoding="utf-8")


def test_every_line_is_json_with_every_field_gunicorns_too_and_one_access_line_per_request(server: Server) -> None:
    _open(server.browser(), f"{server.url}/login")
    lines = server.lines()
    assert all(entry.keys() >= FIELDS for entry in lines)
    assert any(e["logger"] == "gunicorn.error" and e["message"].startswith("Booting worker") for e in lines)
    access = [e["request_id"] for e in lines if e["logger"] == "mandiri.access"]
    assert access
    assert len(access) == len(set(access))  # no request logged twice
    assert not [e for e in lines if e["logger"].startswith("gunicorn.access")]


def test_gunicorn_started_on_its_own_logs_the_same_way(server: Server, tmp_path: Path) -> None:
    """``gunicorn -c python:assess.serving``: the master has no app, so it configures itself from MANDIRI_LOG_*."""
    port = free_port()
    stderr = tmp_path / "gunicorn.err"
    command = [*gunicorn(), "-c", "python:assess.serving", "-b", f"127.0.0.1:{port}", "assess:create_app()"]
    staging = Path(server.env["MANDIRI_STORAGE_ROOT"]) / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    left = staging / "upload-tertinggal.part"  # what a worker killed between staging and storing left behind
    left.write_bytes(b"sisa unggahan")
    os.utime(left, (time.time() - 2 * 3600, time.time() - 2 * 3600))
    with stderr.open("wb") as err:
        env = {**server.env, "MANDIRI_WEB_WORKERS": "1"}
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)  # noqa: S603
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, stderr)
        rid = _open(urllib.request.build_opener(), f"http://127.0.0.1:{port}/login").headers["X-Request-ID"]
    finally:
        stop(proc)
    lines = Server(f"http://127.0.0.1:{port}", tmp_path, server.env, stderr, stderr, "").lines()
    assert any(e["logger"] == "gunicorn.error" and e["message"].startswith("Starting gunicorn") for e in lines)
    assert [e["path"] for e in lines if e["logger"] == "mandiri.access" and e["request_id"] == rid] == ["/login"]
    assert not left.exists()  # each web node sweeps its own staging directory when a worker starts


def test_a_command_that_migrates_keeps_logging_json(server: Server) -> None:
    """alembic's own logging configuration (alembic.ini) would replace the process's for the rest of ``init``."""
    done = subprocess.run(  # noqa: S603 - our console script, fixed arguments
        [*mandiri(), "init"], env=server.env, cwd=ROOT, capture_output=True, text=True, timeout=180, check=True
    )
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert any(entry["logger"].startswith("alembic") for entry in lines)
    assert all(entry.keys() >= FIELDS for entry in lines)


def test_the_job_worker_logs_the_same_way(server: Server, tmp_path: Path) -> None:
    stderr = tmp_path / "worker.err"
    with stderr.open("wb") as err:
        proc = subprocess.Popen(  # noqa: S603 - our console script, fixed arguments
            [*mandiri(), "worker"], env=server.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True
        )
    log = Server(server.url, tmp_path, server.env, stderr, stderr, "")
    try:
        assert proc.stdout is not None
        assert WORKER_READY in proc.stdout.readline()
        deadline = time.monotonic() + 30
        while not any(e["message"].startswith("Huey consumer started") for e in log.lines()):
            assert time.monotonic() < deadline, stderr.read_text(encoding="utf-8")
            time.sleep(0.2)  # the consumer logs its start once it runs
    finally:
        stop(proc)
    lines = log.lines()
    assert any(e["logger"] == "huey.consumer" for e in lines)
    assert all(entry.keys() >= FIELDS for entry in lines)
