"""The operator's pages (``/operator/``): the list of every instansi in a fixed number of queries, a new instansi with
its first admin invited (the one-time link shown once), an existing address answered as a new one, deactivating and
reactivating an instansi (sign-in refused, then allowed again), the audit entries, and nobody else reaching them."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.models import AnswerState, AuditEntry, Instansi, Invitation, RoleName, User
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import count_queries, jpeg_bytes, login

NEW_PASSWORD = "kata-sandi-admin-baru"


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


@pytest.fixture
def operator(db: Any) -> User:
    user = create_member(None, email="operator@uji.go.id")
    user.is_operator = True
    db.session.commit()
    return user


@pytest.fixture
def operator_client(client: FlaskClient, operator: User) -> FlaskClient:
    assert login(client, operator.email).status_code == 302
    return client


def _start(client: FlaskClient, slug: str = "kab-baru", email: str = "admin@kab-baru.go.id", **extra: Any) -> Any:
    data = {
        "slug": slug,
        "name": "Pemerintah Kabupaten Baru",
        "kind": "kabupaten",
        "admin_email": email,
        "admin_name": "Admin Pertama",
    } | extra
    return client.post("/operator/instansi/baru", data=data, content_type="multipart/form-data")


def _link(page: str) -> str:
    value = re.search(r'<input id="invitation-link"[^>]*value="([^"]+)"', page)
    assert value, page
    return value.group(1)


def test_only_an_operator_reaches_the_operator_pages_and_the_navigation_shows_them(
    app: Flask, client: FlaskClient, db: Any, operator: User
) -> None:
    instansi = create_instansi()
    admin = create_member(instansi, *RoleName)
    db.session.commit()
    pages = ["/operator/", "/operator/instansi/baru", f"/operator/instansi/{instansi.id}/nonaktifkan"]
    assert login(client, admin.email).status_code == 302
    assert [client.get(page).status_code for page in pages] == [404, 404, 404]
    assert client.post(f"/operator/instansi/{instansi.id}/nonaktifkan").status_code == 404
    assert 'data-testid="nav-operator"' not in text(client.get("/penilaian/"))
    assert db.session.get(Instansi, instansi.id).active

    other = app.test_client()
    assert login(other, operator.email).status_code == 302
    assert [other.get(page).status_code for page in pages] == [200, 200, 200]
    assert 'data-testid="nav-operator"' in text(other.get("/penilaian/"))


def test_the_list_shows_every_instansi_with_users_and_progress_in_a_fixed_number_of_queries(
    operator_client: FlaskClient, db: Any
) -> None:
    first = create_instansi("Pemerintah Kota Pertama")
    create_member(first, RoleName.KOORDINATOR)
    create_member(first, RoleName.PENGISI, RoleName.PEMBACA)
    assessment = create_assessment(first)
    answers = assessment.answers
    for answer in answers[:3]:
        answer.state = AnswerState.DRAF
    db.session.commit()

    operator_client.get("/operator/")  # the sign-in's first page (it may touch the login session)

    def page() -> tuple[str, int]:
        with count_queries(db) as statements:
            body = text(operator_client.get("/operator/"))
        return body, len(statements)

    body, few = page()
    section = body[body.index('data-instansi="' + first.slug + '"') :]
    section = section[: section.index("</section>")]
    assert "2 pengguna" in section
    assert f"3 dari {len(answers)} indikator terisi" in section
    assert "aktif" in section

    for n in range(6):
        more = create_instansi(f"Pemerintah Kabupaten Tambahan {n}")
        create_member(more, RoleName.ADMIN)
        create_assessment(more)
    db.session.commit()
    body, many = page()
    assert body.count("data-instansi=") >= 7
    assert many == few


def test_an_instansi_created_with_its_admin_invited_and_the_link_shown_once(
    app: Flask, operator_client: FlaskClient, db: Any, operator: User
) -> None:
    response = _start(operator_client, logo=(io.BytesIO(jpeg_bytes()), "logo.jpg"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response)
    link = _link(page)
    assert "/undangan/" in link

    instansi = db.session.scalar(select(Instansi).where(Instansi.slug == "kab-baru"))
    assert instansi is not None
    assert instansi.active
    assert instansi.logo_key
    admin = db.session.scalar(select(User).where(User.email == "admin@kab-baru.go.id"))
    assert admin is not None
    assert admin.password is None
    assert {(m.instansi_id, m.role) for m in admin.memberships} == {(instansi.id, RoleName.ADMIN)}
    assert db.session.scalar(select(Invitation).where(Invitation.user_id == admin.id)) is not None
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.instansi_id == instansi.id, AuditEntry.actor_id == operator.id)
    ).all()
    assert sorted(actions) == ["instansi.create", "instansi.first_admin"]

    # The link is in the POST's answer only: the pages shown later never carry it.
    later = text(operator_client.get("/operator/"))
    assert link.split("/undangan/")[1] not in later
    assert "Pemerintah Kabupaten Baru" in later

    # The admin follows it, sets a password and signs in to the new instansi.
    path = "/undangan/" + link.split("/undangan/")[1]
    invited = app.test_client()
    assert invited.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert login(invited, admin.email, NEW_PASSWORD).status_code == 302
    assert invited.get(f"/admin/{instansi.id}/").status_code == 200
    assert invited.post(path, data={"password": "lain-lagi-123", "confirm": "lain-lagi-123"}).status_code == 404


def test_a_taken_slug_or_a_bad_one_is_refused_and_nothing_is_created(operator_client: FlaskClient, db: Any) -> None:
    taken = create_instansi("Pemerintah Kota Lama", slug="kota-lama")
    db.session.commit()
    refused = _start(operator_client, slug="kota-lama", email="orang@kota-lama.go.id")
    assert refused.status_code == 200
    assert "Slug kota-lama sudah dipakai instansi lain." in text(refused)
    bad = _start(operator_client, slug="Kota Lama!", email="orang@kota-lama.go.id")
    assert "Slug hanya huruf kecil a-z, angka dan tanda hubung" in text(bad)
    assert db.session.scalar(select(User).where(User.email == "orang@kota-lama.go.id")) is None
    assert db.session.scalars(select(Instansi).where(Instansi.name == "Pemerintah Kabupaten Baru")).all() == []
    assert taken.name == "Pemerintah Kota Lama"


def test_an_existing_address_becomes_the_admin_answered_as_a_new_one_and_is_not_invited(
    app: Flask, operator_client: FlaskClient, db: Any
) -> None:
    elsewhere = create_instansi("Pemerintah Kota Lain")
    owner = create_member(elsewhere, RoleName.PENGISI, email="punya-akun@lain.go.id")
    db.session.commit()
    before = (owner.name, owner.password, owner.fs_uniquifier)

    def seen(response: Any, email: str) -> str:
        page = text(response).replace(email, "SUREL")
        page = re.sub(r'value="[^"]*/undangan/[^"]+"', 'value="TAUTAN"', page)
        page = re.sub(r'name="csrf[_-]token"[^>]*>', "", page)
        return re.sub(r"Pemerintah Kabupaten Baru|kab-(baru|dua)", "INSTANSI", page)

    new = _start(operator_client, slug="kab-baru", email="belum-ada@baru.go.id")
    old = _start(operator_client, slug="kab-dua", email="Punya-Akun@lain.go.id")
    assert (new.status_code, new.headers["Cache-Control"]) == (old.status_code, old.headers["Cache-Control"]) == (
        200,
        "no-store",
    )
    assert seen(new, "belum-ada@baru.go.id") == seen(old, "punya-akun@lain.go.id")

    db.session.expire_all()
    kab_dua = db.session.scalar(select(Instansi).where(Instansi.slug == "kab-dua"))
    owner = db.session.get_one(User, owner.id)
    assert (owner.name, owner.password, owner.fs_uniquifier) == before
    assert {(m.instansi_id, m.role) for m in owner.memberships} == {
        (elsewhere.id, RoleName.PENGISI),
        (kab_dua.id, RoleName.ADMIN),
    }
    assert db.session.scalar(select(Invitation).where(Invitation.user_id == owner.id)) is None
    # The link shown for it sets no password: it leads to an invitation no longer valid.
    path = "/undangan/" + _link(text(old)).split("/undangan/")[1]
    assert app.test_client().post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 404
    assert db.session.get_one(User, owner.id).password == before[1]


def test_deactivating_stops_sign_in_and_open_sessions_and_reactivating_restores_them(
    app: Flask, operator_client: FlaskClient, db: Any, operator: User
) -> None:
    instansi = create_instansi("Pemerintah Kota Ditutup")
    other = create_instansi("Pemerintah Kota Tetap")
    only_here = create_member(instansi, RoleName.KOORDINATOR, email="hanya@ditutup.go.id")
    also_elsewhere = create_member(instansi, RoleName.PENGISI, email="dua@ditutup.go.id")
    from assess.services.users import grant_role

    grant_role(also_elsewhere, other, RoleName.PEMBACA)
    here_and_operator = create_member(instansi, RoleName.ADMIN, email="op@ditutup.go.id")
    here_and_operator.is_operator = True
    assessment = create_assessment(instansi)
    db.session.commit()

    signed_in = app.test_client()
    assert login(signed_in, only_here.email).status_code == 302
    assert signed_in.get(f"/penilaian/{assessment.id}").status_code == 200

    confirm = operator_client.get(f"/operator/instansi/{instansi.id}/nonaktifkan")
    assert "Tidak ada yang dihapus" in text(confirm)
    assert db.session.get_one(Instansi, instansi.id).active  # the confirmation page changes nothing
    done = operator_client.post(f"/operator/instansi/{instansi.id}/nonaktifkan", follow_redirects=True)
    assert "Instansi Pemerintah Kota Ditutup dinonaktifkan." in text(done)
    db.session.expire_all()
    assert not db.session.get_one(Instansi, instansi.id).active

    # The open session reads nothing of it any more.
    assert signed_in.get(f"/penilaian/{assessment.id}").status_code == 404
    assert f'/penilaian/{assessment.id}"' not in text(signed_in.get("/penilaian/"))
    # Sign-in is refused with a clear message, unless the user holds a role in another active instansi or operates.
    refused = login(app.test_client(), only_here.email)
    assert refused.status_code == 200
    assert "Instansi Anda sedang dinonaktifkan" in text(refused)
    assert login(app.test_client(), also_elsewhere.email).status_code == 302
    assert login(app.test_client(), here_and_operator.email).status_code == 302

    assert operator_client.post(f"/operator/instansi/{instansi.id}/aktifkan").status_code == 302
    again = app.test_client()
    assert login(again, only_here.email).status_code == 302
    assert again.get(f"/penilaian/{assessment.id}").status_code == 200
    assert signed_in.get(f"/penilaian/{assessment.id}").status_code == 200

    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.instansi_id == instansi.id, AuditEntry.actor_id == operator.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["instansi.deactivate", "instansi.activate"]


def test_the_operator_reads_nothing_of_an_instansi_without_a_role_there(
    operator_client: FlaskClient, db: Any
) -> None:
    instansi = create_instansi()
    assessment = create_assessment(instansi)
    db.session.commit()
    for page in (f"/penilaian/{assessment.id}", f"/penilaian/{assessment.id}/audit", f"/admin/{instansi.id}/"):
        assert operator_client.get(page).status_code == 404, page
