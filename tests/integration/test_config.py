"""Layered configuration: defaults, instance file, MANDIRI_* variables, explicit mapping; bad settings are named."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from flask import Config

from assess.config import ConfigError, load_config


def _load(tmp_path: Path, environ: dict[str, str] | None = None, overrides: dict[str, object] | None = None) -> Config:
    config = Config(str(tmp_path))
    load_config(config, str(tmp_path / "instance"), overrides, environ or {})
    return config


def test_defaults_give_sqlite_in_instance_and_generated_secrets(tmp_path: Path) -> None:
    config = _load(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'mandiri.db'}"
    secret = tmp_path / "instance" / "secret_key"
    assert secret.exists()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert config["SECRET_KEY"] == secret.read_text().strip()
    assert len(config["SECRET_KEY"]) > 40
    again = _load(tmp_path)
    assert again["SECRET_KEY"] == config["SECRET_KEY"]
    assert again["SECURITY_PASSWORD_SALT"] == config["SECURITY_PASSWORD_SALT"]
    assert config["BABEL_DEFAULT_LOCALE"] == "id"


def test_layers_in_order(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("SQLITE_BUSY_TIMEOUT = 7\nUPLOAD_MAX_MB = 1\n")
    config = _load(
        tmp_path,
        {"MANDIRI_UPLOAD_MAX_MB": "20", "MANDIRI_DATABASE_URL": "postgresql+psycopg://u@db:5432/mandiri"},
        {"SECRET_KEY": "explicit"},
    )
    assert config["SQLITE_BUSY_TIMEOUT"] == 7  # instance file
    assert config["UPLOAD_MAX_MB"] == 20  # environment beats the instance file
    assert config["MAX_CONTENT_LENGTH"] == 21 * 1024 * 1024  # one file plus room for the other fields
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/mandiri"
    assert config["SECRET_KEY"] == "explicit"  # explicit mapping beats everything


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"MANDIRI_DATABASE_URL": "bukan url"}, "MANDIRI_DATABASE_URL"),
        ({"MANDIRI_DATABASE_URL": "mysql://u@h/db"}, "MANDIRI_DATABASE_URL"),
        ({"MANDIRI_SQLITE_BUSY_TIMEOUT": "lama"}, "MANDIRI_SQLITE_BUSY_TIMEOUT"),
        ({"MANDIRI_UPLOAD_MAX_MB": "100MB"}, "MANDIRI_UPLOAD_MAX_MB"),
        ({"MANDIRI_UPLOAD_MAX_MB": "0"}, "MANDIRI_UPLOAD_MAX_MB"),
        ({"MANDIRI_UPLOAD_EXTENSIONS": " , "}, "MANDIRI_UPLOAD_EXTENSIONS"),
        ({"MANDIRI_BABEL_DEFAULT_LOCALE": "fr"}, "MANDIRI_BABEL_DEFAULT_LOCALE"),
    ],
)
def test_wrong_setting_stops_start_up_naming_it(tmp_path: Path, environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        _load(tmp_path, environ)


def test_create_app_refuses_a_bad_database_url(tmp_path: Path) -> None:
    from assess import create_app

    with pytest.raises(ConfigError, match="MANDIRI_DATABASE_URL"):
        create_app({"SECRET_KEY": "x"}, environ={"MANDIRI_DATABASE_URL": "::::"})
