"""The log's formats, its one handler per process, and which paths hide a secret (``assess/logs.py``)."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Map, Rule

from assess import logs
from assess.config import ConfigError

WHEN = datetime(2026, 12, 6, 6, 13, 11, 123456, tzinfo=UTC).timestamp()


def _record(msg: str = "jawaban %s siap direviu", args: tuple[Any, ...] = (5,), **extra: Any) -> logging.LogRecord:
    exc_info = extra.pop("exc_info", None)
    record = logging.LogRecord("assess.services.answers", logging.INFO, __file__, 1, msg, args, exc_info)
    record.created = WHEN
    record.__dict__.update(extra)
    return record


def _failure() -> Any:
    try:
        _ = 1 / 0
    except ZeroDivisionError:
        return sys.exc_info()
    raise AssertionError("no exception")


# --------------------------------------------------------------------------- JSON


def test_json_line_has_every_field() -> None:
    line = logs.JsonFormatter().format(_record(request_id="a1b2c3d4e5f6", user_id=12))
    assert json.loads(line) == {
        "time": "2026-12-06T06:13:11.123Z",
        "level": "INFO",
        "logger": "assess.services.answers",
        "request_id": "a1b2c3d4e5f6",
        "user_id": 12,
        "message": "jawaban 5 siap direviu",
    }


def test_json_line_outside_a_request_has_null_ids() -> None:
    entry = json.loads(logs.JsonFormatter().format(_record(request_id=None, user_id=None)))
    assert entry["request_id"] is None
    assert entry["user_id"] is None


def test_json_line_carries_the_traceback_on_one_line() -> None:
    line = logs.JsonFormatter().format(_record("gagal", (), exc_info=_failure(), request_id=None, user_id=None))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "gagal"
    assert entry["exc_info"].startswith("Traceback (most recent call last):")
    assert entry["exc_info"].endswith("ZeroDivisionError: division by zero")


def test_json_access_line_has_its_fields() -> None:
    access = {"method": "GET", "path": "/", "status": 200, "bytes": None, "duration_ms": 1.5, "client": "10.0.0.1"}
    entry = json.loads(logs.JsonFormatter().format(_record("GET / 200", (), request_id="r" * 8, access=access)))
    assert {key: entry[key] for key in access} == access


# --------------------------------------------------------------------------- text


def test_text_line() -> None:
    line = logs.TextFormatter().format(_record(request_id="a1b2c3d4e5f6", user_id=12))
    assert line == (
        "2026-12-06T06:13:11.123Z INFO assess.services.answers request=a1b2c3d4e5f6 user=12 jawaban 5 siap direviu"
    )


def test_text_line_outside_a_request_and_signed_out() -> None:
    line = logs.TextFormatter().format(_record(request_id=None, user_id=None))
    assert " request=- user=- " in line


def test_text_line_cannot_be_split_by_its_message_and_the_traceback_follows() -> None:
    text = logs.TextFormatter().format(
        _record("nama %s", ("a\n2026-12-06T00:00:00.000Z INFO palsu\r",), exc_info=_failure(), request_id=None)
    )
    first, *rest = text.split("\n")
    assert first.endswith("nama a\\n2026-12-06T00:00:00.000Z INFO palsu\\r")
    assert rest[0] == "Traceback (most recent call last):"
    assert rest[-1] == "ZeroDivisionError: division by zero"


# --------------------------------------------------------------------------- settings, handler


@pytest.mark.parametrize(
    ("log_format", "level", "named"),
    [("xml", "INFO", "MANDIRI_LOG_FORMAT"), ("json", "LOUD", "MANDIRI_LOG_LEVEL"), ("text", "", "MANDIRI_LOG_LEVEL")],
)
def test_a_wrong_setting_is_named(log_format: str, level: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        logs.check_settings(log_format, level)


def test_settings_are_normalised() -> None:
    assert logs.check_settings(" JSON ", "debug") == ("json", "DEBUG")


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """The root logger, put back as it was (handlers, level, our handler's format) after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    formatters = {handler: handler.formatter for handler in handlers}
    yield root
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
        handler.setFormatter(formatters[handler])
    root.setLevel(level)


def _ours(root: logging.Logger) -> list[logging.Handler]:
    return [handler for handler in root.handlers if handler.get_name() == logs.HANDLER]


def test_configure_installs_one_handler_and_keeps_the_others(root_logger: logging.Logger) -> None:
    foreign = logging.StreamHandler(io.StringIO())
    root_logger.addHandler(foreign)
    for log_format in ("text", "json", "json"):
        logs.configure(log_format, "WARNING")
    (ours,) = _ours(root_logger)
    assert foreign in root_logger.handlers
    assert isinstance(ours.formatter, logs.JsonFormatter)
    assert root_logger.level == logging.WARNING
    logs.configure("text", "DEBUG")
    assert _ours(root_logger) == [ours]
    assert isinstance(ours.formatter, logs.TextFormatter)
    assert root_logger.level == logging.DEBUG


def test_records_reach_stderr_and_other_handlers(
    root_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign_stream = io.StringIO()
    root_logger.addHandler(logging.StreamHandler(foreign_stream))
    logs.configure("json", "INFO")
    logging.getLogger("assess.services.users").info("pengguna dibuat: %s", "a@contoh.go.id")
    logging.getLogger("assess.services.users").debug("tidak tampil")
    (line,) = capsys.readouterr().err.splitlines()  # the stderr of the moment the line is written
    entry = json.loads(line)
    assert (entry["logger"], entry["message"], entry["request_id"]) == (
        "assess.services.users",
        "pengguna dibuat: a@contoh.go.id",
        None,
    )
    assert foreign_stream.getvalue() == "pengguna dibuat: a@contoh.go.id\n"


# --------------------------------------------------------------------------- secrets in paths


@pytest.fixture
def secret_paths() -> logs.SecretPaths:
    app = Flask(__name__)
    app.url_map = Map(
        [
            Rule("/undangan/<token>", endpoint="invitation"),
            Rule("/reset/<token>", endpoint="reset", methods=["GET", "POST"]),
            Rule("/a/<int:n>/kunci/<reset_token>/", endpoint="nested"),
            Rule("/penilaian/<int:n>", endpoint="assessment"),
            Rule("/pembina/<slug>/", endpoint="pembina"),
        ]
    )
    return logs.SecretPaths(app.url_map)


@pytest.mark.parametrize(
    ("path", "logged", "secrets"),
    [
        ("/undangan/Xy_0-9abcdEFGH", "/undangan/REDACTED", ("Xy_0-9abcdEFGH",)),
        ("/reset/abc.def", "/reset/REDACTED", ("abc.def",)),
        ("//undangan///rahasia123/", "/undangan/REDACTED", ("rahasia123",)),  # werkzeug would merge or 404 it
        ("/a/5/kunci/rahasia123", "/a/5/kunci/REDACTED/", ("rahasia123",)),
        ("/penilaian/5", "/penilaian/5", ()),
        ("/pembina/kota-contoh/", "/pembina/kota-contoh/", ()),
        ("/undangan/a/b", "/undangan/a/b", ()),  # no route has this shape
    ],
)
def test_secret_paths(secret_paths: logs.SecretPaths, path: str, logged: str, secrets: tuple[str, ...]) -> None:
    assert secret_paths.redact(path) == (logged, secrets)
