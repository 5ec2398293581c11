"""assess.serving: the server's settings from MANDIRI_WEB_*, and the slow-body guard on a real socket pair."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.exceptions import RequestTimeout

from assess.serving import GuardedInput, SlowBodyGuard, gunicorn_options
from assess.web_settings import ServingError, web_settings


def test_defaults_and_overrides() -> None:
    defaults = web_settings({})
    assert (defaults.threads, defaults.timeout, defaults.keepalive) == (8, 30, 5)
    assert 1 <= defaults.workers <= 4
    assert web_settings({}, embedded_worker=True).workers == 1
    chosen = web_settings({"MANDIRI_WEB_WORKERS": "3", "MANDIRI_WEB_THREADS": "16", "MANDIRI_WEB_BODY_MIN_RATE": "50"})
    assert (chosen.workers, chosen.threads, chosen.body_min_rate) == (3, 16, 50)
    options = gunicorn_options(chosen)
    assert options["worker_class"] == "gthread"
    assert (options["workers"], options["threads"]) == (3, 16)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("THREADS", "delapan", "MANDIRI_WEB_THREADS harus bilangan bulat, tertulis 'delapan'"),
        ("WORKERS", "0", "MANDIRI_WEB_WORKERS harus paling sedikit 1, tertulis 0"),
        ("BODY_IDLE_TIMEOUT", "-5", "MANDIRI_WEB_BODY_IDLE_TIMEOUT harus paling sedikit 1, tertulis -5"),
    ],
)
def test_a_wrong_setting_is_named(name: str, value: str, message: str) -> None:
    with pytest.raises(ServingError, match=message):
        web_settings({f"MANDIRI_WEB_{name}": value})


@dataclass
class Connection:
    """The server's and the client's ends of a connection; the server reads through a buffered reader, which reads
    until it has what was asked for or the end, as gunicorn's request body does."""

    server: socket.socket
    client: socket.socket
    reader: io.BufferedReader

    def body(self, length: int | None, *, idle: float = 0.5, rate: int = 100) -> GuardedInput:
        return GuardedInput(self.reader, self.server, idle, rate, length)


@pytest.fixture
def pair() -> Iterator[Connection]:
    server, client = socket.socketpair()
    connection = Connection(server, client, server.makefile("rb"))
    yield connection
    connection.reader.close()
    server.close()
    client.close()


def test_a_body_sent_in_time_reads_whole(pair: Connection) -> None:
    server, client = pair.server, pair.client
    client.sendall(b"a=1&b=2\nbaris dua\n")
    client.shutdown(socket.SHUT_WR)
    body = pair.body(18)
    assert body.readline() == b"a=1&b=2\n"
    assert list(body) == [b"baris dua\n"]
    assert server.gettimeout() is None  # the socket's own timeout is back after every read


def test_a_stalled_body_answers_408_after_the_idle_timeout(pair: Connection) -> None:
    server, client = pair.server, pair.client
    client.sendall(b"a=1")
    body = pair.body(100)
    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        body.read(100)
    assert 0.4 <= time.monotonic() - started < 3
    with pytest.raises(RequestTimeout):  # and at once from then on
        body.read(1)
    assert server.recv(10) == b""  # the reading side is shut: the server closes the connection after its answer


def test_a_trickling_body_is_cut_off_by_the_minimum_rate(pair: Connection) -> None:
    """A byte every 0.1 s never leaves the socket idle for 0.5 s; 50 bytes at 100 B/s are due within 1 s."""
    client = pair.client
    body = pair.body(50)
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.1):
            try:
                client.send(b"a")
            except OSError:
                return

    sender = threading.Thread(target=trickle)
    sender.start()
    started = time.monotonic()
    try:
        with pytest.raises(RequestTimeout):
            body.read(50)
    finally:
        stop.set()
        sender.join()
    assert 0.9 <= time.monotonic() - started < 3


def test_the_guard_leaves_requests_without_gunicorns_socket_alone() -> None:
    seen: list[object] = []

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        seen.append(environ["wsgi.input"])
        return [b""]

    stream = io.BytesIO(b"x")
    SlowBodyGuard(app, 1, 1)({"wsgi.input": stream}, lambda *_: None)
    assert seen == [stream]


def test_serve_names_a_wrong_setting(fresh_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MANDIRI_WEB_THREADS", "delapan")
    result = fresh_app().test_cli_runner().invoke(args=["serve", "--port", "1"])
    assert result.exit_code == 1
    assert "MANDIRI_WEB_THREADS harus bilangan bulat, tertulis 'delapan'" in result.output
