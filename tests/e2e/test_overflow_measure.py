"""The page-width check of the browser tests measures a styled page: a test that goes on as soon as the text it
waits for is there (a link followed, a form sent) can get there before the stylesheet has arrived, and Chromium
then lays the page out without it, a wide table and all (a busy machine made such a phone page 578 px wide)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.a11y import overflow
from tests.e2e.conftest import CHROMIUM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

#: How long the stylesheet takes to arrive.
SLOW = 1.5
CELLS = "".join(f"<td>kolom-{n}</td>" for n in range(20))
PAGE = (
    '<!doctype html><html lang="id"><head><title>Lebar</title><link rel="stylesheet" href="/gaya.css"></head>'
    f'<body><h1>Tabel lebar</h1><div class="scroll-x"><table><tr>{CELLS}</tr></table></div></body></html>'
).encode()
STYLE = b".scroll-x { overflow-x:auto; max-width:100%; }"


class _SlowStylesheet(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/gaya.css":
            time.sleep(SLOW)
            body, kind = STYLE, "text/css"
        else:
            body, kind = PAGE, "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def slow_site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SlowStylesheet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_width_is_measured_once_the_stylesheet_has_arrived(page: Page, slow_site: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{slow_site}/", wait_until="commit")
    expect(page.get_by_role("heading", name="Tabel lebar")).to_be_visible()  # the text, before the stylesheet
    measured = overflow(page)
    assert measured.inner_width == 390
    assert not measured.overflows, f"{measured.scroll_width}px: {measured.culprits}"
