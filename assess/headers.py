"""Headers on every response: a strict Content-Security-Policy on pages, Cache-Control, and HSTS over https; what a
reverse proxy tells the app (``PROXY_FIX``), and the ``Secure`` flag on cookies (``SECURE_COOKIES``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from assess.config import ConfigError

#: ``SECURE_COOKIES``: "auto" marks cookies Secure exactly on a request that came over https.
SECURE_COOKIE_MODES = ("auto", "true", "false")
#: ``PROXY_FIX_<NAME>``: how many proxies in front set each X-Forwarded-* header (ProxyFix's ``x_<name>``).
PROXY_HEADERS = ("FOR", "PROTO", "HOST", "PORT", "PREFIX")

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
    if request.is_secure:  # over http the header means nothing to a browser, and would only mislead
        headers.setdefault(
            "Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains"
        )
    return response


def init_app(app: Flask) -> None:
    """Wrap the app: ProxyFix outermost when ``PROXY_FIX`` is on (without it X-Forwarded-* are ignored, so a client
    cannot pass itself off as another address before the rate limiter), then :class:`SecureCookies`, which sees the
    scheme ProxyFix set."""
    mode = str(app.config["SECURE_COOKIES"]).strip().lower()
    if mode not in SECURE_COOKIE_MODES:
        raise ConfigError(
            f"MANDIRI_SECURE_COOKIES harus auto, true atau false, tertulis {app.config['SECURE_COOKIES']!r}"
        )
    app.config["SECURE_COOKIES"] = mode
    app.config["HSTS_SECONDS"] = _whole_number(app.config, "HSTS_SECONDS")
    app.wsgi_app = SecureCookies(app.wsgi_app, mode)  # type: ignore[method-assign]
    if app.config["PROXY_FIX"]:
        hops = {f"x_{name.lower()}": _whole_number(app.config, f"PROXY_FIX_{name}") for name in PROXY_HEADERS}
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]


def _whole_number(config: Any, key: str) -> int:
    try:
        value = int(config[key])
    except (TypeError, ValueError):
        raise ConfigError(f"MANDIRI_{key} harus bilangan bulat, tertulis {config[key]!r}") from None
    if value < 0:
        raise ConfigError(f"MANDIRI_{key} harus paling sedikit 0")
    return value


class SecureCookies:
    """WSGI middleware: every ``Set-Cookie`` of the response (the session's, the remember cookie, any other) carries
    ``Secure`` in mode "true", or in mode "auto" when the request came over https; mode "false" never adds it."""

    def __init__(self, app: Callable[..., Iterable[bytes]], mode: str) -> None:
        self.app = app
        self.mode = mode

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        secure = self.mode == "true" or (self.mode == "auto" and environ.get("wsgi.url_scheme") == "https")
        if not secure:
            return self.app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            marked = [(name, _secure(value) if name.lower() == "set-cookie" else value) for name, value in headers]
            return start_response(status, marked, exc_info)

        return self.app(environ, start)


def _secure(cookie: str) -> str:
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    return cookie if "secure" in attributes else f"{cookie}; Secure"
