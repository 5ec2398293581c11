"""Every request has an id (``X-Request-ID``, also on error pages) and one access line, whose path hides a link's
token; the lines logged while it runs carry the id and the signed-in user; many apps in one process share one
handler (``assess/logs.py``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assess import logs
from assess.models import RoleName
from assess.services import invitations
from assess.services.users import create_user
from tests.factories import create_instansi, create_member
from tests.functional.helpers import login
from tests.worlds import build_world

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    assert logs.configured()  # the app's configuration is the process's (the session's app made it)
    caplog.set_level(logging.INFO)
    return caplog


def _access(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logs.ACCESS_LOGGER]


@pytest.mark.parametrize("path", ["/login", "/tidak-ada", "/penilaian/"])
def test_a_sane_incoming_request_id_is_kept(client: FlaskClient, log: pytest.LogCaptureFixture, path: str) -> None:
    response = client.get(path, headers={"X-Request-ID": "nginx-0123.abcd_EF"})
    assert response.headers["X-Request-ID"] == "nginx-0123.abcd_EF"
    (line,) = _access(log)
    assert line.request_id == "nginx-0123.abcd_EF"  # type: ignore[attr-defined]
    assert line.access["status"] == response.status_code  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "incoming", ["pendek", "a" * 65, "ada spasi di dalamnya", "id/dengan/garis", "ünïcödé-ïd-123", "x;y=12345678"]
)
def test_an_odd_incoming_request_id_is_replaced(
    client: FlaskClient, log: pytest.LogCaptureFixture, incoming: str
) -> None:
    response = client.get("/login", headers={"X-Request-ID": incoming})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])
    (line,) = _access(log)
    assert line.request_id == response.headers["X-Request-ID"]  # type: ignore[attr-defined]


def test_each_request_gets_its_own_id(client: FlaskClient, db: Any) -> None:
    ids = {client.get("/login").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3
    assert all(GENERATED.fullmatch(rid) for rid in ids)


def test_a_server_error_page_has_the_id_and_its_traceback_line_too(
    fresh_app: Callable[..., Flask], log: pytest.LogCaptureFixture
) -> None:
    app = fresh_app(PROPAGATE_EXCEPTIONS=False)  # answer 500 as in production, not raise into the test

    def broken() -> str:
        raise RuntimeError("rusak")

    app.add_url_rule("/rusak", view_func=broken)
    response = app.test_client().get("/rusak?x=1")
    assert response.status_code == 500
    rid = response.headers["X-Request-ID"]
    error = next(r for r in log.records if r.exc_info)
    assert error.request_id == rid  # type: ignore[attr-defined]
    (line,) = _access(log)
    assert (line.request_id, line.access["status"], line.access["path"]) == (rid, 500, "/rusak")  # type: ignore[attr-defined]


def test_the_access_line(client: FlaskClient, log: pytest.LogCaptureFixture) -> None:
    response = client.get("/login?next=%2Fpenilaian%2F&rahasia=1", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    (line,) = _access(log)
    fields = line.access  # type: ignore[attr-defined]
    assert fields["method"] == "GET"
    assert fields["path"] == "/login"  # never the query string
    assert fields["status"] == 200
    assert fields["bytes"] == len(response.get_data())
    assert fields["client"] == "203.0.113.9"
    assert 0 < fields["duration_ms"] < 60_000
    assert line.getMessage() == f"GET /login 200 {fields['bytes']} {fields['duration_ms']:.1f}ms 203.0.113.9"


def test_lines_carry_the_signed_in_user(client: FlaskClient, db: Any, log: pytest.LogCaptureFixture) -> None:
    user = create_member(create_instansi(), RoleName.PENGISI)
    db.session.commit()
    assert login(client, user.email).status_code == 302
    client.get("/penilaian/")
    client.post("/logout")
    client.get("/login")
    by_path = [(r.access["method"], r.access["path"], r.user_id) for r in _access(log)]  # type: ignore[attr-defined]
    assert by_path == [
        ("POST", "/login", user.id),  # signed in by this very request
        ("GET", "/penilaian/", user.id),
        ("POST", "/logout", None),
        ("GET", "/login", None),
    ]


def test_an_invitation_token_is_never_logged(
    app: Flask, client: FlaskClient, db: Any, log: pytest.LogCaptureFixture
) -> None:
    world = build_world(name="Pemerintah Kabupaten Log", units=(), members=("admin",), outsider=())
    user = create_user(email="baru@log.go.id", name="Pegawai Baru", password=None, instansi=world.instansi)
    with app.test_request_context():
        made = invitations.invite(user=user, instansi=world.instansi, by=world.admin)
    db.session.commit()
    token = made.path.rsplit("/", 1)[1]
    log.clear()

    assert client.get(f"{made.path}?sumber=surel").status_code == 200
    accepted = client.post(made.path, data={"password": "sandi-baru-sekali", "confirm": "sandi-baru-sekali"})
    assert accepted.status_code == 302
    assert client.put(f"/undangan//{token}/").status_code in (404, 405, 308)  # mistyped: still hidden

    handler = next(h for h in logging.getLogger().handlers if h.get_name() == logs.HANDLER)
    for record in log.records:
        assert token not in record.getMessage()
        assert token not in handler.format(record)
    paths = [r.access["path"] for r in _access(log)]  # type: ignore[attr-defined]
    assert paths == ["/undangan/REDACTED"] * 3
    (used,) = [r for r in log.records if r.getMessage().startswith("undangan") and "dipakai" in r.getMessage()]
    assert used.request_id == accepted.headers["X-Request-ID"]  # type: ignore[attr-defined]


def test_many_apps_in_one_process_keep_one_handler_and_caplog_works(
    fresh_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    root = logging.getLogger()
    for log_format in ("json", "text", "text"):
        app = fresh_app(LOG_FORMAT=log_format)
        assert [h.get_name() for h in root.handlers].count(logs.HANDLER) == 1, log_format
        # Flask gives the app's logger a stderr handler of its own (every error twice) unless ours is there first.
        assert app.logger.handlers == []
    with caplog.at_level(logging.INFO, logger="assess.services.users"):
        logging.getLogger("assess.services.users").info("pengguna diaktifkan: %s", "b@contoh.go.id")
    assert [r.getMessage() for r in caplog.records] == ["pengguna diaktifkan: b@contoh.go.id"]


def test_every_token_route_of_the_app_is_secret(fresh_app: Callable[..., Flask]) -> None:
    from assess.extensions import security

    state = dict(vars(security))  # one object for every app of the process: recovery on here only
    try:
        app = fresh_app(SECURITY_RECOVERABLE=True)
    finally:
        vars(security).clear()
        vars(security).update(state)
    found = logs.SecretPaths(app.url_map)
    assert found.secret_arguments == {"token"}
    for path in ("/undangan/tautan-rahasia", "/reset/tautan-rahasia", "/tf-setup/tautan-rahasia"):
        assert found.redact(path) == (path.replace("tautan-rahasia", logs.REDACTED), ("tautan-rahasia",))
