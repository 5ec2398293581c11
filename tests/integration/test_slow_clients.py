"""Slow clients cannot take the server down (issue 12, finding 9).

gunicorn with the shipped settings (``-c python:assess.serving``) on a free loopback port, the app on a SQLite file.
Four clients send request bodies to ``/login`` and ``/bahasa`` (read before any sign-in, for the CSRF check):
two stop sending halfway, two trickle a byte every half second, which never leaves the connection idle for the
idle timeout but is far below the minimum rate. Meanwhile a probe asks for ``/healthz`` every 0.2 s: every probe
is answered within a second, and every slow client is cut off (408, connection closed) by the idle timeout or the
minimum rate, freeing its thread.
"""

from __future__ import annotations

import http.client
import select
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.servers import ROOT, free_port, gunicorn, mandiri, server_env, stop, wait_healthy

IDLE_TIMEOUT = 2
MIN_RATE = 1000
BODY_SIZE = 4096
#: A stalled client is cut off after the idle timeout; a trickling one when its read of the body (all of it, here)
#: passed ``idle + size / rate``; both with this much room for a busy machine.
MARGIN_S = 2.5
PROBE_EVERY_S = 0.2
PROBE_LIMIT_S = 1.0


@dataclass
class Server:
    host: str
    port: int


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("slow")
    env = server_env(tmp, MANDIRI_WEB_BODY_IDLE_TIMEOUT=str(IDLE_TIMEOUT), MANDIRI_WEB_BODY_MIN_RATE=str(MIN_RATE))
    subprocess.run([*mandiri(), "init"], env=env, cwd=ROOT, capture_output=True, timeout=180, check=True)  # noqa: S603
    port = free_port()
    log = tmp / "server.log"
    command = [*gunicorn(), "-c", "python:assess.serving", "-b", f"127.0.0.1:{port}", "assess:create_app()"]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, log)
        yield Server("127.0.0.1", port)
    finally:
        stop(proc)


@dataclass
class SlowClient:
    path: str
    trickle: bool
    #: When the client last sent a byte, and when the server answered or closed the connection.
    last_sent: float = 0.0
    cut_at: float | None = None
    sent: int = 0
    answer: bytes = b""
    error: str = ""

    def run(self, server: Server, stop_at: float) -> None:
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {BODY_SIZE}\r\n\r\n"
        ).encode()
        with socket.create_connection((server.host, server.port), timeout=5) as sock:
            sock.sendall(head + b"email=" + b"a" * 100)
            self.sent = 106
            self.last_sent = time.monotonic()
            while time.monotonic() < stop_at:
                readable, _, _ = select.select([sock], [], [], 0.5)
                if readable:
                    self._read_answer(sock)
                    return
                if self.trickle and self.sent < BODY_SIZE:
                    try:
                        sock.sendall(b"a")
                    except OSError as exc:  # the server closed the connection under the send
                        self.cut_at, self.error = time.monotonic(), repr(exc)
                        return
                    self.sent += 1
                    self.last_sent = time.monotonic()

    def _read_answer(self, sock: socket.socket) -> None:
        self.cut_at = time.monotonic()
        try:
            while chunk := sock.recv(65536):
                self.answer += chunk
        except OSError as exc:  # reset: the server closed with unread bytes of ours
            self.error = repr(exc)


@dataclass
class Probe:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def run(self, server: Server, stop_at: float) -> None:
        while time.monotonic() < stop_at:
            started = time.monotonic()
            conn = http.client.HTTPConnection(server.host, server.port, timeout=PROBE_LIMIT_S)
            try:
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                if status != 200:
                    self.failures.append(f"{status} after {time.monotonic() - started:.2f} s")
            except OSError as exc:
                self.failures.append(f"{exc!r} after {time.monotonic() - started:.2f} s")
            finally:
                conn.close()
            self.latencies.append(time.monotonic() - started)
            time.sleep(max(0.0, started + PROBE_EVERY_S - time.monotonic()))  # the probe's pace


def test_slow_bodies_are_cut_off_and_the_server_keeps_answering(server: Server) -> None:
    trickle_deadline = IDLE_TIMEOUT + BODY_SIZE / MIN_RATE
    started = time.monotonic()
    stop_at = started + trickle_deadline + 3 * MARGIN_S
    clients = [SlowClient(path, trickle) for path in ("/login", "/bahasa") for trickle in (False, True)]
    probe = Probe()
    threads = [threading.Thread(target=c.run, args=(server, stop_at)) for c in clients]
    threads.append(threading.Thread(target=probe.run, args=(server, stop_at)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert probe.failures == []
    assert len(probe.latencies) >= (stop_at - started) / (PROBE_EVERY_S + PROBE_LIMIT_S)
    assert max(probe.latencies) < PROBE_LIMIT_S
    for client in clients:
        assert client.cut_at is not None, f"{client} was never cut off"
        if client.trickle:
            assert client.cut_at - started <= trickle_deadline + MARGIN_S, client
            assert client.sent > 106 + trickle_deadline, client  # it sent all along, never idle for the timeout
        else:
            assert IDLE_TIMEOUT - 0.5 <= client.cut_at - client.last_sent <= IDLE_TIMEOUT + MARGIN_S, client
            assert client.answer.startswith(b"HTTP/1.1 408 "), client
            assert "Kiriman terhenti" in client.answer.decode(errors="replace")  # the page says why, in Indonesian
        assert client.sent < BODY_SIZE, client
        if client.answer:
            assert client.answer.startswith(b"HTTP/1.1 408 "), client
