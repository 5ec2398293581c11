"""E-mail goes through the job queue: a save hands its messages to Huey (SQLite here) and returns without touching
the SMTP server; a real ``mandiri worker`` sends them with the SMTP settings of its own configuration to a local
SMTP server (aiosmtpd) that refuses, drops or holds them, and Huey's retries send each message exactly once."""

from __future__ import annotations

import asyncio
import re
import select
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Config, Flask
from flask.testing import FlaskClient

from assess import jobs
from assess.config import ConfigError, load_config
from assess.models import RoleName
from tests.factories import PASSWORD, create_instansi, create_member
from tests.functional.helpers import login
from tests.functional.test_notifications import Sink, Team, _answer, _send_back, team  # noqa: F401 (the fixture)
from tests.functional.test_password_recovery import ANI, ask, link_in, recovery, sink  # noqa: F401 (fixtures)
from tests.servers import free_port, mandiri, run, server_env, stop

WEB_PASSWORD = "rahasia-smtp-web-7"  # a test value that must never reach the queue
WORKER_SENDER = "Mandiri Pekerja <pekerja@kota.go.id>"
MAIL_KEYS = (
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_PASSWORD",
    "MAIL_USERNAME",
    "MAIL_TIMEOUT",
    "MAIL_BASE_URL",
    "MAIL_RETRIES",
    "MAIL_RETRY_SECONDS",
    "JOBS_BACKEND",
    "JOBS_SQLITE_PATH",
)


def until(condition: Callable[[], bool], what: str, timeout: float = 40.0) -> None:
    """Wait for ``condition`` (polled; the worker is another process), failing with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)


@dataclass
class Queue:
    """The session's app, for one test, queueing its jobs in a SQLite file that nothing in this process runs; its
    own SMTP settings point at a listening socket that never answers (``contacted`` says whether anything
    connected to it) and carry a password."""

    path: Path
    listener: socket.socket

    def contacted(self) -> bool:
        readable, _, _ = select.select([self.listener], [], [], 0)
        return bool(readable)

    def raw(self) -> list[bytes]:
        return [bytes(item) for item in jobs.huey.storage.enqueued_items()]

    def mail_jobs(self) -> list[list[dict[str, str]]]:
        return [task.args[0] for task in jobs.huey.pending() if task.name == "send_mail"]

    def idle(self) -> bool:
        return jobs.huey.pending_count() == 0 and jobs.huey.scheduled_count() == 0


@pytest.fixture
def queue(app: Flask, tmp_path: Path) -> Iterator[Queue]:
    saved = {key: app.config[key] for key in MAIL_KEYS}
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    app.config.update(
        JOBS_BACKEND="sqlite",
        JOBS_SQLITE_PATH=str(tmp_path / "jobs.db"),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=listener.getsockname()[1],
        MAIL_USERNAME="mandiri",
        MAIL_PASSWORD=WEB_PASSWORD,
        MAIL_TIMEOUT=30,  # were the page to send itself, it would wait for the server
        MAIL_BASE_URL="https://mandiri.test",
        MAIL_RETRIES=5,
        MAIL_RETRY_SECONDS=1,
    )
    jobs.init_app(app)
    try:
        yield Queue(tmp_path / "jobs.db", listener)
    finally:
        jobs.huey.storage.close()
        listener.close()
        app.config.update(saved)
        jobs.init_app(app)  # immediate again, for the other tests


@dataclass
class Smtp:
    """An SMTP server on 127.0.0.1 whose answers a test decides: ``rcpt`` may refuse an address (a reply such as
    ``"451 4.7.1 ..."``) the first time it is asked for, ``hold`` makes DATA wait (up to 10 s) for an event."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse_once: dict[str, str] = field(default_factory=dict)
    refuse_always: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None
    released_after_hold: list[bool] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse_always:
            return self.refuse_always[address]
        if address in self.refuse_once:
            return self.refuse_once.pop(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.hold is not None:
            released = await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 10)
            self.released_after_hold.append(released)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def to(self) -> list[str]:
        return sorted(str(m["To"]) for m in self.messages)


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Smtp, int]]]:
    """Start SMTP servers (on a given port, or a free one); all stopped at the end."""
    controllers: list[Controller] = []

    def start(port: int | None = None, **behaviour: Any) -> tuple[Smtp, int]:
        handler = Smtp(**behaviour)
        port = port or free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return handler, port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(scope="module")
def worker_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database of its own for the worker processes (their periodic jobs read it)."""
    home = tmp_path_factory.mktemp("worker")
    run("init", env=server_env(home))
    return home


@pytest.fixture
def worker(worker_home: Path, queue: Queue) -> Iterator[Callable[[int], subprocess.Popen[str]]]:
    """Start ``mandiri worker`` on the test's queue, with SMTP settings of its own (no user, no password)."""
    started: list[subprocess.Popen[str]] = []

    def start(smtp_port: int) -> subprocess.Popen[str]:
        env = server_env(
            worker_home,
            MANDIRI_JOBS_SQLITE_PATH=str(queue.path),
            MANDIRI_MAIL_SERVER="127.0.0.1",
            MANDIRI_MAIL_PORT=str(smtp_port),
            MANDIRI_MAIL_SENDER=WORKER_SENDER,
        )
        proc = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [*mandiri(), "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        started.append(proc)
        assert proc.stdout is not None
        for line in proc.stdout:
            if "Pekerja latar siap" in line:
                break
        else:
            pytest.fail(f"mandiri worker ended before it was ready ({proc.wait()})")
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep its pipe drained
        return proc

    yield start
    for proc in started:
        stop(proc)


def test_a_save_that_notifies_queues_its_mail_and_touches_no_smtp_server(
    client: FlaskClient,
    team: Team,  # noqa: F811 (the fixture imported above)
    queue: Queue,
) -> None:
    answer = _answer(team.world.assessment, "I1")
    login(client, team.world.reviewer.email)
    response = client.post(
        f"/penilaian/{team.world.assessment.id}/komentar/jawaban/{answer.id}", data={"body": "@cici lihat ini"}
    )
    assert response.status_code == 302
    assert not queue.contacted()
    [batch] = queue.mail_jobs()
    [message] = batch
    assert message["to"] == "cici@kota.go.id"
    assert "menyebut Anda" in message["body"]
    assert set(message) == {"to", "subject", "body"}  # plain data, nothing of the SMTP settings
    assert not any(WEB_PASSWORD.encode() in raw for raw in queue.raw())


def test_flask_securitys_password_changed_notice_goes_through_the_queue(
    client: FlaskClient, db: Any, queue: Queue
) -> None:
    member = create_member(create_instansi(), RoleName.PENGISI, email="sari@kota.go.id")
    db.session.commit()
    assert login(client, member.email).status_code == 302
    new = "sandi-baru-antre-5"
    response = client.post("/change", data={"password": PASSWORD, "new_password": new, "new_password_confirm": new})
    assert response.status_code == 302
    assert not queue.contacted()
    [[notice]] = queue.mail_jobs()
    assert notice["to"] == "sari@kota.go.id"
    assert re.search(r"kata sandi", notice["subject"], re.IGNORECASE), notice["subject"]


def test_the_password_reset_link_goes_through_the_queue(
    app: Flask,
    tmp_path: Path,
    recovery: Callable[..., Flask],  # noqa: F811 (the fixture imported above)
    sink: tuple[Sink, int],  # noqa: F811 (the fixture imported above)
) -> None:
    """The forgot-password view writes nothing: its own commit after the request hands the link to the queue."""
    try:
        recovering = recovery(JOBS_BACKEND="sqlite", JOBS_SQLITE_PATH=str(tmp_path / "jobs.db"))
        assert ask(recovering, ANI).status_code == 200
        assert sink[0].messages == []
        [[message]] = [task.args[0] for task in jobs.huey.pending() if task.name == "send_mail"]
        assert message["to"] == ANI
        with recovering.app_context():  # what a worker does with it
            jobs.huey.execute(jobs.huey.dequeue())
        assert link_in(sink[0], ANI).startswith("/reset/")
    finally:
        jobs.huey.storage.close()
        jobs.init_app(app)  # immediate again, for the other tests


def test_a_refused_connection_is_retried_by_the_worker_and_the_mail_delivered_once(
    team: Team,  # noqa: F811 (the fixture imported above)
    db: Any,
    queue: Queue,
    worker: Callable[[int], Any],
    smtp_server: Callable[..., tuple[Smtp, int]],
) -> None:
    port = free_port()  # nothing listens there yet
    worker(port)
    _send_back(team, team.ani)
    db.session.commit()
    assert not queue.contacted()
    until(lambda: jobs.huey.pending_count() == 0 and jobs.huey.scheduled_count() == 1, "the first attempt failed")
    server, _ = smtp_server(port)
    until(lambda: len(server.messages) == 1 and queue.idle(), "the retry delivered the message")
    assert server.to() == ["ani@kota.go.id"]
    assert server.messages[0]["From"] == WORKER_SENDER  # the worker's settings, not the web app's
    assert "https://mandiri.test/penilaian/1/indikator/I1" in server.messages[0].get_content()
    time.sleep(1.5)  # a wrongly scheduled second retry would come due within MAIL_RETRY_SECONDS
    assert server.to() == ["ani@kota.go.id"]


def test_a_retry_sends_only_what_the_server_deferred_and_a_permanent_refusal_is_dropped(
    team: Team,  # noqa: F811 (the fixture imported above)
    db: Any,
    queue: Queue,
    worker: Callable[[int], Any],
    smtp_server: Callable[..., tuple[Smtp, int]],
) -> None:
    server, port = smtp_server(
        refuse_once={"bayu@kota.go.id": "451 4.7.1 Coba lagi nanti"},
        refuse_always={"inspektur@kota.go.id": "550 5.1.1 Kotak surat tidak ada"},
    )
    team.inspektur.email = "inspektur@kota.go.id"
    worker(port)
    _send_back(team, team.ani, team.bayu, team.inspektur, team.cici)
    db.session.commit()
    until(lambda: "bayu@kota.go.id" in server.to() and queue.idle(), "bayu's message sent on the retry")
    time.sleep(1.5)  # a second retry would come due within MAIL_RETRY_SECONDS
    assert server.to() == ["ani@kota.go.id", "bayu@kota.go.id", "cici@kota.go.id"]  # each once, the inspektur never


def test_a_slow_smtp_server_does_not_hold_the_request(
    client: FlaskClient,
    team: Team,  # noqa: F811 (the fixture imported above)
    app: Flask,
    queue: Queue,
    worker: Callable[[int], Any],
    smtp_server: Callable[..., tuple[Smtp, int]],
) -> None:
    """The server keeps each message waiting until the page has answered (10 s at most): a request that sent the
    mail itself could only answer after the server gave up waiting."""
    answered = threading.Event()
    server, port = smtp_server(hold=answered)
    app.config["MAIL_PORT"] = port  # the web app's settings too: were the page to send, it would reach the server
    worker(port)
    answer = _answer(team.world.assessment, "I1")
    login(client, team.world.reviewer.email)
    response = client.post(
        f"/penilaian/{team.world.assessment.id}/komentar/jawaban/{answer.id}", data={"body": "@cici lihat ini"}
    )
    assert response.status_code == 302
    answered.set()
    until(lambda: len(server.messages) == 1 and queue.idle(), "the worker delivered the message")
    assert server.released_after_hold == [True]
    assert server.to() == ["cici@kota.go.id"]



@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"MANDIRI_MAIL_RETRIES": "-1"}, "MANDIRI_MAIL_RETRIES"),
        ({"MANDIRI_MAIL_RETRIES": "lima"}, "MANDIRI_MAIL_RETRIES"),
        ({"MANDIRI_MAIL_RETRY_SECONDS": "-60"}, "MANDIRI_MAIL_RETRY_SECONDS"),
    ],
)
def test_a_wrong_retry_setting_stops_start_up_naming_it(tmp_path: Path, environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_config(Config(str(tmp_path)), str(tmp_path / "instance"), None, environ)
