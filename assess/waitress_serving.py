"""``mandiri serve`` where gunicorn cannot run (Windows): waitress, one process with ``MANDIRI_WEB_THREADS`` threads.

waitress reads a whole request (headers and body, the body spooled to a temporary file past a small size) in its
own I/O loop before a thread runs the application, so a client that sends slowly holds no thread: the role of
:class:`assess.serving.SlowBodyGuard` under gunicorn. A connection idle for ``MANDIRI_WEB_BODY_IDLE_TIMEOUT``
seconds is closed. The embedded job worker runs in this one process.
"""

from __future__ import annotations

from typing import Any

from assess.web_settings import WebSettings

#: What waitress says a request may carry: the app's own gate (MAX_CONTENT_LENGTH, the body gate) refuses first.
HEADERS_MAX_BYTES = 64 * 1024


def serve(app: Any, host: str, port: int, settings: WebSettings) -> None:
    """Serve ``app`` on ``host:port`` until the process is stopped."""
    from waitress import serve as run

    run(
        app,
        host=host,
        port=port,
        threads=settings.threads,
        channel_timeout=settings.body_idle_timeout,
        max_request_header_size=HEADERS_MAX_BYTES,
        max_request_body_size=int(app.config["MAX_CONTENT_LENGTH"]),
        ident="Mandiri",
    )
