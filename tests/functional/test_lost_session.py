"""A lost session or a stale form token: back to sign-in (or to the form) with the draft kept, never a 400 page
whose reload posts the form again (issue 16)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD
from tests.functional.helpers import login
from tests.worlds import World


@pytest.fixture
def csrf_client(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    """CSRF protection on as in production (the test app has it off)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return client


def _form_page(world: World) -> str:
    return f"/penilaian/{world.assessment.id}/indikator/I1"


def _post_answer(client: FlaskClient, url: str, referrer: str | None, **headers: Any) -> Any:
    if referrer is not None:
        headers["Referer"] = referrer
    return client.post(url, data={"fakta": "Teks yang diketik", "csrf_token": "usang"}, headers=headers)


def test_a_post_after_the_session_ended_goes_to_sign_in_and_back_to_the_form(
    app: Flask, world: World, csrf_client: FlaskClient
) -> None:
    client = csrf_client
    url = _form_page(world)
    response = _post_answer(client, url, f"http://localhost{url}?tab=fakta")
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == [f"{url}?tab=fakta"]
    sign_in = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sesi Anda telah berakhir" in sign_in
    assert "isian Anda tersimpan di peramban ini" in sign_in


def test_after_signing_in_again_the_user_lands_on_the_form(app: Flask, world: World, client: FlaskClient) -> None:
    url = _form_page(world)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = _post_answer(client, url, f"http://localhost{url}")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    signed_in = client.post(refused.headers["Location"], data={"email": world.pengisi.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == url


def test_a_script_gets_json_with_the_sign_in_address(world: World, csrf_client: FlaskClient) -> None:
    url = _form_page(world)
    response = _post_answer(csrf_client, url, f"http://localhost{url}", Accept="application/json")
    assert response.status_code == 401
    body = response.get_json()
    assert body["code"] == "session_lost"
    assert body["login_url"].startswith("/login?next=")
    assert "tetap ada di peramban ini" in body["message"]


def test_a_stale_token_of_a_signed_in_user_goes_back_to_the_form(
    app: Flask, world: World, client: FlaskClient
) -> None:
    login(client, world.pengisi.email)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        url = _form_page(world)
        response = _post_answer(client, url, f"http://localhost{url}")
        assert response.status_code == 303
        assert response.headers["Location"] == url
        page = client.get(url).get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert "Formulir terlalu lama terbuka" in page


def test_a_post_from_another_site_or_without_a_referrer_is_still_refused(
    world: World, csrf_client: FlaskClient
) -> None:
    url = _form_page(world)
    for referrer in (None, f"http://evil.example{url}", "javascript:alert(1)", "http://localhost//evil.example/x"):
        response = _post_answer(csrf_client, url, referrer)
        assert response.status_code == 400, referrer
        assert "Sesi formulir kedaluwarsa" in response.get_data(as_text=True)
