"""Issue 14, accounts: a password set by someone else (an admin creating the account or resetting its password)
must be changed at the next sign-in. Until then every page sends the user to the change-password page, which
says why; changing it there lifts that, and the user's own sign-ins with the old password end."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.models import RoleName, User
from tests.factories import PASSWORD, create_instansi, create_member
from tests.functional.helpers import login

NEW = "sandi-pilihan-sendiri-1"
CHANGE = "/change"


@pytest.fixture
def admin(db: Any) -> User:
    user = create_member(create_instansi(), RoleName.ADMIN)
    db.session.commit()
    return user


def _created_by_admin(client: FlaskClient, admin: User, db: Any) -> User:
    login(client, admin.email)
    instansi_id = admin.memberships[0].instansi_id
    done = client.post(
        f"/admin/{instansi_id}/pengguna/baru",
        data={
            "email": "baru@uji.go.id",
            "name": "Siti Baru",
            "roles": ["pembaca"],
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert done.status_code == 302
    client.post("/logout")
    user = db.session.scalar(select(User).where(User.email == "baru@uji.go.id"))
    assert user is not None
    return user


def _sent_to_change(client: FlaskClient, path: str, method: str = "GET") -> bool:
    response = client.open(path, method=method)
    return response.status_code == 302 and response.headers["Location"] == CHANGE


def test_a_user_an_admin_created_must_change_the_password(client: FlaskClient, admin: User, db: Any) -> None:
    user = _created_by_admin(client, admin, db)
    assert user.must_change_password

    assert login(client, user.email).status_code == 302
    for path in ("/mulai", "/penilaian/", "/saya/", "/saya/notifikasi"):
        assert _sent_to_change(client, path), path
    assert _sent_to_change(client, "/penilaian/baru", "POST")

    page = client.get(CHANGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="must-change-password"' in html
    assert "Kata sandi Anda dibuat oleh admin" in html
    # what stays open: the language, the CSRF refresh, the health check, static files, signing out
    assert client.get("/csrf").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/static/app.css").status_code == 200
    assert client.post("/bahasa", data={"lang": "en", "next": CHANGE}).headers["Location"] == CHANGE

    short = {"password": PASSWORD, "new_password": "pendek", "new_password_confirm": "pendek"}
    refused = client.post(CHANGE, data=short)
    assert refused.status_code == 200
    assert _sent_to_change(client, "/penilaian/")

    changed = client.post(CHANGE, data={"password": PASSWORD, "new_password": NEW, "new_password_confirm": NEW})
    assert changed.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).must_change_password
    assert client.get("/penilaian/").status_code == 200
    assert 'data-testid="must-change-password"' not in client.get(CHANGE).get_data(as_text=True)


def test_signing_out_stays_open(client: FlaskClient, admin: User, db: Any) -> None:
    user = _created_by_admin(client, admin, db)
    login(client, user.email)
    assert client.post("/logout").status_code == 302
    assert client.get("/penilaian/").headers["Location"].startswith("/login")


def test_an_admin_reset_sets_it_again(client: FlaskClient, admin: User, db: Any) -> None:
    instansi = admin.memberships[0].instansi
    instansi_id = instansi.id
    target = create_member(instansi, RoleName.PENGISI)
    db.session.commit()
    assert not target.must_change_password
    login(client, target.email)
    assert client.get("/penilaian/").status_code == 200
    client.post("/logout")

    login(client, admin.email)
    reset = client.post(
        f"/admin/{instansi_id}/pengguna/{target.id}/kata-sandi", data={"password": NEW, "password_confirm": NEW}
    )
    assert reset.status_code == 302
    client.post("/logout")
    db.session.expire_all()
    assert db.session.get(User, target.id).must_change_password

    login(client, target.email, NEW)
    assert _sent_to_change(client, "/penilaian/")


def test_everyone_finds_the_change_password_page_in_the_navigation(client: FlaskClient, admin: User) -> None:
    login(client, admin.email)
    html = client.get("/penilaian/").get_data(as_text=True)
    assert f'href="{CHANGE}" data-testid="nav-change-password">Ubah kata sandi<' in html
