"""The web server's settings from ``MANDIRI_WEB_*`` (documented in :mod:`assess.serving`), and which server runs:
gunicorn, or waitress where gunicorn cannot (``MANDIRI_WEB_SERVER``: ``auto``, ``gunicorn`` or ``waitress``).

Nothing here imports a server, so the choice can be made on a machine where gunicorn does not import.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

SERVERS = ("auto", "gunicorn", "waitress")


class ServingError(ValueError):
    """A ``MANDIRI_WEB_*`` setting is wrong; the message names it."""


@dataclass(frozen=True)
class WebSettings:
    workers: int
    threads: int
    timeout: int
    graceful_timeout: int
    keepalive: int
    body_idle_timeout: float
    body_min_rate: int


def _number(environ: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = environ.get(f"MANDIRI_WEB_{name}", "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ServingError(f"MANDIRI_WEB_{name} harus bilangan bulat, tertulis {raw!r}") from None
    if value < minimum:
        raise ServingError(f"MANDIRI_WEB_{name} harus paling sedikit {minimum}, tertulis {value}")
    return value


def web_settings(environ: Mapping[str, str] | None = None, *, embedded_worker: bool = False) -> WebSettings:
    """The server's settings from ``MANDIRI_WEB_*`` (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    workers = 1 if embedded_worker else max(1, min(os.cpu_count() or 1, 4))
    return WebSettings(
        workers=_number(env, "WORKERS", workers, 1),
        threads=_number(env, "THREADS", 8, 1),
        timeout=_number(env, "TIMEOUT", 30, 1),
        graceful_timeout=_number(env, "GRACEFUL_TIMEOUT", 10, 0),
        keepalive=_number(env, "KEEPALIVE", 5, 0),
        body_idle_timeout=_number(env, "BODY_IDLE_TIMEOUT", 10, 1),
        body_min_rate=_number(env, "BODY_MIN_RATE", 1024, 1),
    )


def chosen_server(environ: Mapping[str, str] | None = None, *, has_module: Callable[[str], bool] | None = None) -> str:
    """``gunicorn`` or ``waitress``: what ``MANDIRI_WEB_SERVER`` names; ``auto`` (the default) takes gunicorn wherever
    it runs (it needs ``fcntl``, which only Unix has) and waitress elsewhere."""
    env = os.environ if environ is None else environ
    found = has_module or (lambda name: importlib.util.find_spec(name) is not None)
    name = env.get("MANDIRI_WEB_SERVER", "auto").strip().lower() or "auto"
    if name not in SERVERS:
        raise ServingError(f"MANDIRI_WEB_SERVER harus {', '.join(SERVERS)}, tertulis {name!r}")
    if name == "auto":
        return "gunicorn" if found("fcntl") and found("gunicorn") else "waitress"
    return name
