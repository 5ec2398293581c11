"""Issue 14, accounts: password recovery by e-mail (Flask-Security's recoverable), on exactly when SMTP is
configured. The same answer whether or not the address has an account; limited per typed address and per client
address; the link works once and expires; using it ends every sign-in of the user and lifts a forced change; a
deactivated account gets no link and cannot use one. The mail goes to a local SMTP sink."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy import select

from assess.database import writing
from assess.extensions import db as _db
from assess.models import RoleName, User
from tests.factories import PASSWORD, create_instansi, create_member
from tests.functional.test_notifications import Sink, _free_port

NEW = "sandi-baru-pulih-9"
ANI = "ani@kota.go.id"


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    received = Sink()
    port = _free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield received, port
    finally:
        controller.stop()


@pytest.fixture
def recovery(fresh_app: Any, sink: tuple[Sink, int]) -> Iterator[Callable[..., Flask]]:
    """Apps with SMTP configured (so recovery is on) on a new database holding ani (must change her password) and
    budi (deactivated). The limiter and Flask-Security's object are shared by every app of the process (the login
    form reads ``security.recoverable`` from it): both are put back afterwards for the other tests' app."""
    from flask_migrate import upgrade

    from assess.extensions import limiter, security

    was_enabled = limiter.enabled
    state = dict(vars(security))

    def make(**config: Any) -> Flask:
        app = fresh_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink[1], MAIL_BASE_URL="https://mandiri.test", **config)
        with app.app_context():
            with writing():
                upgrade()
                instansi = create_instansi()
                ani = create_member(instansi, RoleName.PENGISI, email=ANI)
                ani.must_change_password = True
                budi = create_member(instansi, RoleName.PENGISI, email="budi@kota.go.id")
                budi.active = False
                _db.session.commit()
            _db.session.remove()
        return app

    try:
        yield make
    finally:
        limiter.enabled = was_enabled
        vars(security).clear()
        vars(security).update(state)


def ask(app: Flask, email: str, address: str = "192.0.2.1") -> Any:
    return app.test_client().post("/reset", data={"email": email}, environ_base={"REMOTE_ADDR": address})


def link_in(sink: Sink, to: str) -> str:
    (message,) = [m for m in sink.messages if m["To"] == to]
    match = re.search(r"https://mandiri\.test(/reset/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def user(app: Flask, email: str) -> User:
    with app.app_context():
        found = _db.session.scalar(select(User).where(User.email == email))
        assert found is not None
        _db.session.expunge(found)
        _db.session.remove()
        return found


def test_recovery_is_off_without_smtp(client: FlaskClient) -> None:
    assert "Lupa kata sandi?" not in client.get("/login").get_data(as_text=True)
    assert client.get("/reset").status_code == 404


def test_the_login_page_links_to_recovery(recovery: Callable[..., Flask]) -> None:
    app = recovery()
    page = app.test_client().get("/login").get_data(as_text=True)
    assert 'href="/reset" data-testid="forgot-password-link">Lupa kata sandi?<' in page
    form = app.test_client().get("/reset").get_data(as_text=True)
    assert 'data-testid="forgot-password"' in form
    assert "berlaku 2 jam" in form


def test_the_same_answer_whatever_the_address(recovery: Callable[..., Flask], sink: tuple[Sink, int]) -> None:
    app = recovery()
    answers = {}
    for email in (ANI, "tidak-ada@kota.go.id", "budi@kota.go.id"):
        response = ask(app, email)
        assert response.status_code == 200
        page = response.get_data(as_text=True).replace(email, "EMAIL")
        answers[email] = re.sub(r'(name="csrf-token" content|name="csrf_token" value)="[^"]*"', "", page)
    assert len(set(answers.values())) == 1
    assert "EMAIL" in answers[ANI]
    assert [m["To"] for m in sink[0].messages] == [ANI]  # no mail to an unknown or a deactivated account
    body = sink[0].messages[0].get_content()
    assert "Halo Pengguna Uji" in body
    assert "hanya bisa dipakai sekali dan berlaku 2 jam" in body


def test_the_link_resets_once_and_ends_every_sign_in(recovery: Callable[..., Flask], sink: tuple[Sink, int]) -> None:
    app = recovery()
    laptop = app.test_client()
    assert laptop.post("/login", data={"email": ANI, "password": PASSWORD}).status_code == 302
    assert laptop.get("/change").status_code == 200  # signed in (sent here until she changes her password)

    ask(app, ANI)
    path = link_in(sink[0], ANI)
    browser = app.test_client()
    form = browser.get(path)
    assert form.status_code == 200
    assert 'data-testid="reset-password"' in form.get_data(as_text=True)
    done = browser.post(path, data={"password": NEW, "password_confirm": NEW})
    assert done.status_code == 302
    assert "/login" in done.headers["Location"]

    assert laptop.get("/change").headers["Location"].startswith("/login")  # the old sign-in has ended
    assert not user(app, ANI).must_change_password
    assert app.test_client().post("/login", data={"email": ANI, "password": PASSWORD}).status_code == 200
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": ANI, "password": NEW}).status_code == 302
    assert fresh.get("/penilaian/").status_code == 200  # no forced change any more
    notices = [m for m in sink[0].messages if m["To"] == ANI]
    assert len(notices) == 2
    assert "diatur ulang" in notices[1].get_content()

    again = app.test_client().get(path)  # the link worked once
    assert again.status_code == 302
    assert again.headers["Location"] == "/reset"
    other = "sandi-lain-sekali"
    reused = app.test_client().post(path, data={"password": other, "password_confirm": other})
    assert reused.headers["Location"] == "/reset"
    assert app.test_client().post("/login", data={"email": ANI, "password": NEW}).status_code == 302


def test_the_link_expires(
    recovery: Callable[..., Flask], sink: tuple[Sink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = recovery(RESET_PASSWORD_HOURS=1)
    assert app.config["SECURITY_RESET_PASSWORD_WITHIN"] == timedelta(hours=1)
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 3601)
    ask(app, ANI)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    path = link_in(sink[0], ANI)
    expired = app.test_client().post(path, data={"password": NEW, "password_confirm": NEW})
    assert expired.headers["Location"] == "/reset"
    assert app.test_client().post("/login", data={"email": ANI, "password": NEW}).status_code == 200


def test_a_deactivated_account_cannot_use_a_link(recovery: Callable[..., Flask], sink: tuple[Sink, int]) -> None:
    app = recovery()
    ask(app, ANI)
    path = link_in(sink[0], ANI)
    with app.app_context(), writing():
        _db.session.scalar(select(User).where(User.email == ANI)).active = False  # type: ignore[union-attr]
        _db.session.commit()
        _db.session.remove()
    browser = app.test_client()
    refused = browser.post(path, data={"password": NEW, "password_confirm": NEW})
    assert refused.headers["Location"] == "/reset"
    assert "tidak berlaku" in browser.get("/reset").get_data(as_text=True)
    assert app.test_client().get(path).headers["Location"] == "/reset"


def test_recovery_is_limited_per_typed_address_and_per_client_address(
    recovery: Callable[..., Flask], sink: tuple[Sink, int]
) -> None:
    app = recovery(RATELIMIT_ENABLED=True, RECOVERY_ACCOUNT_RATE_LIMIT="2 per hour", RECOVERY_RATE_LIMIT="4 per hour")
    assert [ask(app, ANI, f"198.51.100.{n}").status_code for n in range(2)] == [200, 200]
    limited = ask(app, ANI.upper(), "198.51.100.9")
    assert limited.status_code == 429
    assert "Terlalu banyak permintaan atur ulang kata sandi" in limited.get_data(as_text=True)
    assert ask(app, "tidak-ada@kota.go.id", "198.51.100.9").status_code == 200  # another typed address
    assert len(sink[0].messages) == 2
    office = "203.0.113.7"
    assert [ask(app, f"orang{n}@kota.go.id", office).status_code for n in range(4)] == [200] * 4
    assert ask(app, "orang9@kota.go.id", office).status_code == 429
