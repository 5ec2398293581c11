"""Administration of an instansi: profile, units, users; who may reach it; sessions ended at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from assess.extensions import db as _db
from assess.models import Instansi, RoleName, Unit, User
from tests.factories import PASSWORD, create_instansi, create_member, create_unit

NEW_PASSWORD = "sandi-baru-123"


_addresses = count(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    # Each login from its own client address: this module logs in hundreds of times, and logins are
    # rate limited per address.
    n = next(_addresses)
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"},
        follow_redirects=False,
    )


def logged_in(client: FlaskClient, email: str, password: str = PASSWORD) -> bool:
    return login(client, email, password).status_code == 302


@contextmanager
def count_queries(db: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@dataclass
class World:
    instansi: Instansi
    other: Instansi
    unit: Unit
    other_unit: Unit
    admin: User
    #: Holds roles only in ``instansi``.
    target: User
    #: Holds roles in ``instansi`` and in ``other``.
    shared: User
    #: Holds roles only in ``other``.
    stranger: User

    def ids(self) -> dict[str, int]:
        return {
            "i": self.instansi.id,
            "u": self.unit.id,
            "t": self.target.id,
            "s": self.shared.id,
            "ou": self.other_unit.id,
            "ox": self.stranger.id,
        }


def make_world() -> World:
    instansi = create_instansi("Pemerintah Kota Uji")
    other = create_instansi("Pemerintah Kabupaten Tetangga")
    unit = create_unit(instansi, "Dinas Komunikasi dan Informatika", "Diskominfo")
    other_unit = create_unit(other, "Dinas Tetangga", "DT")
    admin = create_member(instansi, RoleName.ADMIN, email="admin@uji.go.id")
    target = create_member(instansi, RoleName.PENGISI, units=(unit,), email="target@uji.go.id")
    shared = create_member(instansi, RoleName.REVIEWER, units=(unit,), email="bersama@uji.go.id")
    from assess.services.users import add_to_unit, grant_role

    grant_role(shared, other, RoleName.KOORDINATOR)
    add_to_unit(shared, other_unit)
    stranger = create_member(other, RoleName.PENGISI, units=(other_unit,), email="asing@tetangga.go.id")
    return World(instansi, other, unit, other_unit, admin, target, shared, stranger)


@pytest.fixture
def world(db: Any) -> World:
    w = make_world()
    db.session.commit()
    return w


@pytest.fixture
def admin_client(client: FlaskClient, world: World) -> FlaskClient:
    assert logged_in(client, world.admin.email)
    return client


def second_client(app: Flask) -> FlaskClient:
    return app.test_client()


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def fresh(db: Any, model: Any, ident: int) -> Any:
    db.session.expire_all()
    return db.session.get(model, ident)


# -- the permission matrix -------------------------------------------------------------------------

#: Every admin page and action: (method, path, form data, status for the instansi's admin).
PAGES: list[tuple[str, str, dict[str, Any] | None, int]] = [
    ("GET", "/admin/{i}/", None, 200),
    ("POST", "/admin/{i}/", {"name": "Pemerintah Kota Uji Baru", "kind": "kota"}, 302),
    ("GET", "/admin/{i}/unit/", None, 200),
    ("GET", "/admin/{i}/unit/baru", None, 200),
    ("POST", "/admin/{i}/unit/baru", {"name": "Badan Perencanaan", "short_name": "Bappeda"}, 302),
    ("GET", "/admin/{i}/unit/{u}", None, 200),
    ("POST", "/admin/{i}/unit/{u}", {"name": "Dinas Kominfo", "short_name": ""}, 302),
    ("GET", "/admin/{i}/unit/{u}/nonaktifkan", None, 200),
    ("POST", "/admin/{i}/unit/{u}/nonaktifkan", {}, 302),
    ("POST", "/admin/{i}/unit/{u}/aktifkan", {}, 302),
    ("GET", "/admin/{i}/pengguna/", None, 200),
    ("GET", "/admin/{i}/pengguna/baru", None, 200),
    (
        "POST",
        "/admin/{i}/pengguna/baru",
        {
            "email": "baru@uji.go.id",
            "name": "Pengguna Baru",
            "roles": ["pengisi"],
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
        302,
    ),
    ("GET", "/admin/{i}/pengguna/{t}", None, 200),
    ("POST", "/admin/{i}/pengguna/{t}", {"roles": ["pembaca"], "units": ["{u}"]}, 302),
    ("GET", "/admin/{i}/pengguna/{t}/kata-sandi", None, 200),
    ("POST", "/admin/{i}/pengguna/{t}/kata-sandi", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, 302),
    ("GET", "/admin/{i}/pengguna/{t}/nonaktifkan", None, 200),
    ("POST", "/admin/{i}/pengguna/{t}/nonaktifkan", {}, 302),
    ("POST", "/admin/{i}/pengguna/{t}/aktifkan", {}, 302),
    ("GET", "/admin/{i}/pengguna/{s}/keluarkan", None, 200),
    ("POST", "/admin/{i}/pengguna/{s}/keluarkan", {}, 302),
]
ACTORS = ["admin", "koordinator", "pengisi", "reviewer", "pembaca", "admin_instansi_lain", "tamu"]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value.format(**ids) if isinstance(value, str) else value


def _actor(world: World, who: str) -> User | None:
    if who == "admin":
        return world.admin
    if who == "admin_instansi_lain":
        return create_member(world.other, RoleName.ADMIN)
    if who == "tamu":
        return None
    return create_member(world.instansi, RoleName(who), units=(world.unit,))


@pytest.mark.parametrize(
    ("who", "method", "path", "data", "admin_status"),
    [(who, *page) for who in ACTORS for page in PAGES],
    ids=[f"{who}-{method}-{path}" for who in ACTORS for method, path, _d, _s in PAGES],
)
def test_permission_matrix(
    client: FlaskClient,
    db: Any,
    world: World,
    who: str,
    method: str,
    path: str,
    data: dict[str, Any] | None,
    admin_status: int,
) -> None:
    actor = _actor(world, who)
    db.session.commit()
    if actor is not None:
        assert logged_in(client, actor.email)
    ids = world.ids()
    url = path.format(**ids)
    form = {k: _fill(v, ids) for k, v in (data or {}).items()}
    response = client.open(url, method=method, data=form if method == "POST" else None)
    if who == "admin":
        assert response.status_code == admin_status, text(response)
        if admin_status == 302:
            assert "/login" not in response.headers["Location"]
    elif who == "tamu":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == 404


#: Pages about one object, reached through the admin's own instansi with an object of another one.
FOREIGN_OBJECT_PAGES = [
    ("GET", "/admin/{i}/unit/{ou}"),
    ("POST", "/admin/{i}/unit/{ou}"),
    ("GET", "/admin/{i}/unit/{ou}/nonaktifkan"),
    ("POST", "/admin/{i}/unit/{ou}/nonaktifkan"),
    ("POST", "/admin/{i}/unit/{ou}/aktifkan"),
    ("GET", "/admin/{i}/pengguna/{ox}"),
    ("POST", "/admin/{i}/pengguna/{ox}"),
    ("GET", "/admin/{i}/pengguna/{ox}/kata-sandi"),
    ("POST", "/admin/{i}/pengguna/{ox}/kata-sandi"),
    ("GET", "/admin/{i}/pengguna/{ox}/nonaktifkan"),
    ("POST", "/admin/{i}/pengguna/{ox}/nonaktifkan"),
    ("POST", "/admin/{i}/pengguna/{ox}/aktifkan"),
    ("GET", "/admin/{i}/pengguna/{ox}/keluarkan"),
    ("POST", "/admin/{i}/pengguna/{ox}/keluarkan"),
    ("GET", "/admin/{i}/unit/999999"),
    ("GET", "/admin/{i}/pengguna/999999"),
    ("GET", "/admin/999999/"),
]


@pytest.mark.parametrize(("method", "path"), FOREIGN_OBJECT_PAGES)
def test_objects_of_another_instansi_answer_404(
    admin_client: FlaskClient, db: Any, world: World, method: str, path: str
) -> None:
    data = {"name": "Direbut", "roles": ["admin"], "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    response = admin_client.open(path.format(**world.ids()), method=method, data=data if method == "POST" else None)
    assert response.status_code == 404
    stranger = fresh(db, User, world.stranger.id)
    assert stranger.active
    assert {m.instansi_id for m in stranger.memberships} == {world.other.id}
    assert fresh(db, Unit, world.other_unit.id).name == "Dinas Tetangga"


def test_admin_index(client: FlaskClient, db: Any, world: World) -> None:
    assert client.get("/admin/").status_code == 302  # to the login page
    assert logged_in(client, world.admin.email)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/{world.instansi.id}/")

    from assess.services.users import grant_role

    grant_role(fresh(db, User, world.admin.id), world.other, RoleName.ADMIN)
    db.session.commit()
    page = text(client.get("/admin/"))
    assert "Pemerintah Kota Uji" in page
    assert "Pemerintah Kabupaten Tetangga" in page


def test_admin_index_is_404_without_the_admin_role(client: FlaskClient, world: World) -> None:
    assert logged_in(client, world.target.email)
    assert client.get("/admin/").status_code == 404


# -- profile and units -----------------------------------------------------------------------------


def test_profile_edit(admin_client: FlaskClient, db: Any, world: World) -> None:
    page = text(admin_client.get(f"/admin/{world.instansi.id}/"))
    assert "Profil instansi" in page
    assert "autofocus" in page
    response = admin_client.post(
        f"/admin/{world.instansi.id}/", data={"name": "  Pemerintah Kota Baru ", "kind": "kota"}, follow_redirects=True
    )
    assert "Profil instansi disimpan." in text(response)
    instansi = fresh(db, Instansi, world.instansi.id)
    assert instansi.name == "Pemerintah Kota Baru"
    assert instansi.kind.value == "kota"
    refused = admin_client.post(f"/admin/{world.instansi.id}/", data={"name": " ", "kind": "kota"})
    assert refused.status_code == 200
    assert "Wajib diisi." in text(refused)


def test_units_empty_state(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    admin = create_member(instansi, RoleName.ADMIN)
    db.session.commit()
    assert logged_in(client, admin.email)
    assert "Belum ada unit. Tambahkan unit pertama" in text(client.get(f"/admin/{instansi.id}/unit/"))


def test_unit_create_edit_and_duplicate_names(admin_client: FlaskClient, db: Any, world: World) -> None:
    base = f"/admin/{world.instansi.id}/unit"
    response = admin_client.post(f"{base}/baru", data={"name": "Badan Perencanaan", "short_name": "Bappeda"})
    assert response.status_code == 302
    page = text(admin_client.get(response.headers["Location"]))
    assert "Unit disimpan." in page
    assert "Badan Perencanaan" in page

    duplicate = admin_client.post(f"{base}/baru", data={"name": "badan perencanaan", "short_name": "BP2"})
    assert duplicate.status_code == 200
    page = text(duplicate)
    assert "Unit bernama badan perencanaan sudah ada di instansi ini." in page
    assert 'value="BP2"' in page  # what the admin typed is kept

    # The same name in another instansi is fine; renaming onto an existing name is not.
    create_unit(world.other, "Badan Keuangan")
    db.session.commit()
    assert admin_client.post(f"{base}/baru", data={"name": "Badan Keuangan"}).status_code == 302
    clash = admin_client.post(f"{base}/{world.unit.id}", data={"name": "Badan Perencanaan", "short_name": "X"})
    assert clash.status_code == 200
    assert "sudah ada di instansi ini" in text(clash)
    assert fresh(db, Unit, world.unit.id).name == "Dinas Komunikasi dan Informatika"

    renamed = admin_client.post(f"{base}/{world.unit.id}", data={"name": "Dinas Kominfo", "short_name": ""})
    assert renamed.status_code == 302
    unit = fresh(db, Unit, world.unit.id)
    assert (unit.name, unit.short_name) == ("Dinas Kominfo", None)
    # Keeping its own name is no clash.
    assert admin_client.post(f"{base}/{world.unit.id}", data={"name": "Dinas Kominfo"}).status_code == 302


def test_unit_list_counts_members(admin_client: FlaskClient, world: World) -> None:
    page = text(admin_client.get(f"/admin/{world.instansi.id}/unit/"))
    row = page[page.index(f'data-unit="{world.unit.id}"') :]
    row = row[: row.index("</tr>")]
    assert re.search(r'class="num">\s*2\s*<', row)  # target and shared


def test_unit_deactivate_needs_confirmation_and_can_be_undone(admin_client: FlaskClient, db: Any, world: World) -> None:
    base = f"/admin/{world.instansi.id}/unit/{world.unit.id}"
    listing = text(admin_client.get(f"/admin/{world.instansi.id}/unit/"))
    assert f"{base}/nonaktifkan" in listing  # a link to the confirmation page, not a bare button
    confirm = text(admin_client.get(f"{base}/nonaktifkan"))
    assert "Ya, nonaktifkan unit" in confirm
    assert fresh(db, Unit, world.unit.id).active

    response = admin_client.post(f"{base}/nonaktifkan", follow_redirects=True)
    assert "dinonaktifkan" in text(response)
    assert not fresh(db, Unit, world.unit.id).active
    # An inactive unit is offered to nobody new, but its members keep it.
    assert "Diskominfo" not in text(admin_client.get(f"/admin/{world.instansi.id}/pengguna/baru"))
    assert "nonaktif" in text(admin_client.get(f"/admin/{world.instansi.id}/pengguna/{world.target.id}"))

    response = admin_client.post(f"{base}/aktifkan", follow_redirects=True)
    assert "diaktifkan kembali" in text(response)
    assert fresh(db, Unit, world.unit.id).active


# -- creating users --------------------------------------------------------------------------------


def test_create_user_with_a_typed_password(admin_client: FlaskClient, app: Flask, db: Any, world: World) -> None:
    response = admin_client.post(
        f"/admin/{world.instansi.id}/pengguna/baru",
        data={
            "email": "Baru@Uji.go.id",
            "name": "Siti Baru",
            "roles": ["pengisi", "reviewer"],
            "units": [str(world.unit.id)],
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert "Pengguna baru@uji.go.id dibuat." in text(admin_client.get(response.headers["Location"]))
    user = db.session.scalar(select(User).where(User.email == "baru@uji.go.id"))
    assert {(m.instansi_id, m.role) for m in user.memberships} == {
        (world.instansi.id, RoleName.PENGISI),
        (world.instansi.id, RoleName.REVIEWER),
    }
    assert [link.unit_id for link in user.unit_links] == [world.unit.id]
    assert logged_in(second_client(app), "baru@uji.go.id", NEW_PASSWORD)


def test_create_user_with_a_generated_password_shown_once(
    admin_client: FlaskClient, app: Flask, db: Any, world: World
) -> None:
    response = admin_client.post(
        f"/admin/{world.instansi.id}/pengguna/baru",
        data={"email": "acak@uji.go.id", "name": "Budi Acak", "roles": ["pembaca"], "password": ""},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response)
    match = re.search(r'data-testid="generated-password">([^<]+)<', page)
    assert match
    generated = match.group(1)
    assert len(generated) >= 8
    assert "tidak akan menampilkannya lagi" in page

    user = db.session.scalar(select(User).where(User.email == "acak@uji.go.id"))
    assert generated not in (user.password or "")
    assert generated not in text(admin_client.get(f"/admin/{world.instansi.id}/pengguna/{user.id}"))
    assert generated not in text(admin_client.get(f"/admin/{world.instansi.id}/pengguna/"))
    assert logged_in(second_client(app), "acak@uji.go.id", generated)


def test_create_user_refusals_keep_what_was_typed(admin_client: FlaskClient, db: Any, world: World) -> None:
    url = f"/admin/{world.instansi.id}/pengguna/baru"
    mismatch = text(
        admin_client.post(
            url,
            data={
                "email": "ketik@uji.go.id",
                "name": "Nama Diketik",
                "roles": ["pengisi"],
                "password": NEW_PASSWORD,
                "password_confirm": "lain-sekali-123",
            },
        )
    )
    assert "Kedua kata sandi tidak sama." in mismatch
    assert 'value="ketik@uji.go.id"' in mismatch
    assert 'value="Nama Diketik"' in mismatch
    assert re.search(r'value="pengisi"[^>]*checked|checked[^>]*value="pengisi"', mismatch)

    short = text(
        admin_client.post(url, data={"email": "x@uji.go.id", "name": "X", "roles": ["pengisi"], "password": "pendek"})
    )
    assert "Kata sandi minimal 8 karakter." in short

    no_role = text(admin_client.post(url, data={"email": "x@uji.go.id", "name": "X"}))
    assert "Pilih minimal satu peran." in no_role

    foreign_unit = admin_client.post(
        url, data={"email": "z@uji.go.id", "name": "Z", "roles": ["pembaca"], "units": [str(world.other_unit.id)]}
    )
    assert foreign_unit.status_code == 200
    assert db.session.scalar(select(User).where(User.email.in_(["x@uji.go.id", "z@uji.go.id"]))) is None


# -- editing roles and units -----------------------------------------------------------------------


def test_edit_roles_and_units_only_within_the_instansi(admin_client: FlaskClient, db: Any, world: World) -> None:
    second_unit = create_unit(world.instansi, "Inspektorat", "Itda")
    db.session.commit()
    url = f"/admin/{world.instansi.id}/pengguna/{world.shared.id}"
    page = text(admin_client.get(url))
    assert "juga memiliki peran di instansi lain" in page
    assert "Dinas Tetangga" not in page  # the other instansi's unit is no choice here

    response = admin_client.post(url, data={"roles": ["pengisi", "pembaca"], "units": [str(second_unit.id)]})
    assert response.status_code == 302
    assert "Peran dan unit disimpan." in text(admin_client.get(response.headers["Location"]))
    shared = fresh(db, User, world.shared.id)
    assert {(m.instansi_id, m.role) for m in shared.memberships} == {
        (world.instansi.id, RoleName.PENGISI),
        (world.instansi.id, RoleName.PEMBACA),
        (world.other.id, RoleName.KOORDINATOR),
    }
    assert {link.unit_id for link in shared.unit_links} == {second_unit.id, world.other_unit.id}

    # A unit of the other instansi cannot be slipped in, nor another instansi's links dropped.
    refused = admin_client.post(url, data={"roles": ["pengisi"], "units": [str(world.other_unit.id)]})
    assert refused.status_code == 200
    shared = fresh(db, User, world.shared.id)
    assert {link.unit_id for link in shared.unit_links} == {second_unit.id, world.other_unit.id}

    no_roles = admin_client.post(url, data={"units": [str(second_unit.id)]})
    assert "Pilih minimal satu peran." in text(no_roles)
    assert len(fresh(db, User, world.shared.id).memberships) == 3


def test_edit_form_shows_current_roles_and_units(admin_client: FlaskClient, world: World) -> None:
    page = text(admin_client.get(f"/admin/{world.instansi.id}/pengguna/{world.target.id}"))
    assert re.search(r'checked[^>]*value="pengisi"|value="pengisi"[^>]*checked', page)
    assert not re.search(r'checked[^>]*value="admin"|value="admin"[^>]*checked', page)
    assert re.search(rf'checked[^>]*value="{world.unit.id}"|value="{world.unit.id}"[^>]*checked', page)


# -- passwords and sessions ------------------------------------------------------------------------


def test_reset_password_typed_ends_the_users_sessions(
    admin_client: FlaskClient, app: Flask, db: Any, world: World
) -> None:
    theirs = second_client(app)
    assert logged_in(theirs, world.target.email)
    assert theirs.get("/penilaian/").status_code == 200

    url = f"/admin/{world.instansi.id}/pengguna/{world.target.id}/kata-sandi"
    assert "autofocus" in text(admin_client.get(url))
    mismatch = admin_client.post(url, data={"password": NEW_PASSWORD, "password_confirm": "beda-beda-beda"})
    assert "Kedua kata sandi tidak sama." in text(mismatch)
    assert theirs.get("/penilaian/").status_code == 200

    response = admin_client.post(url, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    ended = theirs.get("/penilaian/")
    assert ended.status_code == 302
    assert "/login" in ended.headers["Location"]
    assert not logged_in(second_client(app), world.target.email, PASSWORD)
    assert logged_in(second_client(app), world.target.email, NEW_PASSWORD)
    assert admin_client.get("/admin/").status_code == 302  # the admin's own session is untouched


def test_reset_password_generated(admin_client: FlaskClient, app: Flask, world: World) -> None:
    response = admin_client.post(f"/admin/{world.instansi.id}/pengguna/{world.target.id}/kata-sandi", data={})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = re.search(r'data-testid="generated-password">([^<]+)<', text(response))
    assert match
    assert not logged_in(second_client(app), world.target.email, PASSWORD)
    assert logged_in(second_client(app), world.target.email, match.group(1))


def test_reset_password_minimum_length(admin_client: FlaskClient, app: Flask, world: World) -> None:
    url = f"/admin/{world.instansi.id}/pengguna/{world.target.id}/kata-sandi"
    page = text(admin_client.post(url, data={"password": "1234567", "password_confirm": "1234567"}))
    assert "Kata sandi minimal 8 karakter." in page
    assert logged_in(second_client(app), world.target.email, PASSWORD)


def test_deactivate_ends_the_session_at_once_and_reactivate(
    admin_client: FlaskClient, app: Flask, db: Any, world: World
) -> None:
    theirs = second_client(app)
    assert logged_in(theirs, world.target.email)
    assert theirs.get("/penilaian/").status_code == 200
    before = fresh(db, User, world.target.id).fs_uniquifier

    url = f"/admin/{world.instansi.id}/pengguna/{world.target.id}"
    confirm = text(admin_client.get(f"{url}/nonaktifkan"))
    assert "Ya, nonaktifkan akun" in confirm
    response = admin_client.post(f"{url}/nonaktifkan", follow_redirects=True)
    assert "dinonaktifkan" in text(response)
    target = fresh(db, User, world.target.id)
    assert not target.active
    assert target.fs_uniquifier != before

    ended = theirs.get("/penilaian/")
    assert ended.status_code == 302
    assert "/login" in ended.headers["Location"]
    assert not logged_in(second_client(app), world.target.email)
    assert "nonaktif" in text(admin_client.get(f"/admin/{world.instansi.id}/pengguna/"))

    response = admin_client.post(f"{url}/aktifkan", follow_redirects=True)
    assert "diaktifkan kembali" in text(response)
    assert fresh(db, User, world.target.id).active
    assert logged_in(second_client(app), world.target.email)


# -- self-protection and users of several instansi -------------------------------------------------


def test_admin_cannot_harm_their_own_account(admin_client: FlaskClient, db: Any, world: World) -> None:
    base = f"/admin/{world.instansi.id}/pengguna/{world.admin.id}"
    refused = admin_client.post(base, data={"roles": ["koordinator"]})
    assert refused.status_code == 200
    page = text(refused)
    assert "Anda tidak dapat mencabut peran admin dari akun Anda sendiri." in page
    assert re.search(r'checked[^>]*value="koordinator"|value="koordinator"[^>]*checked', page)  # kept as typed
    # Adding a role to oneself is fine.
    assert admin_client.post(base, data={"roles": ["admin", "koordinator"]}).status_code == 302

    deactivate = admin_client.post(f"{base}/nonaktifkan")
    assert deactivate.status_code == 200
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in text(deactivate)

    password = admin_client.post(
        f"{base}/kata-sandi", data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert password.status_code == 200
    assert "halaman Ubah kata sandi" in text(password)

    admin = fresh(db, User, world.admin.id)
    assert admin.active
    assert {m.role for m in admin.memberships} == {RoleName.ADMIN, RoleName.KOORDINATOR}
    assert admin_client.get(f"/admin/{world.instansi.id}/").status_code == 200  # still logged in, still admin


def test_another_admin_can_be_demoted(admin_client: FlaskClient, db: Any, world: World) -> None:
    colleague = create_member(world.instansi, RoleName.ADMIN)
    db.session.commit()
    url = f"/admin/{world.instansi.id}/pengguna/{colleague.id}"
    assert admin_client.post(url, data={"roles": ["pembaca"]}).status_code == 302
    assert {m.role for m in fresh(db, User, colleague.id).memberships} == {RoleName.PEMBACA}


def test_user_of_several_instansi_is_removed_not_deactivated(
    admin_client: FlaskClient, app: Flask, db: Any, world: World
) -> None:
    base = f"/admin/{world.instansi.id}/pengguna/{world.shared.id}"
    page = text(admin_client.get(base))
    assert "Keluarkan dari instansi ini" in page
    assert f"{base}/nonaktifkan" not in page

    explained = text(admin_client.get(f"{base}/nonaktifkan"))
    assert "juga memiliki peran di instansi lain" in explained
    refused = admin_client.post(f"{base}/nonaktifkan")
    assert refused.status_code == 200
    assert "Keluarkan dari instansi ini" in text(refused)
    assert fresh(db, User, world.shared.id).active

    confirm = text(admin_client.get(f"{base}/keluarkan"))
    assert "Ya, keluarkan dari instansi ini" in confirm
    response = admin_client.post(f"{base}/keluarkan", follow_redirects=True)
    assert "dikeluarkan dari Pemerintah Kota Uji" in text(response)

    shared = fresh(db, User, world.shared.id)
    assert shared.active
    assert {(m.instansi_id, m.role) for m in shared.memberships} == {(world.other.id, RoleName.KOORDINATOR)}
    assert {link.unit_id for link in shared.unit_links} == {world.other_unit.id}
    assert admin_client.get(base).status_code == 404  # no longer a user of this instansi
    assert logged_in(second_client(app), world.shared.email)


def test_single_instansi_user_cannot_be_removed(admin_client: FlaskClient, db: Any, world: World) -> None:
    url = f"/admin/{world.instansi.id}/pengguna/{world.target.id}/keluarkan"
    assert "Nonaktifkan akunnya" in text(admin_client.get(url))
    refused = admin_client.post(url)
    assert refused.status_code == 200
    assert len(fresh(db, User, world.target.id).memberships) == 1
    own = admin_client.post(f"/admin/{world.instansi.id}/pengguna/{world.admin.id}/keluarkan")
    assert own.status_code == 200
    assert "Anda tidak dapat mengeluarkan diri sendiri" in text(own)


# -- no admin reaches beyond their instansi through a shared account (issue 12, findings 4 and 14) --


def test_password_of_a_user_shared_with_another_instansi_cannot_be_reset(
    admin_client: FlaskClient, app: Flask, db: Any, world: World
) -> None:
    """The takeover: reset the password of someone who also works for another instansi, sign in as them, act there."""
    theirs = second_client(app)
    assert logged_in(theirs, world.shared.email)
    before = fresh(db, User, world.shared.id)
    password_hash, uniquifier = before.password, before.fs_uniquifier
    url = f"/admin/{world.instansi.id}/pengguna/{world.shared.id}/kata-sandi"

    page = text(admin_client.get(url))
    assert "juga memiliki peran di instansi lain" in page
    assert 'name="password"' not in page  # no form to fill
    assert url not in text(admin_client.get(f"/admin/{world.instansi.id}/pengguna/{world.shared.id}"))

    for data in ({"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, {}):
        refused = admin_client.post(url, data=data)
        assert refused.status_code == 200
        page = text(refused)
        assert "kata sandinya tidak dapat diatur ulang dari sini" in page
        assert 'data-testid="generated-password"' not in page
    after = fresh(db, User, world.shared.id)
    assert (after.password, after.fs_uniquifier) == (password_hash, uniquifier)
    assert not logged_in(second_client(app), world.shared.email, NEW_PASSWORD)
    assert theirs.get("/penilaian/").status_code == 200  # their session goes on


def test_every_admin_action_on_a_shared_user_stays_within_the_instansi(
    admin_client: FlaskClient, app: Flask, db: Any, world: World
) -> None:
    """Each action of the admin pages on a user who also works for another instansi: what reaches beyond this
    instansi is refused with the reason, the rest changes this instansi only. (No admin page edits a user's
    name or e-mail: the account's own data are the user's.)"""
    base = f"/admin/{world.instansi.id}/pengguna/{world.shared.id}"
    before = fresh(db, User, world.shared.id)
    account = (before.email, before.name, before.password, before.fs_uniquifier, before.active)
    elsewhere = {(world.other.id, RoleName.KOORDINATOR)}

    def other_side_untouched() -> None:
        user = fresh(db, User, world.shared.id)
        assert (user.email, user.name, user.password, user.fs_uniquifier, user.active) == account
        assert {(m.instansi_id, m.role) for m in user.memberships if m.instansi_id != world.instansi.id} == elsewhere
        assert world.other_unit.id in {link.unit_id for link in user.unit_links}

    refusals = {
        f"{base}/kata-sandi": "kata sandinya tidak dapat diatur ulang dari sini",
        f"{base}/nonaktifkan": "tidak dapat dinonaktifkan dari sini",
    }
    for url, reason in refusals.items():
        response = admin_client.post(url, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
        assert response.status_code == 200, url
        assert reason in text(response), url
        other_side_untouched()
    activate = admin_client.post(f"{base}/aktifkan", follow_redirects=True)
    assert "tidak dapat diaktifkan dari sini" in text(activate)
    other_side_untouched()
    # A name or e-mail slipped into the forms that do exist changes nothing.
    edited = admin_client.post(
        base, data={"roles": ["pembaca"], "units": [], "email": "direbut@uji.go.id", "name": "Direbut"}
    )
    assert edited.status_code == 302
    other_side_untouched()
    assert {m.role for m in fresh(db, User, world.shared.id).memberships if m.instansi_id == world.instansi.id} == {
        RoleName.PEMBACA
    }
    assert admin_client.post(f"{base}/keluarkan").status_code == 302
    other_side_untouched()
    assert logged_in(second_client(app), world.shared.email)


def _create(client: FlaskClient, world: World, email: str, password: str = "") -> Any:
    data = {"email": email, "name": "Nama Diketik Admin", "roles": ["pembaca"], "units": [str(world.unit.id)]}
    if password:
        data |= {"password": password, "password_confirm": password}
    return client.post(f"/admin/{world.instansi.id}/pengguna/baru", data=data)


def _as_seen(response: Any, email: str) -> tuple[int, str | None, str, str | None]:
    """What the admin sees of a create: status, where it leads, the page with the address and any password
    blanked, and the flashed message on the page it leads to."""
    page = re.sub(r'(data-testid="generated-password">)[^<]+<', r"\1…<", text(response)).replace(email, "SUREL")
    page = re.sub(r'name="csrf[_-]token"[^>]*>', "", page)
    return response.status_code, response.headers.get("Location"), page, response.headers.get("Cache-Control")


@pytest.mark.parametrize("password", [NEW_PASSWORD, ""], ids=["typed", "generated"])
def test_creating_a_user_does_not_tell_whether_the_address_exists_elsewhere(
    admin_client: FlaskClient, app: Flask, db: Any, world: World, password: str
) -> None:
    stranger_before = fresh(db, User, world.stranger.id)
    stranger_account = (stranger_before.name, stranger_before.password, stranger_before.fs_uniquifier)

    seen = {}
    for email in ("orang-baru@uji.go.id", "Asing@Tetangga.go.id"):
        response = _create(admin_client, world, email, password)
        flashed = text(admin_client.get(response.headers["Location"])) if response.status_code == 302 else ""
        seen[email] = (*_as_seen(response, email.lower()), flashed.count(f"Pengguna {email.lower()} dibuat."))
    assert seen["orang-baru@uji.go.id"] == seen["Asing@Tetangga.go.id"]
    status, _location, page, _cache, flashed = seen["orang-baru@uji.go.id"]
    if password:
        assert (status, flashed) == (302, 1)
    else:
        assert status == 200
        assert "hanya berlaku untuk akun baru" in page

    # The existing account joined this instansi with the chosen roles and unit; its own name, password and
    # sessions are its owner's, and its roles elsewhere stay.
    stranger = fresh(db, User, world.stranger.id)
    assert (stranger.name, stranger.password, stranger.fs_uniquifier) == stranger_account
    assert {(m.instansi_id, m.role) for m in stranger.memberships} == {
        (world.other.id, RoleName.PENGISI),
        (world.instansi.id, RoleName.PEMBACA),
    }
    assert {link.unit_id for link in stranger.unit_links} == {world.other_unit.id, world.unit.id}
    assert logged_in(second_client(app), world.stranger.email)
    if password:
        assert not logged_in(second_client(app), world.stranger.email, password)
        assert logged_in(second_client(app), "orang-baru@uji.go.id", password)
    # And being shared now, its password cannot be reset from here either.
    reset = admin_client.post(
        f"/admin/{world.instansi.id}/pengguna/{world.stranger.id}/kata-sandi",
        data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert "kata sandinya tidak dapat diatur ulang dari sini" in text(reset)
    assert fresh(db, User, world.stranger.id).password == stranger_account[1]


def test_creating_a_user_already_in_this_instansi_is_refused(admin_client: FlaskClient, db: Any, world: World) -> None:
    refused = _create(admin_client, world, "TARGET@uji.go.id", NEW_PASSWORD)
    assert refused.status_code == 200
    assert "target@uji.go.id sudah menjadi pengguna instansi ini." in text(refused)
    assert 'value="TARGET@uji.go.id"' in text(refused)
    assert len(fresh(db, User, world.target.id).memberships) == 1


# -- the users list --------------------------------------------------------------------------------


def _many_users(world: World, n: int, *, prefix: str = "warga") -> None:
    units = [world.unit, create_unit(world.instansi)]
    for k in range(n):
        create_member(
            world.instansi,
            RoleName.PENGISI,
            RoleName.PEMBACA,
            units=(units[k % 2],),
            email=f"{prefix}{k:02d}@uji.go.id",
        )


def test_users_list_pagination_and_search(admin_client: FlaskClient, db: Any, world: World) -> None:
    _many_users(world, 27)
    db.session.commit()
    url = f"/admin/{world.instansi.id}/pengguna/"
    # 27 + admin, target, shared = 30 users of this instansi; the stranger is not one of them.
    first = text(admin_client.get(url))
    assert first.count('data-user="') == 25
    assert "30 pengguna" in first
    assert "asing@tetangga.go.id" not in first
    assert "Pengisi" in first
    assert "Diskominfo" in first
    second = text(admin_client.get(f"{url}?page=2"))
    assert second.count('data-user="') == 5
    assert 'rel="prev"' in second

    found = text(admin_client.get(f"{url}?q=WARGA0"))
    assert found.count('data-user="') == 10
    by_email = text(admin_client.get(f"{url}?q=bersama@"))
    assert by_email.count('data-user="') == 1
    assert "juga di instansi lain" in by_email
    by_name = text(admin_client.get(url, query_string={"q": world.target.name}))
    assert f'data-user="{world.target.id}"' in by_name
    assert text(admin_client.get(f"{url}?q=tetangga")).count('data-user="') == 0
    nothing = text(admin_client.get(url, query_string={"q": "%"}))
    assert "Tidak ada pengguna yang nama atau surelnya memuat" in nothing
    assert admin_client.get(f"{url}?page=99").status_code == 200
    assert admin_client.get(f"{url}?page=abc").status_code == 200


def test_users_list_query_count_is_constant(admin_client: FlaskClient, db: Any, world: World) -> None:
    url = f"/admin/{world.instansi.id}/pengguna/"
    admin_client.get(url)  # warm caches

    with count_queries(db) as few:
        page = text(admin_client.get(url))
    assert page.count('data-user="') == 3

    _many_users(world, 27)
    db.session.commit()
    with count_queries(db) as many:
        page = text(admin_client.get(url))
    assert page.count('data-user="') == 25
    assert len(few) == len(many), (few, many)


# -- CSRF ------------------------------------------------------------------------------------------


def test_posts_without_csrf_token_are_refused(fresh_app: Any) -> None:
    from flask_migrate import upgrade

    from assess.database import writing

    app = fresh_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        with writing():
            upgrade()
            instansi = create_instansi()
            admin = create_member(instansi, RoleName.ADMIN)
            ids = (instansi.id, admin.email)
            _db.session.commit()
        _db.session.remove()
    instansi_id, email = ids

    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(client.get("/login")))
    assert token
    assert (
        client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}).status_code
        == 302
    )

    page = text(client.get(f"/admin/{instansi_id}/unit/baru"))
    refused = client.post(f"/admin/{instansi_id}/unit/baru", data={"name": "Tanpa Token"})
    assert refused.status_code == 400
    form_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert form_token
    accepted = client.post(
        f"/admin/{instansi_id}/unit/baru", data={"name": "Dengan Token", "csrf_token": form_token.group(1)}
    )
    assert accepted.status_code == 302
    with app.app_context():
        names = set(_db.session.scalars(select(Unit.name).where(Unit.instansi_id == instansi_id)))
        _db.session.remove()
    assert names == {"Dengan Token"}


def test_logo_upload_show_and_remove(client: FlaskClient, db: Any) -> None:
    import io

    from PIL import Image

    from tests.functional.helpers import pdf_bytes

    instansi = create_instansi()
    admin = create_member(instansi, RoleName.ADMIN)
    member = create_member(instansi, RoleName.PEMBACA)
    stranger = create_member(create_instansi(), RoleName.ADMIN)
    db.session.commit()
    png = io.BytesIO()
    Image.new("RGB", (120, 60), (10, 90, 160)).save(png, format="PNG")
    login(client, admin.email)
    bad = client.post(
        f"/admin/{instansi.id}/logo",
        data={"logo": (io.BytesIO(pdf_bytes()), "logo.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "PNG" in bad.get_data(as_text=True)
    db.session.refresh(instansi)
    assert instansi.logo_key is None
    ok = client.post(
        f"/admin/{instansi.id}/logo",
        data={"logo": (io.BytesIO(png.getvalue()), "Logo Kota.png")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    db.session.refresh(instansi)
    assert instansi.logo_key
    assert instansi.logo_mime == "image/png"
    client.post("/logout")
    login(client, member.email)
    shown = client.get(f"/instansi/{instansi.id}/logo")
    assert shown.status_code == 200
    assert shown.data == png.getvalue()
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    client.post("/logout")
    login(client, stranger.email)
    assert client.get(f"/instansi/{instansi.id}/logo").status_code == 404
    assert client.post(f"/admin/{instansi.id}/logo/hapus").status_code == 404
    client.post("/logout")
    login(client, admin.email)
    assert client.post(f"/admin/{instansi.id}/logo/hapus").status_code == 302
    db.session.refresh(instansi)
    assert instansi.logo_key is None
