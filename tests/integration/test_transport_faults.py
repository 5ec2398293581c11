"""Transport faults on a real server (gunicorn, shipped settings, two workers, SQLite demo): nothing left in staging.

Unauthenticated chunked bodies, a chunked upload over the limit, a client gone mid-upload, a client that stalls
past the body's idle timeout and a worker killed mid-upload (issue 12, findings 1 and 2); the job worker's start-up
sweep. The server runs on its own SQLite file (as the browser tests' does), so this module carries no ``db`` marker
and is not rerun on PostgreSQL.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assess.cli import WORKER_READY
from tests.servers import ROOT, free_port, mandiri, open_files_under, run, server_env, stop, wait_healthy

PASSWORD = "uji-transport-rahasia-2024"
EMAIL = "pengisi@kota-contoh.go.id"
MiB = 1024 * 1024
#: The server's upload limit (MANDIRI_UPLOAD_MAX_MB=1: a request may send 2 MiB) and its small body limit.
LIMIT = 2 * MiB
DEADLINE_S = 15.0


@dataclass
class Server:
    host: str
    port: int
    master: subprocess.Popen[bytes]
    staging: Path
    log: Path
    cookies: dict[str, str] = field(default_factory=dict)
    assessment_id: int = 0

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=DEADLINE_S)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.master.pid}/task/{self.master.pid}/children").read_text().split()
        return [int(pid) for pid in children]


def _request(server: Server, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[int, bytes]:
    conn = server.connect()
    try:
        conn.request(method, path, body=body, headers={"Cookie": server.cookie_header(), **headers})
        response = conn.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                server.cookies[key] = rest.split(";", 1)[0]
        return response.status, response.read()
    finally:
        conn.close()


def _sign_in(server: Server) -> None:
    _status, page = _request(server, "GET", "/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, page[:500]
    form = f"email={EMAIL}&password={PASSWORD}&csrf_token={token.group(1).decode()}".replace("@", "%40")
    urlencoded = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _ = _request(server, "POST", "/login", form.encode(), **urlencoded)
    assert status == 302
    _status, page = _request(server, "GET", "/penilaian/")
    found = re.search(rb'href="/penilaian/(\d+)"', page)
    assert found, page[:500]
    server.assessment_id = int(found.group(1))


def _csrf(server: Server) -> str:
    status, body = _request(server, "GET", "/csrf", None, Accept="application/json")
    assert status == 200
    return str(json.loads(body)["token"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("transport")
    env = server_env(tmp, MANDIRI_UPLOAD_MAX_MB=str(LIMIT // MiB - 1))
    run("init", env=env)
    run("demo", "--password", PASSWORD, env=env)
    staging = tmp / "evidence" / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    # What a killed process of an older version left behind: the job worker's start-up sweep removes it.
    leftover = staging / "upload-tertinggal.part"
    leftover.write_bytes(b"\0" * 4096)
    long_ago = time.time() - 2 * 3600
    os.utime(leftover, (long_ago, long_ago))
    _worker_sweeps_at_start(tmp, env, leftover)

    port = free_port()
    # The shipped settings (assess.serving), with two worker processes: one of them is killed below.
    command = [sys.executable, "-m", "gunicorn", "-c", "python:assess.serving", "-b", f"127.0.0.1:{port}"]
    env = {**env, "MANDIRI_WEB_WORKERS": "2", "MANDIRI_WEB_GRACEFUL_TIMEOUT": "5", "MANDIRI_WEB_BODY_IDLE_TIMEOUT": "2"}
    log = tmp / "server.log"
    with log.open("wb") as out:
        master = subprocess.Popen(  # noqa: S603 - our own server with fixed arguments
            [*command, "assess:create_app()"], env=env, cwd=ROOT, stdout=out, stderr=out
        )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", master, log)
        running = Server("127.0.0.1", port, master, staging, log)
        _sign_in(running)
        yield running
    finally:
        stop(master)


def _worker_sweeps_at_start(tmp: Path, env: dict[str, str], leftover: Path) -> None:
    log = tmp / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([*mandiri(), "worker"], env=env, cwd=ROOT, stdout=out, stderr=out)  # noqa: S603
    try:
        _until(lambda: WORKER_READY in log.read_text(errors="replace") or worker.poll() is not None, "worker ready")
        assert worker.poll() is None, log.read_text(errors="replace")
        assert not leftover.exists()
    finally:
        stop(worker)


def _until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds (the only waiting here: for the server to get somewhere)."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {DEADLINE_S:.0f} s: {what}")
        time.sleep(0.05)


def _open_in_staging(server: Server) -> dict[int, list[str]]:
    """Files in the staging directory a web worker holds open (an unnamed spool shows as ``…/staging/#N``)."""
    return open_files_under(server.workers(), server.staging)


def _staging_files(server: Server) -> list[str]:
    return sorted(p.name for p in server.staging.iterdir())


def _assert_clean(server: Server) -> None:
    _until(lambda: not _open_in_staging(server) and not _staging_files(server), "staging empty, no spool open")
    status, _ = _request(server, "GET", "/healthz")
    assert status == 200


def _multipart_head(boundary: str, field_name: str, filename: str | None) -> bytes:
    disposition = f'form-data; name="{field_name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: application/pdf\r\n\r\n".encode()


def _send_chunked(server: Server, path: str, head: bytes, filler: int, **headers: str) -> int:
    """A chunked multipart body of ``filler`` bytes after ``head``; the status, even if the server answers early."""
    conn = server.connect()
    boundary = "grenze7c1"
    conn.putrequest("POST", path)
    for name, value in {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Transfer-Encoding": "chunked",
        "Cookie": server.cookie_header(),
        **headers,
    }.items():
        conn.putheader(name, value)
    conn.endheaders()
    chunk = b"%PDF-1.4\n" + b"a" * (64 * 1024 - 9)
    try:
        conn.send(b"%x\r\n%s\r\n" % (len(head), head))
        for _ in range(filler // len(chunk)):
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        tail = f"\r\n--{boundary}--\r\n".encode()
        conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(tail), tail))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered before the end of the body and closed: its answer is read below
    try:
        return conn.getresponse().status
    finally:
        conn.close()


def test_unauthenticated_chunked_bodies_are_refused_and_leave_nothing(server: Server) -> None:
    anonymous = Server(server.host, server.port, server.master, server.staging, server.log)
    boundary = "grenze7c1"
    upload = f"/penilaian/{server.assessment_id}/pustaka/unggah"
    # A text field over the small limit of every route that is not an upload: 413.
    assert _send_chunked(anonymous, "/login", _multipart_head(boundary, "email", None), 3 * MiB) == 413
    # A file part where no file is taken: refused at its first line, nothing written.
    assert _send_chunked(anonymous, "/login", _multipart_head(boundary, "berkas", "a.pdf"), 3 * MiB) == 400
    # The upload route without a session: the login redirect, the body unread.
    assert _send_chunked(anonymous, upload, _multipart_head(boundary, "files", "a.pdf"), 3 * MiB) == 302
    _assert_clean(server)


def test_a_chunked_upload_over_the_limit_is_413_and_leaves_nothing(server: Server) -> None:
    path = f"/penilaian/{server.assessment_id}/pustaka/unggah"
    head = _multipart_head("grenze7c1", "files", "besar.pdf")
    headers = {"X-CSRFToken": _csrf(server), "Accept": "application/json"}
    status = _send_chunked(server, path, head, LIMIT + MiB, **headers)
    assert status == 413
    _assert_clean(server)


def _start_upload(server: Server, sent: int, total: int) -> tuple[socket.socket, int]:
    """An upload of ``total`` bytes of which ``sent`` are on their way; returns the socket and the worker's pid."""
    boundary = "grenze7c1"
    head = _multipart_head(boundary, "files", "lambat.pdf")
    tail = f"\r\n--{boundary}--\r\n".encode()
    request = (
        f"POST /penilaian/{server.assessment_id}/pustaka/unggah HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(head) + total + len(tail)}"
        f"\r\nCookie: {server.cookie_header()}\r\nX-CSRFToken: {_csrf(server)}\r\nAccept: application/json\r\n\r\n"
    ).encode()
    sock = socket.create_connection((server.host, server.port), timeout=DEADLINE_S)
    try:
        sock.sendall(request + head + b"%PDF-1.4\n" + b"b" * (sent - 9))
        _until(lambda: bool(_open_in_staging(server)), "a web worker spools the upload")
        held = _open_in_staging(server)
        assert len(held) == 1, held
        ((pid, files),) = held.items()
        assert all("(deleted)" in f or "/#" in f for f in files), files  # unnamed while it is being written
        assert _staging_files(server) == []
    except BaseException:
        sock.close()
        raise
    return sock, pid


def test_a_client_gone_mid_upload_leaves_nothing(server: Server) -> None:
    sock, _pid = _start_upload(server, 600 * 1024, LIMIT - 2 * 64 * 1024)
    sock.close()
    _assert_clean(server)


def test_a_client_that_stalls_mid_upload_is_cut_off_and_leaves_nothing(server: Server) -> None:
    """It sends part of the body, then nothing (the server's idle timeout for a body here is 2 s): 408 and the
    connection closed, its worker thread free again, nothing left in staging."""
    sock, _pid = _start_upload(server, 600 * 1024, LIMIT - 2 * 64 * 1024)
    try:
        started = time.monotonic()
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert time.monotonic() - started < DEADLINE_S
    finally:
        sock.close()
    _assert_clean(server)


def test_a_worker_killed_mid_upload_leaves_nothing(server: Server) -> None:
    sock, pid = _start_upload(server, 600 * 1024, LIMIT - 2 * 64 * 1024)
    try:
        os.kill(pid, signal.SIGKILL)
        _until(lambda: pid not in server.workers(), "the killed worker is gone")
        assert _staging_files(server) == []
    finally:
        sock.close()
    _until(lambda: len(server.workers()) == 2, "gunicorn replaced the worker")
    _assert_clean(server)


def test_after_the_faults_an_upload_works(server: Server) -> None:
    from tests.functional.helpers import pdf_bytes

    boundary = "grenze7c1"
    body = _multipart_head(boundary, "files", "utuh.pdf") + pdf_bytes(text="utuh") + f"\r\n--{boundary}--\r\n".encode()
    status, answer = _request(
        server,
        "POST",
        f"/penilaian/{server.assessment_id}/pustaka/unggah",
        body,
        **{
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-CSRFToken": _csrf(server),
            "Accept": "application/json",
        },
    )
    assert status == 200, answer
    assert json.loads(answer)["results"][0]["ok"]
    _assert_clean(server)
