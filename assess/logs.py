"""The log: every line to stderr, as text or as one JSON object, with the time (UTC), level, logger, the request's id
and the signed-in user's id; one access line per request (logger ``mandiri.access``).

The configuration belongs to the process, not to an app: :func:`configure` installs one handler (named
``mandiri``) on the root logger with :func:`logging.config.dictConfig`, once, and a later call (another app made in
the same process, as the tests do) only sets that handler's format and the level. Every handler found on the root
logger is kept (pytest's ``caplog``, one an operator added); a process without an app (gunicorn's master started
with ``-c python:assess.serving``) configures itself from ``MANDIRI_LOG_*`` (:func:`configure_from_environ`).

Every request has an id: the incoming ``X-Request-ID`` when it is sane (a proxy's, e.g. nginx's ``$request_id``),
else a new one; it goes back as ``X-Request-ID`` on every response and is in every line logged while the request
runs. The access line's path has no query string, and the value of every route argument named like ``token``
(invitation and password-reset links) is replaced by ``REDACTED``.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import sys
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import Flask, current_app, g, has_request_context, request
from flask.logging import default_handler
from sqlalchemy import inspect
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from assess.config import ConfigError

#: The name of the one handler :func:`configure` installs on the root logger.
HANDLER = "mandiri"
FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ACCESS_LOGGER = "mandiri.access"
REQUEST_ID_HEADER = "X-Request-ID"
#: An incoming request id is taken only in this shape (nginx's ``$request_id`` is 32 hex digits); anything else
#: (too short to be unique, too long, or able to forge a log line) is replaced.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
#: What a secret route argument is logged as; one shorter than MIN_SECRET characters is no real link's, and
#: only hidden in the access line's path (not wherever it occurs in a message).
REDACTED = "REDACTED"
MIN_SECRET = 8

access_log = logging.getLogger(ACCESS_LOGGER)


def check_settings(log_format: Any, level: Any) -> tuple[str, str]:
    """``LOG_FORMAT`` and ``LOG_LEVEL`` checked and normalised; a wrong one raises :class:`ConfigError` naming it."""
    chosen_format = str(log_format).strip().lower()
    if chosen_format not in FORMATS:
        raise ConfigError(f"MANDIRI_LOG_FORMAT harus text atau json, tertulis {log_format!r}")
    chosen_level = str(level).strip().upper()
    if chosen_level not in LEVELS:
        raise ConfigError(f"MANDIRI_LOG_LEVEL harus salah satu dari {', '.join(LEVELS)}, tertulis {level!r}")
    return chosen_format, chosen_level


def configure(log_format: str, level: str) -> None:
    """Send every logger's lines to stderr in ``log_format`` from ``level`` up (see the module's docstring)."""
    root = logging.getLogger()
    ours = next((handler for handler in root.handlers if handler.get_name() == HANDLER), None)
    if ours is not None:
        ours.setFormatter(_formatter(log_format))
        root.setLevel(level)
        return
    others = list(root.handlers)
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"request": {"()": RequestFilter}},
            "formatters": {"mandiri": {"()": _formatter_class(log_format)}},
            "handlers": {HANDLER: {"()": StderrHandler, "filters": ["request"], "formatter": "mandiri"}},
            "root": {"level": level, "handlers": [HANDLER]},
            # WeasyPrint reports every step of every render at INFO.
            "loggers": {"weasyprint.progress": {"level": "WARNING"}},
        }
    )
    for handler in others:
        root.addHandler(handler)


def configured() -> bool:
    return any(handler.get_name() == HANDLER for handler in logging.getLogger().handlers)


def configure_from_environ(environ: Mapping[str, str]) -> None:
    """The configuration of a process without an app, from ``MANDIRI_LOG_FORMAT`` and ``MANDIRI_LOG_LEVEL``."""
    configure(*check_settings(environ.get("MANDIRI_LOG_FORMAT", "text"), environ.get("MANDIRI_LOG_LEVEL", "INFO")))


def init_app(app: Flask) -> None:
    """Configure the process's log from the app's settings and give every request its id and access line. Called
    before any other hook is registered: the id exists for every other hook, and the access line is written after
    every other ``after_request`` hook has shaped the response."""
    configure(*check_settings(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"]))
    # Flask gives the app's logger a stderr handler of its own when no handler takes its lines yet: ours does.
    logging.getLogger(app.name).removeHandler(default_handler)
    app.before_request(_start)
    app.after_request(_finish)


def request_id() -> str:
    """This request's id: the sane incoming ``X-Request-ID``, else a new one (32 hex digits)."""
    rid = g.get("request_id")
    if rid is None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        rid = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_id = rid
    return str(rid)


def signed_in_user_id() -> int | None:
    """The id of the user this request runs as, once the app has loaded them (no query of its own: a log line must
    not load anything), None when signed out."""
    user = g.get("_login_user")  # where Flask-Login keeps the loaded user
    state = inspect(user, raiseerr=False) if user is not None else None
    identity = state.identity if state is not None else None
    return int(identity[0]) if identity else None


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    path = _redacted_path()[0]
    fields = {
        "method": request.method,
        "path": path,
        "status": response.status_code,
        "bytes": response.content_length,
        "duration_ms": duration,
        "client": request.remote_addr,
    }
    access_log.info(
        "%s %s %s %s %sms %s",
        request.method,
        path,
        response.status_code,
        "-" if fields["bytes"] is None else fields["bytes"],
        "-" if duration is None else f"{duration:.1f}",
        request.remote_addr or "-",
        extra={"access": fields, "request_id": request_id(), "user_id": signed_in_user_id()},
    )
    return response


class SecretPaths:
    """The routes whose path carries a secret (an argument whose name contains ``token``), matched whatever the
    method, the status, repeated slashes or a trailing slash: a refused or mistyped link is hidden as well."""

    def __init__(self, url_map: Map) -> None:
        secret = [
            (rule, {argument for argument in rule.arguments if "token" in argument.lower()})
            for rule in url_map.iter_rules()
        ]
        rules = [Rule(rule.rule, endpoint=rule.endpoint) for rule, arguments in secret if arguments]
        self.secret_arguments = frozenset().union(*(arguments for _, arguments in secret))
        self._adapter = Map(rules, converters=url_map.converters, strict_slashes=False, merge_slashes=False).bind("")

    def redact(self, path: str) -> tuple[str, tuple[str, ...]]:
        """``path`` with its secrets replaced by :data:`REDACTED`, and the secrets (to hide them in messages)."""
        normal = re.sub("/{2,}", "/", path)
        if len(normal) > 1:
            normal = normal.rstrip("/")
        try:
            rule, values = self._adapter.match(normal, method="GET", return_rule=True)
        except HTTPException:  # no secret route (NotFound), or one werkzeug would redirect to
            return path, ()
        secrets = tuple(str(values[key]) for key in values if key in self.secret_arguments)
        built = rule.build({key: REDACTED if key in self.secret_arguments else value for key, value in values.items()})
        return (built[1] if built is not None else REDACTED), secrets


def _redacted_path() -> tuple[str, tuple[str, ...]]:
    """This request's path as it is logged, and the secrets in it (worked out once per request)."""
    redacted = g.get("redacted_path")
    if redacted is None:
        paths = current_app.extensions.get("secret_paths")
        if paths is None:  # on the first request, once every blueprint is registered
            paths = current_app.extensions["secret_paths"] = SecretPaths(current_app.url_map)
        path, secrets = paths.redact(request.path)
        redacted = g.redacted_path = (request.script_root + path, secrets)
    return redacted


class RequestFilter(logging.Filter):
    """Puts the request's id and the user's id on every record (None outside a request or when signed out), unless
    the record carries its own; a secret of the request's path (:class:`SecretPaths`) is hidden in the message too
    (Flask's "Exception on <path>" names the path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not has_request_context():
            record.__dict__.setdefault("request_id", None)
            record.__dict__.setdefault("user_id", None)
            return True
        record.__dict__.setdefault("request_id", request_id())
        record.__dict__.setdefault("user_id", signed_in_user_id())
        secrets = [secret for secret in _redacted_path()[1] if len(secret) >= MIN_SECRET]
        message = record.getMessage()
        if any(secret in message for secret in secrets):
            for secret in secrets:
                message = message.replace(secret, REDACTED)
            record.msg, record.args = message, None
        return True


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _traceback(formatter: logging.Formatter, record: logging.LogRecord) -> str:
    parts = []
    if record.exc_info:
        parts.append(formatter.formatException(record.exc_info))
    elif record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(formatter.formatStack(record.stack_info))
    return "\n".join(parts)


class TextFormatter(logging.Formatter):
    """``2026-12-06T06:13:11.123Z INFO assess.services.answers request=… user=12 jawaban 5 siap direviu`` (``-`` for
    a missing id); a line break in the message is written ``\\n``, so one record is one line, and a traceback
    follows on its own lines."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().replace("\r", "\\r").replace("\n", "\\n")
        rid = getattr(record, "request_id", None) or "-"
        uid = getattr(record, "user_id", None)
        line = f"{_time(record)} {record.levelname} {record.name} request={rid} user={'-' if uid is None else uid}"
        line = f"{line} {message}"
        trace = _traceback(self, record)
        return f"{line}\n{trace}" if trace else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``request_id``, ``user_id`` (null when missing),
    ``message``, ``exc_info`` (the traceback, when there is one) and, on an access line, ``method``, ``path``,
    ``status``, ``bytes``, ``duration_ms`` and ``client``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
            "message": record.getMessage(),
        }
        trace = _traceback(self, record)
        if trace:
            entry["exc_info"] = trace
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            entry.update(access)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _formatter_class(log_format: str) -> type[logging.Formatter]:
    return JsonFormatter if log_format == "json" else TextFormatter


def _formatter(log_format: str) -> logging.Formatter:
    return _formatter_class(log_format)()


class StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is when a line is written (as :data:`logging.lastResort` does), not the
    stream of the moment it was made: a test's captured stderr is closed after the test."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """The stream is always the current stderr."""
