"""Icons and the favicon: inline SVG from _macros/icons.html (hidden from screen readers when decorative, named when
meaningful), an SVG favicon linked by every page, and /favicon.ico answered for the browsers that ask for it."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template_string
from flask.testing import FlaskClient

from tests.functional.helpers import login
from tests.worlds import World

ICON = '{% from "_macros/icons.html" import icon %}'


def test_a_decorative_icon_is_hidden_from_screen_readers(app: Flask) -> None:
    with app.test_request_context():
        svg = render_template_string(ICON + '{{ icon("paperclip") }}')
    assert svg.startswith('<svg class="icon icon-paperclip"')
    assert 'aria-hidden="true"' in svg
    assert "<title>" not in svg
    assert "<path " in svg


def test_a_meaningful_icon_is_named(app: Flask) -> None:
    with app.test_request_context():
        svg = render_template_string(ICON + '{{ icon("block", "menghalangi") }}')
    assert 'role="img" aria-label="menghalangi"' in svg
    assert "<title>menghalangi</title>" in svg
    assert "aria-hidden" not in svg


def test_the_favicon_is_linked_and_served(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.pengisi.email)
    page = client.get("/penilaian/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    icon.close()
    client.get("/logout")
    # asked by a browser on its own, signed in or not
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 302
    assert legacy.headers["Location"] == "/static/favicon.svg"
