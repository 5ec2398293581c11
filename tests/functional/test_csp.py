"""A strict Content-Security-Policy on every page, and Cache-Control that keeps signed-in pages out of every cache.

The policy allows no inline script, style or event handler, so none may be written: the templates are scanned, and
every page of a signed-in walk over ``app.url_map`` (three roles, every GET route filled with real ids) is parsed.
The browser tests (``tests/e2e``) record CSP violations along their whole journey.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.models import Notification, RoleName
from assess.services.users import add_to_unit
from tests import routes
from tests.functional.helpers import login
from tests.worlds import World, build_world, seed_objects

CSP = (
    "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
TEMPLATES = Path(__file__).resolve().parents[2] / "assess" / "templates"
#: Routes that send a stored file: revalidated on every use, never shared ("private, no-cache").
OWN_CACHE_CONTROL = frozenset(
    {
        "evidence.download",
        "evidence.preview",
        "main.instansi_logo",
        "exports.download",
        "exports.indicator_pdf",
        "exports.butir_zip",
    }
)
#: Pages (HTML, 200) each role sees in the walk: 43, 24 and 23 when this was written.
PAGES_AT_LEAST = {"koordinator": 40, "pengisi": 20, "reviewer": 20}


class InlineCode(HTMLParser):
    """Collects what the policy would block: inline scripts and styles, style attributes, event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and "src" not in named and named.get("type") != "application/json":
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, _value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{name}= on <{tag}> at line {self.getpos()[0]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


# --------------------------------------------------------------------------- the templates


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def _templates() -> list[Path]:
    found = sorted(TEMPLATES.rglob("*.html"))
    assert len(found) > 50, found
    return found


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_holds_inline_script_style_or_handler(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    for match in SCRIPT_TAG.finditer(source):
        attrs = match.group(1)
        assert re.search(r"\ssrc=", attrs) or 'type="application/json"' in attrs, (path, match.group(0))
    assert not HANDLER.search(source), (path, HANDLER.findall(source))
    if path.parent.name != "reports":  # the PDF's template: WeasyPrint renders it, no browser and no CSP
        assert not STYLE.search(source), (path, STYLE.findall(source))


def test_no_script_in_the_title_block() -> None:
    for path in _templates():
        for block in re.findall(r"{%\s*block title\s*%}(.*?){%\s*endblock", path.read_text(encoding="utf-8"), re.S):
            assert "<" not in block, (path, block)


def test_the_parser_finds_what_the_policy_blocks() -> None:
    page = (
        '<script>alert(1)</script><script src="/static/app.js" defer></script>'
        '<script type="application/json" id="d">{"a": 1}</script><style>p {}</style>'
        '<p style="color:red">x</p><form onsubmit="return false"></form>'
    )
    assert [f.split(" at ")[0] for f in inline_code(page)] == [
        "inline <script>",
        "<style>",
        "style= on <p>",
        "onsubmit= on <form>",
    ]


# --------------------------------------------------------------------------- the pages


@dataclass(frozen=True)
class Site:
    world: World
    #: A value for each variable of the GET routes.
    ids: dict[str, Any]


@pytest.fixture
def site(db: Any) -> Site:
    """One of everything a GET route can name, in one instansi; the koordinator is its admin too."""
    world = build_world(
        members=("koordinator", "pengisi", "reviewer"),
        roles={"koordinator": (RoleName.KOORDINATOR, RoleName.ADMIN)},
        outsider=(),
    )
    add_to_unit(world.koordinator, world.unit)
    ids = seed_objects(world, current_app).ids
    db.session.commit()
    return Site(world, ids)


def _get_routes(app: Flask) -> list[tuple[str, str]]:
    found = [(rule.rule, rule.endpoint) for rule in routes.rules(app, {"GET"}, static=False)]
    assert len(found) > 40, found
    return sorted(found)


def _check(response: Any, where: str, endpoint: str | None = None) -> None:
    assert response.status_code < 500, (where, response.status_code)
    expected = "private, no-cache" if endpoint in OWN_CACHE_CONTROL and response.status_code == 200 else "no-store"
    assert response.headers.get("Cache-Control") == expected, (where, response.headers.get("Cache-Control"))
    if response.mimetype == "text/html":
        assert response.headers.get("Content-Security-Policy") == CSP, where
        assert inline_code(response.get_data(as_text=True)) == [], where


@pytest.mark.parametrize("role", ["koordinator", "pengisi", "reviewer"])
def test_every_page_of_a_signed_in_walk_has_the_policy_and_no_store(
    app: Flask, client: FlaskClient, site: Site, db: Any, role: str
) -> None:
    user = site.world.member(role)
    notification_id = db.session.scalar(select(Notification.id).where(Notification.user_id == user.id))
    assert login(client, user.email).status_code == 302
    statuses: dict[int, int] = {}
    html_pages = 0
    for rule, endpoint in _get_routes(app):
        # A route added later without an id here is still requested (with 1), its answer (404) still checked.
        url = routes.fill(rule, {**site.ids, "notification_id": notification_id})
        response = client.get(url)
        _check(response, url, endpoint)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        html_pages += response.mimetype == "text/html" and response.status_code == 200
    assert html_pages >= PAGES_AT_LEAST[role], statuses
    aid = site.ids["assessment_id"]
    # A form sent back with its errors, a JSON answer and an upload's JSON are signed-in responses too.
    _check(client.post(f"/penilaian/{aid}/indikator/I1", data={"version": "x"}), "answer POST")
    _check(client.get("/csrf", headers={"Accept": "application/json"}), "/csrf")
    _check(client.post(f"/penilaian/{aid}/simulasi/hitung", json={"values": {}, "items": []}), "simulasi/hitung")


def test_pages_before_sign_in_and_the_login_page(client: FlaskClient, site: Site) -> None:
    login_page = client.get("/login")
    assert login_page.status_code == 200
    assert login_page.headers.get_all("Cache-Control") == ["no-store"]
    _check(login_page, "/login")
    refused = client.post("/login", data={"email": site.world.pengisi.email, "password": "salah-sekali"})
    assert refused.status_code == 200
    _check(refused, "POST /login")
    _check(client.get("/tidak-ada"), "404")
    _check(client.get("/healthz"), "/healthz")
    redirect = client.get("/penilaian/")
    assert redirect.status_code == 302
    _check(redirect, "/penilaian/")


@pytest.mark.parametrize("signed_in", [False, True])
def test_static_files_stay_cacheable(client: FlaskClient, site: Site, signed_in: bool) -> None:
    if signed_in:
        login(client, site.world.koordinator.email)
    for name in ("app.js", "app.css", "whatif.js"):
        first = client.get(f"/static/{name}")
        assert first.status_code == 200, name
        assert "no-store" not in (first.headers.get("Cache-Control") or ""), name
        assert first.headers.get("ETag"), name
        again = client.get(f"/static/{name}", headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, name
