"""No page holds an ``id`` twice (issue 16: ``csrf_token`` ×3 and ``version`` ×2 on the answer page): a label, a
skip link or a script pointing at an id would find the wrong element. Every GET page of a signed-in walk over
``app.url_map`` is parsed, with CSRF on as in production (its hidden fields are rendered then)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.models import Notification
from tests import routes
from tests.functional import test_csp
from tests.functional.helpers import login
from tests.functional.test_csp import Site

#: The walk's objects: one of everything a GET route can name (the CSP walk's fixture).
site = test_csp.site


class Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids[value] += 1


def duplicate_ids(html: str) -> dict[str, int]:
    parser = Ids()
    parser.feed(html)
    parser.close()
    return {name: n for name, n in parser.ids.items() if n > 1}


def test_the_parser_finds_duplicates() -> None:
    html = '<form><input type="hidden" id="csrf_token"></form><form><input id="csrf_token"><p id="x"></p></form>'
    assert duplicate_ids(html) == {"csrf_token": 2}


@pytest.mark.parametrize("role", ["koordinator", "pengisi", "reviewer"])
def test_no_page_of_a_signed_in_walk_repeats_an_id(
    app: Flask,
    client: FlaskClient,
    site: Site,
    db: Any,
    role: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = site.world.member(role)
    notification_id = db.session.scalar(select(Notification.id).where(Notification.user_id == user.id))
    assert login(client, user.email).status_code == 302
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    found: dict[str, dict[str, int]] = {}
    pages = 0
    for rule in routes.rules(app, {"GET"}, static=False):
        url = routes.fill(rule.rule, {**site.ids, "notification_id": notification_id})
        response = client.get(url)
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        pages += 1
        repeated = duplicate_ids(response.get_data(as_text=True))
        if repeated:
            found[url] = repeated
    assert pages >= 20
    assert found == {}


def test_the_pages_before_sign_in_repeat_no_id(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for url in ("/login", "/reset"):
        response = client.get(url)
        if response.status_code == 200:
            assert duplicate_ids(response.get_data(as_text=True)) == {}, url
