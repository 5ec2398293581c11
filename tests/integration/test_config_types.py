"""``MANDIRI_*`` values are read by the type of their setting's default: text stays text, whatever it looks like."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Config, Flask

from assess.config import ConfigError, load_config


def _load(tmp_path: Path, environ: dict[str, str]) -> Config:
    config = Config(str(tmp_path))
    load_config(config, str(tmp_path / "instance"), None, environ)
    return config


def test_a_secret_of_digits_stays_the_exact_text(tmp_path: Path) -> None:
    config = _load(tmp_path, {"MANDIRI_SECRET_KEY": "0042", "MANDIRI_MAIL_PASSWORD": "1234"})
    assert config["SECRET_KEY"] == "0042"
    assert config["MAIL_PASSWORD"] == "1234"


def test_text_that_looks_like_a_bool_stays_text(tmp_path: Path) -> None:
    config = _load(tmp_path, {"MANDIRI_MAIL_PASSWORD": "true", "MANDIRI_MAIL_USERNAME": " False "})
    assert config["MAIL_PASSWORD"] == "true"
    assert config["MAIL_USERNAME"] == " False "


def test_an_unknown_setting_stays_the_exact_text(tmp_path: Path) -> None:
    assert _load(tmp_path, {"MANDIRI_SOMETHING_ELSE": "007"})["SOMETHING_ELSE"] == "007"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        (" Yes ", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("NO", False),
    ],
)
def test_a_bool_setting_takes_the_usual_spellings(tmp_path: Path, raw: str, value: bool) -> None:
    config = _load(tmp_path, {"MANDIRI_MAIL_USE_TLS": raw, "MANDIRI_SECURITY_RECOVERABLE": raw})
    assert config["MAIL_USE_TLS"] is value
    assert config["SECURITY_RECOVERABLE"] is value  # default None, annotated bool | None


@pytest.mark.parametrize(
    "name", ["MANDIRI_MAIL_USE_TLS", "MANDIRI_JOBS_EMBEDDED_WORKER", "MANDIRI_SECURITY_RECOVERABLE"]
)
def test_a_bool_setting_refuses_anything_else_naming_it(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{name} harus true atau false .*'maybe'"):
        _load(tmp_path, {name: "maybe"})


def test_an_int_setting_is_a_number(tmp_path: Path) -> None:
    config = _load(tmp_path, {"MANDIRI_MAIL_PORT": "587", "MANDIRI_NAV_COUNTS_TTL": " 0 "})
    assert config["MAIL_PORT"] == 587
    assert config["NAV_COUNTS_TTL"] == 0


@pytest.mark.parametrize("name", ["MANDIRI_MAIL_PORT", "MANDIRI_UPLOAD_MAX_MB"])
def test_an_int_setting_refuses_other_text_naming_it(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{name} harus bilangan bulat, tertulis 'dua puluh'"):
        _load(tmp_path, {name: "dua puluh"})


def test_flask_and_extension_switches_stay_switches(tmp_path: Path) -> None:
    """A setting Defaults does not name: typed by Flask's own default, else true/false become a bool (an extension's
    switch read as the text "false" would count as on)."""
    config = Flask(__name__).config
    load_config(
        config,
        str(tmp_path / "instance"),
        None,
        {"MANDIRI_SESSION_COOKIE_SECURE": "1", "MANDIRI_RATELIMIT_ENABLED": "False", "MANDIRI_SOMETHING": "0042"},
    )
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["RATELIMIT_ENABLED"] is False
    assert config["SOMETHING"] == "0042"


def test_the_two_step_key_can_come_from_the_environment(tmp_path: Path) -> None:
    """Nodes that share no instance folder share the key that encrypts the two-step keys through a variable."""
    config = _load(tmp_path, {"MANDIRI_TOTP_SECRET": "0042-rahasia-bersama"})
    assert config["SECURITY_TOTP_SECRETS"] == {"1": "0042-rahasia-bersama"}
    assert not (tmp_path / "instance" / "totp_secret").exists()
    generated = _load(tmp_path / "lain", {})
    written = (tmp_path / "lain" / "instance" / "totp_secret").read_text().strip()
    assert generated["SECURITY_TOTP_SECRETS"]["1"] == written


def test_the_portal_limit_is_unset_or_a_whole_number_of_mb(tmp_path: Path) -> None:
    assert _load(tmp_path, {})["PORTAL_MAX_MB"] is None
    assert _load(tmp_path, {"MANDIRI_PORTAL_MAX_MB": "10"})["PORTAL_MAX_MB"] == 10
    with pytest.raises(ConfigError, match=r"^MANDIRI_PORTAL_MAX_MB harus paling sedikit 1"):
        _load(tmp_path, {"MANDIRI_PORTAL_MAX_MB": "0"})
    with pytest.raises(ConfigError, match=r"^MANDIRI_PORTAL_MAX_MB harus bilangan bulat"):
        _load(tmp_path, {"MANDIRI_PORTAL_MAX_MB": "10MB"})
