"""Headers on every response: a strict Content-Security-Policy on pages, and Cache-Control."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

#: No inline script, style or event handler on any page: the scripts are files (``static/app.js`` on every page,
#: ``static/whatif.js``), and the data they need comes in ``data-*`` attributes or in JSON data islands
#: (``<script type="application/json">``, which a browser never runs).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


def add_security_headers(response: Response) -> Response:
    """Every answer but a static file is ``no-store`` unless its view chose otherwise (downloads revalidate:
    ``private, no-cache``); static files keep Flask's ETag and Last-Modified, so browsers cache them."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    endpoint = request.endpoint or ""
    if endpoint != "static" and not endpoint.endswith(".static") and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response
