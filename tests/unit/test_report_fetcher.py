"""The report renderer loads nothing but its own stylesheet and the logo it is given (R7, no SSRF, no local files)."""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Iterator

import pikepdf
import pytest
import weasyprint

from reports.fetcher import AssetFetcher, RefusedURLError
from tests.functional.helpers import jpeg_bytes


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared with the test on purpose

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_CountingHandler,), {"hits": hits})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://contoh.go.id/x.css",
        "ftp://contoh.go.id/x.css",
        "data:text/css,body{color:red}",
        "mandiri:asset/../../pyproject.toml",
        "mandiri:asset/..%2F..%2Fpyproject.toml",
        "mandiri:asset/.hidden.css",
        "mandiri:asset/tidak-ada.css",
        "mandiri:asset/report.css?x=1",
        "mandiri:asset/",
        "mandiri:logo",
        "mandiri:lainnya",
        "report.css",
        "../../pyproject.toml",
    ],
)
def test_refuses_everything_else(url: str) -> None:
    fetcher = AssetFetcher()
    with pytest.raises(RefusedURLError, match="tidak diizinkan"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_serves_the_stylesheet_and_the_logo() -> None:
    logo = jpeg_bytes((40, 40))
    fetcher = AssetFetcher(logo=logo, logo_mime="image/jpeg")
    css = fetcher.fetch("mandiri:asset/report.css")
    assert css.content_type == "text/css"
    assert b"@page" in css.read()
    image = fetcher.fetch("mandiri:logo")
    assert image.content_type == "image/jpeg"
    assert image.read() == logo
    assert fetcher.refused == []


def test_logo_must_be_png_or_jpeg() -> None:
    with pytest.raises(RefusedURLError, match="PNG atau JPEG"):
        AssetFetcher(logo=b"<svg/>", logo_mime="image/svg+xml")


def test_hostile_html_renders_without_any_request(server: tuple[str, list[str]]) -> None:
    base, hits = server
    html = f"""<!DOCTYPE html><html><head>
    <link rel="stylesheet" href="{base}/link.css">
    <link rel="stylesheet" href="file:///etc/passwd">
    <link rel="attachment" href="{base}/attachment.bin">
    <style>
      @import url("{base}/import.css");
      body {{ background: url("{base}/background.png"); }}
      @font-face {{ font-family: X; src: url("{base}/font.woff"); }}
    </style></head>
    <body><p>Halo</p><img src="{base}/img.png"><img src="file:///etc/passwd"><img src="data:image/png;base64,AAAA">
    <img src="../../pyproject.toml"><svg><image href="{base}/svg.png" width="10" height="10"/></svg>
    <iframe src="{base}/frame.html"></iframe><object data="{base}/object.pdf"></object>
    </body></html>"""
    fetcher = AssetFetcher()
    document = weasyprint.HTML(string=html, base_url="mandiri:asset/", url_fetcher=fetcher).render()
    pdf = document.write_pdf(pdf_tags=True)

    assert hits == []
    refused = set(fetcher.refused)
    for name in ("link.css", "import.css", "background.png", "img.png"):
        assert f"{base}/{name}" in refused
    assert "file:///etc/passwd" in refused
    assert any(url.startswith("data:") for url in refused)
    assert pdf.startswith(b"%PDF-")
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        assert len(opened.pages) == 1
        assert "/EmbeddedFiles" not in opened.Root.get("/Names", {})
