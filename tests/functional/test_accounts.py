"""R9: accounts and sessions. Signing out ends that sign-in on the server (a captured session cookie or
remember cookie replayed afterwards is refused, the user's other devices stay signed in); a password
change ends the other sign-ins and works with and without SMTP; the cookies' flags; login attempts limited
per account and per address, counted across processes."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from assess.models import LoginSession, RoleName, User
from assess.models.base import as_utc, utcnow
from assess.sessions import TOUCH_EVERY, sweep
from tests.factories import PASSWORD, create_instansi, create_member
from tests.functional.test_notifications import Sink, mail_config, smtp  # noqa: F401 (the SMTP sink fixtures)

NEW_PASSWORD = "sandi-baru-123"
SIGNED_IN_PAGE = "/penilaian/"


def login(client: FlaskClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/login", data={"email": email, "password": password, **extra})


def signed_in(client: FlaskClient) -> bool:
    response = client.get(SIGNED_IN_PAGE)
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    return False


def set_cookies(response: Any) -> dict[str, str]:
    """Each cookie the response sets, by name: its whole Set-Cookie line."""
    lines = response.headers.getlist("Set-Cookie")
    return {line.split("=", 1)[0]: line for line in lines}


def cookie_value(line: str) -> str:
    parsed = SimpleCookie()
    parsed.load(line)
    return next(iter(parsed.values())).value


def replay(app: Flask, **cookies: str) -> FlaskClient:
    """A new browser holding only the given cookies (as an attacker who copied them would)."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


@pytest.fixture
def member(db: Any) -> User:
    user = create_member(create_instansi(), RoleName.PENGISI)
    db.session.commit()
    return user


def live_sessions(db: Any, user: User) -> int:
    db.session.expire_all()
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        )
    )


# --------------------------------------------------------------------------- logout ends that sign-in


def test_a_session_cookie_captured_before_logout_is_refused_after_it(
    app: Flask, client: FlaskClient, member: User
) -> None:
    signing_in = login(client, member.email)
    assert signing_in.status_code == 302
    captured = cookie_value(set_cookies(signing_in)["session"])
    assert signed_in(replay(app, session=captured))  # the copy works while the sign-in lasts

    assert client.post("/logout").status_code == 302
    assert not signed_in(client)
    assert not signed_in(replay(app, session=captured))


def test_a_remember_cookie_replayed_after_logout_is_refused(app: Flask, client: FlaskClient, member: User) -> None:
    signing_in = login(client, member.email, remember="y")
    assert signing_in.status_code == 302
    captured = cookie_value(set_cookies(signing_in)["remember_token"])
    assert signed_in(replay(app, remember_token=captured))  # a browser restarted: the cookie signs it in

    client.post("/logout")
    assert not signed_in(replay(app, remember_token=captured))


def test_signing_out_on_one_device_leaves_the_others_signed_in(
    app: Flask, client: FlaskClient, db: Any, member: User
) -> None:
    phone, laptop = client, app.test_client()
    assert login(phone, member.email).status_code == 302
    assert login(laptop, member.email, remember="y").status_code == 302
    assert live_sessions(db, member) == 2
    phone.post("/logout")
    assert not signed_in(phone)
    assert signed_in(laptop)
    assert live_sessions(db, member) == 1


def test_signing_out_takes_a_form_not_a_link(client: FlaskClient, member: User) -> None:
    assert login(client, member.email).status_code == 302
    assert client.get("/logout").status_code == 405
    assert signed_in(client)
    client.post("/logout")
    assert not signed_in(client)


def test_an_identity_from_before_login_sessions_signs_in_no_more(app: Flask, member: User) -> None:
    """A session that names only the uniquifier (as every session did before): sign in again."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = member.fs_uniquifier
        session["_fresh"] = True
    assert not signed_in(client)


# --------------------------------------------------------------------------- how long a sign-in lasts


def test_an_expired_sign_in_is_refused_and_swept(app: Flask, client: FlaskClient, db: Any, member: User) -> None:
    assert login(client, member.email).status_code == 302
    db.session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert not signed_in(client)
    assert sweep() == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_the_job_worker_sweeps_ended_sign_ins_every_hour(
    app: Flask, client: FlaskClient, db: Any, member: User
) -> None:
    from datetime import datetime

    from assess import jobs

    assert "sweep_login_sessions" in {t.name for t in jobs.huey.read_periodic(datetime(2026, 3, 2, 9, 7))}
    assert "sweep_login_sessions" not in {t.name for t in jobs.huey.read_periodic(datetime(2026, 3, 2, 9, 8))}
    assert login(client, member.email).status_code == 302
    phone = app.test_client()
    assert login(phone, member.email).status_code == 302
    phone.post("/logout")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 2
    db.session.commit()  # the test's read ends here; the job writes in a session of its own
    jobs.sweep_login_sessions()
    assert live_sessions(db, member) == 1
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 1
    assert signed_in(client)


def test_a_sign_in_in_use_is_kept_alive_and_one_left_idle_ends(
    app: Flask, client: FlaskClient, db: Any, member: User
) -> None:
    assert login(client, member.email).status_code == 302
    row = db.session.scalars(select(LoginSession)).one()
    idle = timedelta(hours=app.config["SESSION_IDLE_HOURS"])
    assert not row.remember
    assert as_utc(row.expires_at) - as_utc(row.created_at) == idle

    # Used again after a while (a reading request): seen now, and alive for another idle period from now.
    earlier = utcnow() - TOUCH_EVERY - timedelta(minutes=1)
    db.session.execute(update(LoginSession).values(last_seen_at=earlier, expires_at=earlier + idle))
    db.session.commit()
    assert signed_in(client)
    db.session.rollback()  # the touch was written in a transaction of its own: read after it
    row = db.session.scalars(select(LoginSession)).one()
    assert as_utc(row.last_seen_at) > earlier + TOUCH_EVERY
    assert as_utc(row.expires_at) > earlier + idle + TOUCH_EVERY

    # Left unused for longer than the idle period: over.
    gone = utcnow() - idle - timedelta(minutes=1)
    db.session.execute(update(LoginSession).values(last_seen_at=gone, expires_at=gone + idle))
    db.session.commit()
    assert not signed_in(client)


def test_a_remembered_sign_in_lasts_remember_days(app: Flask, client: FlaskClient, db: Any, member: User) -> None:
    assert login(client, member.email, remember="y").status_code == 302
    row = db.session.scalars(select(LoginSession)).one()
    assert row.remember
    assert as_utc(row.expires_at) - as_utc(row.created_at) == timedelta(days=app.config["REMEMBER_DAYS"])


def test_signing_in_sweeps_the_users_own_ended_sign_ins(app: Flask, client: FlaskClient, db: Any, member: User) -> None:
    for _n in range(3):
        assert login(client, member.email).status_code == 302
        client.post("/logout")
    other = create_member(create_instansi(), RoleName.PEMBACA)
    db.session.commit()
    assert login(app.test_client(), other.email).status_code == 302
    db.session.execute(update(LoginSession).where(LoginSession.user_id == other.id).values(revoked_at=utcnow()))
    db.session.commit()

    assert login(client, member.email).status_code == 302
    db.session.expire_all()
    mine = db.session.scalars(select(LoginSession).where(LoginSession.user_id == member.id)).all()
    assert [r.revoked_at for r in mine] == [None]  # the three ended ones are gone, the new one is there
    assert db.session.scalar(select(func.count()).where(LoginSession.user_id == other.id)) == 1  # not swept


# --------------------------------------------------------------------------- cookies


def _attributes(line: str) -> dict[str, str]:
    parts = [p.strip() for p in line.split(";")[1:]]
    return {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts}


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_cookie_flags(app: Flask, client: FlaskClient, member: User, scheme: str) -> None:
    response = client.post(
        "/login", data={"email": member.email, "password": PASSWORD, "remember": "y"}, base_url=f"{scheme}://localhost"
    )
    assert response.status_code == 302
    cookies = set_cookies(response)
    remember, session = _attributes(cookies["remember_token"]), _attributes(cookies["session"])
    for attributes in (remember, session):
        assert attributes["samesite"] == "Lax"
        assert "httponly" in attributes
        assert ("secure" in attributes) == (scheme == "https")
    lasts = parsedate_to_datetime(remember["expires"]) - datetime.now(UTC)
    assert app.config["REMEMBER_DAYS"] == 14
    assert timedelta(days=14) - timedelta(minutes=1) < lasts <= timedelta(days=14)


def test_remember_days_is_configurable(tmp_path: Any) -> None:
    from flask import Config

    from assess.config import ConfigError, load_config

    config = Config(str(tmp_path))
    load_config(config, str(tmp_path), {"SECRET_KEY": "x"}, {"MANDIRI_REMEMBER_DAYS": "3"})
    assert config["REMEMBER_COOKIE_DURATION"] == timedelta(days=3)
    with pytest.raises(ConfigError, match="MANDIRI_REMEMBER_DAYS"):
        load_config(Config(str(tmp_path)), str(tmp_path), {"SECRET_KEY": "x"}, {"MANDIRI_REMEMBER_DAYS": "0"})


# --------------------------------------------------------------------------- changing one's own password


def _change_password(client: FlaskClient, new: str = NEW_PASSWORD) -> Any:
    return client.post("/change", data={"password": PASSWORD, "new_password": new, "new_password_confirm": new})


def test_changing_ones_own_password_without_smtp(app: Flask, client: FlaskClient, db: Any, member: User) -> None:
    assert app.config["MAIL_SERVER"] == ""
    other_device = app.test_client()
    assert login(other_device, member.email, remember="y").status_code == 302
    remembered = cookie_value(set_cookies(login(app.test_client(), member.email, remember="y"))["remember_token"])
    assert login(client, member.email).status_code == 302

    changed = _change_password(client)
    assert changed.status_code == 302, changed.get_data(as_text=True)
    assert signed_in(client)  # this sign-in goes on
    assert not signed_in(other_device)  # the others end
    assert not signed_in(replay(app, remember_token=remembered))
    assert live_sessions(db, member) == 1
    assert login(app.test_client(), member.email, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), member.email, PASSWORD).status_code == 200


def test_changing_ones_own_password_sends_the_notice_when_smtp_is_set(
    app: Flask,
    client: FlaskClient,
    member: User,
    smtp: Sink,  # noqa: F811 (the fixture imported above)
) -> None:
    assert login(client, member.email).status_code == 302
    assert _change_password(client).status_code == 302
    [notice] = smtp.messages
    assert notice["To"] == member.email
    assert notice["From"] == app.config["MAIL_SENDER"]
    assert notice.get_content_type() == "text/plain"
    assert re.search(r"kata sandi", str(notice["Subject"]), re.IGNORECASE), notice["Subject"]
    assert login(app.test_client(), member.email, NEW_PASSWORD).status_code == 302


def test_a_refused_password_change_sends_nothing(client: FlaskClient, member: User, smtp: Sink) -> None:  # noqa: F811
    assert login(client, member.email).status_code == 302
    wrong = {"password": "bukan-sandinya", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
    refused = client.post("/change", data=wrong)
    assert refused.status_code == 200
    assert smtp.messages == []


# --------------------------------------------------------------------------- an admin ends the sign-ins


def test_an_admin_password_reset_or_deactivation_ends_every_sign_in(
    app: Flask, client: FlaskClient, db: Any, member: User
) -> None:
    instansi_id = member.memberships[0].instansi_id
    admin = create_member(member.memberships[0].instansi, RoleName.ADMIN)
    db.session.commit()
    assert login(client, admin.email).status_code == 302
    for action, data in (
        ("kata-sandi", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}),
        ("nonaktifkan", {}),
    ):
        password = NEW_PASSWORD if action == "nonaktifkan" else PASSWORD
        theirs = app.test_client()
        remembered = cookie_value(set_cookies(login(theirs, member.email, password, remember="y"))["remember_token"])
        assert live_sessions(db, member) == 1
        assert client.post(f"/admin/{instansi_id}/pengguna/{member.id}/{action}", data=data).status_code in (200, 302)
        assert not signed_in(theirs), action
        assert not signed_in(replay(app, remember_token=remembered)), action
        assert live_sessions(db, member) == 0, action
    assert signed_in(client)


# --------------------------------------------------------------------------- the login limit


@pytest.fixture
def limited(fresh_app: Any) -> Iterator[Callable[..., Flask]]:
    """Apps with the login limit on, on a new database. The limiter is one object shared by every app of the
    process: its switch is put back afterwards, so that other tests (which sign in often) are not limited."""
    from flask_migrate import upgrade

    from assess.database import writing
    from assess.extensions import db as _db
    from assess.extensions import limiter

    was_enabled = limiter.enabled

    def make(**config: Any) -> Flask:
        app = fresh_app(RATELIMIT_ENABLED=True, **config)
        with app.app_context():
            with writing():
                upgrade()
                instansi = create_instansi()
                for name in ("ani", "budi"):
                    create_member(instansi, RoleName.PENGISI, email=f"{name}@kota.go.id")
                _db.session.commit()
            _db.session.remove()
        return app

    try:
        yield make
    finally:
        limiter.enabled = was_enabled


def attempt(app: Flask, email: str, password: str, address: str) -> int:
    """One login attempt from a new browser at ``address``; its status (302 signed in, 200 refused, 429 limited)."""
    response = app.test_client().post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )
    if response.status_code == 429:
        assert "Terlalu banyak percobaan masuk. Tunggu sebentar lalu coba lagi." in response.get_data(as_text=True)
    return int(response.status_code)


def pass_the_window(app: Flask) -> None:
    """Move every counted attempt an hour into the past, as if the window had gone by."""
    with sqlite3.connect(urlparse(app.config["RATELIMIT_STORAGE_URI"]).path) as db:
        db.execute("UPDATE entries SET at = at - 3600, expires = expires - 3600")


def test_the_login_limit_per_account_counts_every_address(limited: Callable[..., Flask]) -> None:
    app = limited(LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes", LOGIN_RATE_LIMIT="100 per 15 minutes")
    assert [attempt(app, "ani@kota.go.id", "salah-sekali", f"198.51.100.{n}") for n in range(3)] == [200] * 3
    # A fourth guess from yet another address waits, and so does the right password now.
    assert attempt(app, "ANI@kota.go.id", "salah-sekali", "198.51.100.9") == 429
    assert attempt(app, "ani@kota.go.id", PASSWORD, "198.51.100.10") == 429
    # Another account is not touched.
    assert attempt(app, "budi@kota.go.id", PASSWORD, "198.51.100.0") == 302
    # After the window the right password works again.
    pass_the_window(app)
    assert attempt(app, "ani@kota.go.id", PASSWORD, "198.51.100.10") == 302


def test_signing_in_often_with_the_right_password_is_never_limited(limited: Callable[..., Flask]) -> None:
    """Several devices, expired sessions: only failures count against an account."""
    app = limited()
    assert [attempt(app, "ani@kota.go.id", PASSWORD, "203.0.113.7") for _n in range(25)] == [302] * 25


def test_the_login_limit_per_address_counts_failures_only(limited: Callable[..., Flask]) -> None:
    app = limited(LOGIN_ACCOUNT_RATE_LIMIT="100 per 15 minutes", LOGIN_RATE_LIMIT="3 per 15 minutes")
    office = "203.0.113.7"
    for _n in range(5):  # colleagues signing in with their right passwords use none of it
        assert attempt(app, "budi@kota.go.id", PASSWORD, office) == 302
    assert [attempt(app, f"tebak{n}@kota.go.id", "salah-sekali", office) for n in range(3)] == [200] * 3
    assert attempt(app, "tebak9@kota.go.id", "salah-sekali", office) == 429
    assert attempt(app, "ani@kota.go.id", "salah-sekali", "203.0.113.8") == 200  # another address
    pass_the_window(app)
    assert attempt(app, "ani@kota.go.id", PASSWORD, office) == 302


def test_guessing_one_password_behind_a_nat_does_not_lock_the_colleagues_out(limited: Callable[..., Flask]) -> None:
    """With the default limits: someone guesses ani's password from the office's one address; ani waits,
    budi at the next desk signs in."""
    app = limited()
    office = "203.0.113.7"
    results = [attempt(app, "ani@kota.go.id", f"tebakan-{n}", office) for n in range(14)]
    assert results == [200] * 10 + [429] * 4
    assert attempt(app, "ani@kota.go.id", PASSWORD, office) == 429
    assert attempt(app, "budi@kota.go.id", PASSWORD, office) == 302


_OTHER_PROCESS = """
import sys
from pathlib import Path
from tests.conftest import make_test_app
database, instance, storage, email = sys.argv[1:]
app = make_test_app(database, Path(instance), RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage,
                    LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes")
for n in range(2):
    response = app.test_client().post("/login", data={"email": email, "password": "salah"},
                                      environ_base={"REMOTE_ADDR": f"192.0.2.{n}"})
    assert response.status_code == 200, response.status_code
"""


@pytest.mark.parametrize("storage", ["embedded", "redis"])
def test_the_login_limit_is_counted_across_processes(
    limited: Callable[..., Flask], tmp_path: Path, storage: str
) -> None:
    from assess.database import writing
    from assess.extensions import db as _db

    uri = f"sqlite:///{tmp_path / 'shared' / 'ratelimit.db'}" if storage == "embedded" else "redis://127.0.0.1:6379"
    app = limited(RATELIMIT_STORAGE_URI=uri, LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes")
    email = f"ani-{uuid.uuid4().hex[:12]}@kota.go.id"  # Redis outlives the test: an account of its own
    with app.app_context(), writing():
        create_member(create_instansi(), RoleName.PENGISI, email=email)
        _db.session.commit()
        _db.session.remove()
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    other = subprocess.run(  # noqa: S603 (this interpreter, a fixed script, the test's own paths)
        [sys.executable, "-c", _OTHER_PROCESS, database, str(tmp_path / "other"), uri, email],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert other.returncode == 0, other.stderr
    # Two attempts were counted in the other process: this one has one left.
    assert attempt(app, email, "salah", "192.0.2.5") == 200
    assert attempt(app, email, PASSWORD, "192.0.2.6") == 429
