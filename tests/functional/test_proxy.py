"""Behind a reverse proxy (``assess/headers.py``): with ``PROXY_FIX`` the client's address and scheme come from
X-Forwarded-*, without it those headers change nothing; cookies are ``Secure`` and HSTS is sent exactly over https
(``SECURE_COOKIES`` auto), always or never as configured."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assess.config import ConfigError
from assess.database import writing
from assess.extensions import db as _db
from assess.extensions import limiter
from assess.models import RoleName
from tests.factories import PASSWORD, create_instansi, create_member

PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches the app from the proxy's address
HSTS = "max-age=31536000; includeSubDomains"


def _migrated(fresh_app: Callable[..., Flask], **config: Any) -> tuple[Flask, str]:
    """A new app on its own migrated database, and the e-mail of a pengisi there (password PASSWORD)."""
    from flask_migrate import upgrade

    app = fresh_app(**config)
    with app.app_context():
        with writing():
            upgrade()
            email = create_member(create_instansi(), RoleName.PENGISI).email
            _db.session.commit()
        _db.session.remove()
    return app, email


@pytest.fixture
def limited(fresh_app: Callable[..., Flask]) -> Iterator[Callable[..., tuple[Flask, str]]]:
    """Apps with the login limit on (3 failed attempts a minute per address); the limiter is one object for every
    app of the process, so its switch is put back afterwards."""
    was_enabled = limiter.enabled
    try:
        yield lambda **config: _migrated(fresh_app, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", **config)
    finally:
        limiter.enabled = was_enabled


def _attempt(client: FlaskClient, email: str, password: str, forwarded_for: str) -> int:
    response = client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base=PROXY,
        headers={"X-Forwarded-For": forwarded_for},
    )
    return int(response.status_code)


def test_with_proxy_fix_the_login_limit_counts_per_forwarded_client(limited: Callable[..., Any]) -> None:
    app, email = limited(PROXY_FIX=True)
    client = app.test_client()
    assert [_attempt(client, email, "salah-sekali", "198.51.100.1") for _ in range(3)] == [200, 200, 200]
    assert _attempt(client, email, "salah-sekali", "198.51.100.1") == 429
    assert _attempt(client, email, PASSWORD, "198.51.100.1") == 429  # client A waits, even with the right password
    # Client B, behind the same proxy, is not held back by A's attempts. A forged hop in front of the proxy's own
    # entry changes nothing: one proxy is trusted, so only the address it appended counts.
    assert _attempt(client, email, PASSWORD, "203.0.113.66, 198.51.100.2") == 302


def test_without_proxy_fix_a_forwarded_address_does_not_escape_the_limit(limited: Callable[..., Any]) -> None:
    app, email = limited()
    client = app.test_client()
    for n in range(3):
        assert _attempt(client, email, "salah-sekali", f"198.51.100.{n}") == 200
    assert _attempt(client, email, PASSWORD, "198.51.100.200") == 429  # still the proxy's (the client's) address


def _cookies(response: Any) -> dict[str, set[str]]:
    """Each cookie the response sets, by name: its attributes in lower case."""
    found = {}
    for line in response.headers.getlist("Set-Cookie"):
        name, _, rest = line.partition("=")
        found[name] = {part.strip().split("=", 1)[0].lower() for part in rest.split(";")[1:]}
    return found


def test_https_through_the_proxy_gives_secure_cookies_and_hsts(fresh_app: Callable[..., Flask]) -> None:
    app, email = _migrated(fresh_app, PROXY_FIX=True)
    client = app.test_client()
    signed_in = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "remember": "y"},
        environ_base=PROXY,
        headers={"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https"},
    )
    assert signed_in.status_code == 302
    cookies = _cookies(signed_in)
    assert {"session", "remember_token"} <= cookies.keys()
    assert all("secure" in attributes for attributes in cookies.values()), cookies
    assert signed_in.headers["Strict-Transport-Security"] == HSTS
    missing = client.get("/tidak-ada", environ_base=PROXY, headers={"X-Forwarded-Proto": "https"})
    assert missing.status_code == 404
    assert missing.headers["Strict-Transport-Security"] == HSTS  # error pages too


def _switch_language(app: Flask, forwarded_proto: str | None = None, base_url: str = "http://localhost") -> Any:
    """``POST /bahasa``: it sets the session cookie without a database."""
    headers = {"X-Forwarded-Proto": forwarded_proto} if forwarded_proto else {}
    return app.test_client().post("/bahasa", data={"lang": "en"}, base_url=base_url, headers=headers)


def test_plain_http_gives_neither(fresh_app: Callable[..., Flask]) -> None:
    response = _switch_language(fresh_app(PROXY_FIX=True), forwarded_proto="http")
    assert response.status_code == 302
    assert "secure" not in _cookies(response)["session"]
    assert "Strict-Transport-Security" not in response.headers


def test_without_proxy_fix_a_forwarded_https_changes_nothing(fresh_app: Callable[..., Flask]) -> None:
    response = _switch_language(fresh_app(), forwarded_proto="https")
    assert "secure" not in _cookies(response)["session"]
    assert "Strict-Transport-Security" not in response.headers
    direct = _switch_language(fresh_app(), base_url="https://localhost")  # https up to the app itself
    assert "secure" in _cookies(direct)["session"]
    assert direct.headers["Strict-Transport-Security"] == HSTS


def test_secure_cookies_true_and_false(fresh_app: Callable[..., Flask]) -> None:
    always = _switch_language(fresh_app(SECURE_COOKIES="true"))
    assert "secure" in _cookies(always)["session"]
    assert "Strict-Transport-Security" not in always.headers  # still plain http
    never = _switch_language(fresh_app(SECURE_COOKIES="false"), base_url="https://localhost")
    assert "secure" not in _cookies(never)["session"]
    assert never.headers["Strict-Transport-Security"] == HSTS


def test_hsts_seconds(fresh_app: Callable[..., Flask]) -> None:
    response = _switch_language(fresh_app(HSTS_SECONDS=600), base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"


def test_a_forwarded_prefix_is_taken_when_trusted(fresh_app: Callable[..., Flask]) -> None:
    app = fresh_app(PROXY_FIX=True, PROXY_FIX_PREFIX=1)
    response = app.test_client().get("/penilaian/", environ_base=PROXY, headers={"X-Forwarded-Prefix": "/mandiri"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/mandiri/login")
    untrusted = fresh_app(PROXY_FIX=True).test_client().get("/penilaian/", headers={"X-Forwarded-Prefix": "/mandiri"})
    assert untrusted.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"SECURE_COOKIES": "kadang"}, "MANDIRI_SECURE_COOKIES"),
        ({"PROXY_FIX": True, "PROXY_FIX_FOR": -1}, "MANDIRI_PROXY_FIX_FOR"),
        ({"PROXY_FIX": True, "PROXY_FIX_PROTO": "satu"}, "MANDIRI_PROXY_FIX_PROTO"),
        ({"HSTS_SECONDS": "setahun"}, "MANDIRI_HSTS_SECONDS"),
    ],
)
def test_a_wrong_setting_stops_start_up_naming_it(
    fresh_app: Callable[..., Flask], config: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        fresh_app(**config)
