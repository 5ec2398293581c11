"""``/healthz`` answers JSON on the database, the job queue and the evidence store: 200 when all three work, 503
naming the part that does not, for real failures: a database server that is not there, a Redis queue at a closed
port, a store on a read-only filesystem or whose root was removed. Secrets and addresses never appear in the
answer."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assess import jobs
from tests.conftest import make_test_app
from tests.diskfull import tiny_disk  # noqa: F401 - a fixture
from tests.servers import free_port, silent_endpoint
from uploads.storage import LocalStorage

REDIS_DB = 11  # a database of the local Redis of its own (0 is the deployment default)


@pytest.fixture
def redis_queue(app: Flask) -> Iterator[Any]:
    """Point the session app's job queue at a Redis URL for one test (jobs are queued, not run)."""
    saved = {key: app.config[key] for key in ("JOBS_BACKEND", "JOBS_REDIS_URL")}

    def use(url: str) -> None:
        app.config.update(JOBS_BACKEND="redis", JOBS_REDIS_URL=url)
        jobs.init_app(app)

    try:
        yield use
    finally:
        if app.config["JOBS_BACKEND"] == "redis" and app.config["JOBS_REDIS_URL"].startswith("redis://127.0.0.1:6379/"):
            jobs.huey.flush()
        app.config.update(saved)
        jobs.init_app(app)  # immediate again, for the other tests


def test_all_parts_working_answer_200(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok"}
    assert body["queue"] == {"status": "ok", "pending": 0, "oldest_s": None, "scheduled": 0}
    assert body["storage"] == {"status": "ok"}
    assert body["disk"] in ("ok", "low")
    assert set(body["free_mb"]) == {"storage", "staging"}
    assert response.headers["Cache-Control"]  # the app's headers, as on every answer


def test_a_database_that_is_not_there_answers_503_without_its_address(tmp_path: Path) -> None:
    from assess.extensions import limiter, security

    port = free_port()
    url = f"postgresql+psycopg://mandiri:rahasia-db-9@127.0.0.1:{port}/mandiri"
    was_enabled, state = limiter.enabled, dict(vars(security))
    try:
        broken = make_test_app(url, tmp_path / "instance")
        response = broken.test_client().get("/healthz")
    finally:
        limiter.enabled = was_enabled
        vars(security).clear()
        vars(security).update(state)
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["database"] == {"status": "error", "error": "OperationalError"}
    assert body["queue"]["status"] == "ok"
    assert body["storage"]["status"] == "ok"
    text = response.get_data(as_text=True)
    assert "rahasia" not in text
    assert str(port) not in text


def test_a_redis_queue_at_a_closed_port_answers_503(client: FlaskClient, redis_queue: Any) -> None:
    redis_queue(f"redis://:rahasia-redis@127.0.0.1:{free_port()}/{REDIS_DB}")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["queue"] == {"status": "error", "error": "ConnectionError"}
    assert body["database"]["status"] == "ok"
    assert "rahasia" not in response.get_data(as_text=True)


def test_a_redis_that_accepts_and_never_answers_answers_503_within_its_timeout(
    client: FlaskClient, redis_queue: Any, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with silent_endpoint() as port:
        monkeypatch.setitem(app.config, "JOBS_REDIS_TIMEOUT", 1)
        redis_queue(f"redis://127.0.0.1:{port}/{REDIS_DB}")
        answers: list[Any] = []
        probe = threading.Thread(target=lambda: answers.append(client.get("/healthz")), daemon=True)
        probe.start()
        probe.join(20)
        assert not probe.is_alive(), "/healthz still waits for Redis after 20 s"
    assert answers[0].status_code == 503
    assert answers[0].get_json()["queue"] == {"status": "error", "error": "TimeoutError"}


def test_the_queue_says_how_many_wait_and_how_long_the_oldest_has_waited(
    client: FlaskClient, redis_queue: Any
) -> None:
    if shutil.which("redis-cli") is None or subprocess.run(["redis-cli", "ping"], check=False).returncode != 0:  # noqa: S607
        pytest.skip("no Redis on 127.0.0.1:6379")
    redis_queue(f"redis://127.0.0.1:6379/{REDIS_DB}")
    jobs.huey.flush()
    idle = {"status": "ok", "pending": 0, "oldest_s": None, "scheduled": 0}
    assert client.get("/healthz").get_json()["queue"] == idle
    jobs.record_stored_file(1, None)  # queued; no worker takes it
    time.sleep(1.2)  # the oldest job's age is measured from the time stamped into it when it was queued
    jobs.record_stored_file(2, None)
    response = client.get("/healthz")
    assert response.status_code == 200  # waiting jobs are a figure for monitoring, not a failure
    queue = response.get_json()["queue"]
    assert queue["pending"] == 2
    assert 1.2 <= queue["oldest_s"] < 60
    [first, second] = jobs.huey.pending()
    assert (first.args, second.args) == ((1, None), (2, None))  # a stamped message is read back as it was queued


def test_a_store_on_a_read_only_filesystem_answers_503(
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    tiny_disk: Path,  # noqa: F811 - the fixture imported above
) -> None:
    storage = LocalStorage(tiny_disk / "evidence")
    storage.staging_dir()
    monkeypatch.setitem(client.application.extensions, "storage", storage)
    assert client.get("/healthz").status_code == 200
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)  # noqa: S603, S607 - fixed arguments
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["storage"] == {"status": "error", "error": "OSError"}
    assert (body["database"]["status"], body["queue"]["status"]) == ("ok", "ok")
    assert "free_mb" not in body
    assert not any(p.name.startswith(".probe-") for p in (tiny_disk / "evidence").rglob("*"))


def test_a_store_whose_root_was_removed_answers_503_and_is_not_made_again(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "evidence")
    storage.staging_dir()
    monkeypatch.setitem(client.application.extensions, "storage", storage)
    assert client.get("/healthz").status_code == 200
    assert not any(p.name.startswith(".probe-") for p in (tmp_path / "evidence").rglob("*"))  # the probe cleans up
    shutil.rmtree(tmp_path / "evidence")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["storage"] == {"status": "error", "error": "FileNotFoundError"}
    assert not (tmp_path / "evidence").exists()
