"""The warning before a sign-in ends: every signed-in page says how long it has left, and "Tetap masuk" (a POST)
counts as use (issue 16)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from assess.models import LoginSession
from assess.models.base import as_utc, utcnow
from tests.functional.helpers import login
from tests.worlds import World

META = re.compile(r'<meta name="session-expires-in" content="(\d+)" data-warn-seconds="(\d+)"')


def _left(client: FlaskClient, url: str) -> tuple[int, int]:
    found = META.search(client.get(url).get_data(as_text=True))
    assert found, url
    return int(found.group(1)), int(found.group(2))


def test_pages_say_how_long_the_sign_in_has_left(app: Flask, client: FlaskClient, world: World) -> None:
    assert "session-expires-in" not in client.get("/login").get_data(as_text=True)
    login(client, world.pengisi.email)
    left, warn = _left(client, "/saya/")
    idle = app.config["SESSION_IDLE_HOURS"] * 3600
    assert idle - 60 <= left <= idle
    assert warn == app.config["SESSION_WARNING_MINUTES"] * 60


def test_tetap_masuk_extends_a_sign_in_about_to_end(app: Flask, client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.pengisi.email)
    soon = utcnow() + timedelta(minutes=3)
    db.session.execute(update(LoginSession).values(expires_at=soon, last_seen_at=utcnow()))
    db.session.commit()
    left, _warn = _left(client, "/saya/")
    assert left <= 3 * 60
    response = client.post("/sesi/tetap-masuk", headers={"Accept": "application/json"})
    assert response.status_code == 200
    idle = app.config["SESSION_IDLE_HOURS"] * 3600
    assert idle - 60 <= response.get_json()["expires_in"] <= idle
    db.session.expire_all()
    expires = db.session.scalars(select(LoginSession.expires_at)).one()
    assert as_utc(expires) > soon + timedelta(hours=1)
    assert _left(client, "/saya/")[0] > idle - 60


def test_tetap_masuk_without_a_sign_in_is_a_json_refusal(client: FlaskClient) -> None:
    response = client.post("/sesi/tetap-masuk", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "session_lost"
