"""Issue 14, accounts: two-factor sign-in with an authenticator app (TOTP), with recovery codes; required for the
roles named in ``TWO_FACTOR_REQUIRED_ROLES``.

Codes are computed as a phone would: from the key the setup page shows as text (passlib's TOTP on that base32 key),
not from anything stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from passlib.totp import TOTP  # type: ignore[import-untyped]

from assess.config import ConfigError, load_config
from assess.models import RoleName, User
from tests.factories import create_instansi, create_member
from tests.functional.helpers import login, logout

SETUP = "/tf-setup"
VALIDATE = "/tf-validate"
QR = "/akun/dua-langkah/qr.svg"


@pytest.fixture
def pengisi(db: Any) -> User:
    user = create_member(create_instansi(), RoleName.PENGISI)
    db.session.commit()
    return user


@pytest.fixture
def koordinator(db: Any) -> User:
    user = create_member(create_instansi(), RoleName.KOORDINATOR)
    db.session.commit()
    return user


@pytest.fixture
def required_for_koordinator(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", ("koordinator",))


def code_for(key: str, offset: int = 0) -> str:
    """The code an authenticator app shows for ``key`` (the text of the setup page), ``offset`` steps away."""
    totp = TOTP(key=key.replace("-", "").replace(" ", ""), format="base32")
    return str(totp.generate(time=totp.now() + offset * totp.period).token)


def start_setup(client: FlaskClient) -> tuple[str, str]:
    """Choose the authenticator app on the setup page: the key shown as text and where the first code goes."""
    page = client.post(SETUP, data={"setup": "authenticator"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    key = re.search(r'<code data-testid="tf-key">([^<]+)</code>', html)
    action = re.search(r'<form method="post" action="(/tf-[^"]+)" class="form"', html)
    assert key, html
    assert action, html
    assert f'src="{QR}"' in html
    assert "data:" not in html
    return key.group(1), action.group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def signed_in(client: FlaskClient) -> bool:
    return client.get("/saya/").status_code == 200


def enable(client: FlaskClient) -> str:
    """Turn two-factor on for the signed-in user; the key."""
    key, action = start_setup(client)
    assert action.startswith("/tf-setup/")
    done = client.post(action, data={"code": code_for(key)})
    assert done.status_code == 302
    return key


def test_set_up_with_a_code_then_sign_in_with_password_and_code(client: FlaskClient, pengisi: User, db: Any) -> None:
    assert login(client, pengisi.email).headers["Location"] == "/mulai"
    page = client.get(SETUP).get_data(as_text=True)
    assert "Masuk dua langkah belum aktif." in page
    assert 'data-testid="nav-two-factor"' in page

    key, action = start_setup(client)
    qr = client.get(QR)
    assert qr.status_code == 200
    assert qr.mimetype == "image/svg+xml"
    assert qr.data.lstrip().startswith(b"<?xml")
    assert b"<svg" in qr.data
    assert qr.headers["Cache-Control"] == "no-store"

    # a wrong code does not turn it on
    client.post(action, data={"code": wrong(code_for(key))})
    db.session.expire_all()
    assert db.session.get(User, pengisi.id).tf_primary_method is None

    assert client.post(action, data={"code": code_for(key)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, pengisi.id).tf_primary_method == "authenticator"
    assert "Masuk dua langkah aktif." in client.get(SETUP).get_data(as_text=True)
    assert client.get(QR).status_code == 404  # nothing pending any more

    logout(client)
    assert login(client, pengisi.email).headers["Location"].startswith(VALIDATE)
    assert not signed_in(client)  # the password alone signs nobody in
    code_page = client.get(VALIDATE)
    assert code_page.status_code == 200
    assert "Masuk dua langkah" in code_page.get_data(as_text=True)

    refused = client.post(VALIDATE, data={"code": wrong(code_for(key))})
    assert refused.status_code == 200
    assert "Kode salah atau sudah kedaluwarsa." in refused.get_data(as_text=True)
    assert not signed_in(client)

    assert client.post(VALIDATE, data={"code": code_for(key)}).status_code == 302
    assert signed_in(client)


def test_a_recovery_code_signs_in_once(client: FlaskClient, pengisi: User) -> None:
    login(client, pengisi.email)
    enable(client)
    made = client.post("/mf-recovery-codes", data={"generate_new_codes": "1"})
    assert made.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f-]+)</code></li>", made.get_data(as_text=True))
    assert len(codes) == 8
    shown = client.get("/mf-recovery-codes?show_codes=1").get_data(as_text=True)
    assert all(code in shown for code in codes)
    logout(client)

    login(client, pengisi.email)
    assert 'href="/mf-recovery"' in client.get(VALIDATE).get_data(as_text=True)
    assert client.get("/mf-recovery").status_code == 200
    unknown = client.post("/mf-recovery", data={"code": "0000-0000-0000"})
    assert unknown.status_code == 200
    assert "Kode pemulihan salah atau sudah pernah dipakai." in unknown.get_data(as_text=True)
    assert not signed_in(client)
    assert client.post("/mf-recovery", data={"code": codes[0]}).status_code == 302
    assert signed_in(client)
    logout(client)

    login(client, pengisi.email)
    again = client.post("/mf-recovery", data={"code": codes[0]})
    assert again.status_code == 200
    assert not signed_in(client)
    assert client.post("/mf-recovery", data={"code": codes[1]}).status_code == 302


def test_no_rescue_by_e_mail(client: FlaskClient, pengisi: User) -> None:
    login(client, pengisi.email)
    enable(client)
    logout(client)
    login(client, pengisi.email)
    rescue = client.post("/tf-rescue", data={"help_setup": "help"})
    assert rescue.status_code == 302
    assert rescue.headers["Location"] == "/mf-recovery"


def test_turning_it_off(client: FlaskClient, pengisi: User, db: Any) -> None:
    login(client, pengisi.email)
    enable(client)
    page = client.get(SETUP).get_data(as_text=True)
    assert 'data-testid="tf-disable"' in page
    assert "data-confirm=" in page
    assert client.post(SETUP, data={"setup": "disable"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, pengisi.id).tf_primary_method is None
    logout(client)
    assert login(client, pengisi.email).headers["Location"] == "/mulai"


def test_the_operator_turns_it_off_for_a_lost_phone(app: Flask, client: FlaskClient, pengisi: User, db: Any) -> None:
    login(client, pengisi.email)
    enable(client)
    client.post("/mf-recovery-codes", data={"generate_new_codes": "1"})
    runner = app.test_cli_runner()
    done = runner.invoke(args=["user", "two-factor-off", pengisi.email])
    assert done.exit_code == 0, done.output
    assert "dimatikan" in done.output
    db.session.expire_all()
    user = db.session.get(User, pengisi.id)
    assert user.tf_primary_method is None
    assert user.tf_totp_secret is None
    assert not user.mf_recovery_codes
    assert not signed_in(client)  # the sign-in made with the phone is over
    assert login(client, pengisi.email).headers["Location"] == "/mulai"
    again = runner.invoke(args=["user", "two-factor-off", pengisi.email])
    assert "tidak ada perubahan" in again.output
    missing = runner.invoke(args=["user", "two-factor-off", "tidak-ada@uji.go.id"])
    assert missing.exit_code != 0
    assert "Tidak ada akun dengan surel tidak-ada@uji.go.id." in missing.output


def test_a_role_that_requires_it_must_set_it_up_before_any_page(
    client: FlaskClient, koordinator: User, pengisi: User, required_for_koordinator: None, db: Any
) -> None:
    assert login(client, pengisi.email).headers["Location"] == "/mulai"  # not their role
    logout(client)

    assert login(client, koordinator.email).headers["Location"] == SETUP
    for path in ("/mulai", "/penilaian/", "/saya/"):
        assert client.get(path).status_code in (302, 401), path
    assert not signed_in(client)
    page = client.get(SETUP).get_data(as_text=True)
    assert 'data-testid="tf-required"' in page

    key, action = start_setup(client)
    assert action == VALIDATE
    assert client.get(QR).status_code == 200  # not signed in yet: the session names the user
    assert client.post(action, data={"code": wrong(code_for(key))}).status_code == 200
    assert not signed_in(client)
    assert client.post(action, data={"code": code_for(key)}).status_code == 302
    assert signed_in(client)

    # it cannot be turned off while the role requires it
    assert 'data-testid="tf-disable"' not in client.get(SETUP).get_data(as_text=True)
    client.post(SETUP, data={"setup": "disable"})
    db.session.expire_all()
    assert db.session.get(User, koordinator.id).tf_primary_method == "authenticator"


def test_a_session_open_when_the_rule_came_is_sent_to_set_it_up(
    app: Flask, client: FlaskClient, koordinator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert login(client, koordinator.email).headers["Location"] == "/mulai"
    assert signed_in(client)
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", ("koordinator",))

    for path in ("/mulai", "/penilaian/", "/saya/"):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"] == SETUP, path
    # opening the code page by a link changes nothing (Flask-Security would sign the user out)
    assert client.get(VALIDATE).headers["Location"] == SETUP
    assert client.get(SETUP).status_code == 200

    enable(client)
    assert signed_in(client)


def test_wrong_codes_are_limited_per_account(fresh_app: Callable[..., Flask]) -> None:
    from flask_migrate import upgrade

    from assess.database import writing
    from assess.extensions import db as _db
    from assess.extensions import limiter

    was_enabled = limiter.enabled
    try:
        app = fresh_app(RATELIMIT_ENABLED=True, TWO_FACTOR_RATE_LIMIT="3 per hour")
        with app.app_context():
            with writing():
                upgrade()
                user = create_member(create_instansi(), RoleName.PENGISI, email="ani@kota.go.id")
                _db.session.commit()
            email = user.email
            _db.session.remove()
        client = app.test_client()
        login(client, email)
        key = enable(client)
        logout(client)

        # another browser each time: the limit follows the account, not the session
        answers = []
        for _n in range(4):
            other = app.test_client()
            login(other, email)
            answers.append(other.post(VALIDATE, data={"code": wrong(code_for(key))}).status_code)
        assert answers == [200, 200, 200, 429]
        limited = app.test_client()
        login(limited, email)
        refused = limited.post(VALIDATE, data={"code": code_for(key)})
        assert refused.status_code == 429
        assert "Terlalu banyak kode yang salah." in refused.get_data(as_text=True)
    finally:
        limiter.enabled = was_enabled


@pytest.fixture
def environ_config(tmp_path: Any) -> Callable[[str], Any]:
    from flask import Config

    def load(roles: str) -> Any:
        config = Config(str(tmp_path))
        load_config(config, str(tmp_path), {"SECRET_KEY": "x"}, {"MANDIRI_TWO_FACTOR_REQUIRED_ROLES": roles})
        return config

    return load


def test_the_required_roles_setting_is_checked_at_start(environ_config: Callable[[str], Any]) -> None:
    assert environ_config("Admin, koordinator")["TWO_FACTOR_REQUIRED_ROLES"] == ("admin", "koordinator")
    assert environ_config("")["TWO_FACTOR_REQUIRED_ROLES"] == ()
    with pytest.raises(ConfigError, match="kordinator"):
        environ_config("admin,kordinator")


def test_recovery_codes_from_before_a_secret_rotation_still_open(tmp_path: Any) -> None:
    from cryptography.fernet import Fernet, MultiFernet
    from flask import Config

    def keys(secrets: dict[str, str]) -> list[bytes]:
        config = Config(str(tmp_path))
        load_config(config, str(tmp_path), {"SECRET_KEY": "x", "SECURITY_TOTP_SECRETS": secrets}, {})
        return list(config["SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS"])

    before = MultiFernet([Fernet(k) for k in keys({"1": "alpha"})])
    after = MultiFernet([Fernet(k) for k in keys({"1": "alpha", "2": "beta"})])
    stored = before.encrypt(b"abcd-ef01-2345")
    assert after.decrypt(stored) == b"abcd-ef01-2345"
    assert keys({"1": "alpha", "2": "beta"})[0] == keys({"1": "beta"})[0]  # new codes use the newest secret
