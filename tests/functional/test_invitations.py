"""Invitations: a new user sets their own password from a link that works once, until it expires."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess import mail
from assess.models import Invitation, RoleName, User
from assess.models.base import utcnow
from assess.services import invitations as service
from assess.services.users import create_user
from tests.factories import create_instansi
from tests.functional.helpers import login
from tests.worlds import World, build_world

NEW_PASSWORD = "sandi-baru-sekali"


@dataclass(frozen=True)
class Invitee:
    """A world of Pemerintah Kabupaten Undangan with only an admin, and Pegawai Baru, a pengisi without a password
    whom the admin invited."""

    world: World
    user: User
    made: service.Invited


@pytest.fixture
def invited(app: Flask, db: Any) -> Invitee:
    world = build_world(name="Pemerintah Kabupaten Undangan", units=(), members=("admin",), outsider=())
    user = create_user(
        email="baru@undangan.go.id",
        name="Pegawai Baru",
        password=None,
        instansi=world.instansi,
        roles=[RoleName.PENGISI],
    )
    with app.test_request_context():
        made = service.invite(user=user, instansi=world.instansi, by=world.admin)
    db.session.commit()
    return Invitee(world, user, made)


def _set(client: FlaskClient, path: str, password: str = NEW_PASSWORD, confirm: str | None = None) -> Any:
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"password": password, "confirm": password if confirm is None else confirm})


def test_the_link_sets_the_password_once(client: FlaskClient, invited: Invitee, db: Any) -> None:
    path = invited.made.path
    assert path.startswith("/undangan/")
    login(client, "baru@undangan.go.id", NEW_PASSWORD)
    assert client.get("/penilaian/").status_code == 302  # no password yet: no sign-in
    response = _set(client, path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert login(client, "baru@undangan.go.id", NEW_PASSWORD).status_code == 302
    assert client.get("/penilaian/").status_code == 200
    client.post("/logout")
    again = client.get(path)
    assert again.status_code == 404
    assert "Undangan tidak berlaku" in again.get_data(as_text=True)
    assert client.post(path, data={"password": "lain-lagi-99", "confirm": "lain-lagi-99"}).status_code == 404


def test_only_the_tokens_digest_is_kept(invited: Invitee, db: Any) -> None:
    token = invited.made.path.rsplit("/", 1)[1]
    row = db.session.scalars(select(Invitation)).one()
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()


def test_an_expired_link_is_refused(client: FlaskClient, invited: Invitee, db: Any) -> None:
    invited.made.invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(invited.made.path).status_code == 404
    assert db.session.get(User, invited.user.id).password is None


def test_a_new_invitation_replaces_the_open_one(
    app: Flask, client: FlaskClient, invited: Invitee, db: Any
) -> None:
    with app.test_request_context():
        newer = service.invite(user=invited.user, instansi=invited.world.instansi, by=invited.world.admin)
    db.session.commit()
    assert client.get(invited.made.path).status_code == 404
    assert _set(client, newer.path).status_code == 302


def test_an_inactive_user_or_instansi_cannot_use_the_link(
    client: FlaskClient, invited: Invitee, db: Any
) -> None:
    invited.world.instansi.active = False
    db.session.commit()
    assert client.get(invited.made.path).status_code == 404
    invited.world.instansi.active = True
    invited.user.active = False
    db.session.commit()
    assert client.get(invited.made.path).status_code == 404


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [("pendek", "pendek", "minimal 8 karakter"), (NEW_PASSWORD, "sandi-yang-lain", "Kedua kata sandi tidak sama")],
)
def test_a_bad_password_is_refused_and_the_link_stays_good(
    client: FlaskClient, invited: Invitee, db: Any, password: str, confirm: str, message: str
) -> None:
    response = _set(client, invited.made.path, password, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, invited.user.id).password is None
    assert _set(client, invited.made.path).status_code == 302


def test_a_link_without_csrf_is_refused(app: Flask, invited: Invitee, db: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        with app.test_client() as fresh:
            response = fresh.post(invited.made.path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
            assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert db.session.get(User, invited.user.id).password is None


def test_the_invitation_is_emailed_when_smtp_is_configured(app: Flask, db: Any) -> None:
    instansi = create_instansi("Pemerintah Kota Bersurel")
    user = create_user(email="surel@bersurel.go.id", name="Sari", password=None, instansi=instansi, roles=[])
    user.locale = "en"
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_BASE_URL")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_BASE_URL="https://mandiri.test")
    try:
        with app.test_request_context():
            made = service.invite(user=user, instansi=instansi, by=None)
            [sent] = mail.pending()
        db.session.rollback()
    finally:
        app.config.update(saved)
    assert made.emailed
    assert sent.to == "surel@bersurel.go.id"
    assert "https://mandiri.test" + made.path in sent.body
    assert sent.subject == "[Mandiri] Invitation to Pemerintah Kota Bersurel"
