"""The admin's import pages (upload → preview → apply, the result with the one-time links) and the command line's
``mandiri unit import`` / ``mandiri user import``."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assess.models import Instansi, Invitation, RoleName, Unit, User
from tests.factories import create_instansi, create_member
from tests.functional.helpers import login
from tests.worlds import World, build_world

UNITS = "nama;singkatan\nDinas Komunikasi dan Informatika;Diskominfo\nBadan Keuangan Daerah;BKD\n"
USERS = (
    "email,nama,peran,unit\n"
    "budi@kota.go.id,Budi Santoso,pengisi;reviewer,Diskominfo;BKD\n"
    "sari@kota.go.id,Sari,koordinator,\n"
)


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def count(db: Any, model: Any, *where: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)))


@pytest.fixture
def site(db: Any) -> World:
    """Pemerintah Kota Impor (kota-impor) with one unit (Inspektorat, nothing assigned to it), its admin and a
    koordinator, and no one else."""
    built = build_world(
        name="Pemerintah Kota Impor",
        units=(("Inspektorat", "Itda"),),
        members=("admin", "koordinator"),
        outsider=(),
        assign=False,
        emails={"admin": "admin@kota.go.id", "koordinator": "koor@kota.go.id"},
    )
    built.instansi.slug = "kota-impor"
    db.session.commit()
    return built


def upload(client: FlaskClient, url: str, content: str, name: str) -> Any:
    return client.post(
        url, data={"file": (io.BytesIO(content.encode("utf-8")), name)}, content_type="multipart/form-data"
    )


def token_of(page: str) -> str:
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', page) or re.search(
        r'type="hidden" name="token" value="([^"]+)"', page
    )
    assert found, page
    return found.group(1)


def test_units_then_users_upload_preview_apply(client: FlaskClient, db: Any, site: World) -> None:
    instansi: Instansi = site.instansi
    assert login(client, site.admin.email).status_code == 302
    base = f"/admin/{instansi.id}"
    assert "Impor dari berkas" in text(client.get(f"{base}/unit/"))
    template = client.get(f"{base}/unit/impor/templat.csv")
    assert template.status_code == 200
    assert template.get_data(as_text=True).splitlines()[0] == "nama,singkatan"

    preview = upload(client, f"{base}/unit/impor", UNITS, "unit.csv")
    page = text(preview)
    assert preview.status_code == 200
    assert preview.headers["Cache-Control"] == "no-store"
    assert page.count('data-action="create"') == 2
    assert "2 dibuat, 0 diubah, 0 tetap." in page
    assert count(db, Unit, Unit.instansi_id == instansi.id) == 1  # the preview wrote nothing

    applied = client.post(f"{base}/unit/impor/terapkan", data={"token": token_of(page)})
    assert applied.status_code == 302
    assert "Impor unit selesai: 2 dibuat, 0 diubah, 0 tetap." in text(client.get(applied.headers["Location"]))
    assert count(db, Unit, Unit.instansi_id == instansi.id) == 3

    page = text(upload(client, f"{base}/pengguna/impor", USERS, "pengguna.csv"))
    assert page.count('data-action="create"') == 2
    assert count(db, User) == 2
    done = client.post(f"{base}/pengguna/impor/terapkan", data={"token": token_of(page)})
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    links = re.findall(r'data-testid="invitation-link">http://localhost(/undangan/[^<]+)<', text(done))
    assert len(links) == 2
    assert count(db, Invitation, Invitation.used_at.is_(None)) == 2
    budi = db.session.scalar(select(User).where(User.email == "budi@kota.go.id"))
    assert {m.role for m in budi.memberships} == {RoleName.PENGISI, RoleName.REVIEWER}
    # The link handed over works: Budi sets his own password.
    client.post("/logout")
    accept = client.post(links[0], data={"password": "sandi-budi-123", "confirm": "sandi-budi-123"})
    assert accept.status_code == 302
    assert login(client, "budi@kota.go.id", "sandi-budi-123").status_code == 302

    # The same file again: nothing to apply.
    client.post("/logout")
    assert login(client, site.admin.email).status_code == 302
    again = text(upload(client, f"{base}/pengguna/impor", USERS, "pengguna.csv"))
    assert "0 dibuat, 0 diubah, 2 tetap." in again
    assert "Terapkan" not in again


def test_errors_are_listed_by_row_and_column_and_cannot_be_applied(
    client: FlaskClient, db: Any, site: World
) -> None:
    instansi: Instansi = site.instansi
    assert login(client, site.admin.email).status_code == 302
    base = f"/admin/{instansi.id}"
    content = "email,nama,peran,unit\nok@kota.go.id,Ok,pengisi,Itda\nsalah,Salah,pemimpin,Dinas Hantu\n"
    page = text(upload(client, f"{base}/pengguna/impor", content, "p.csv"))
    assert "baris 3, kolom email: “salah” bukan alamat surel yang sah" in page
    assert "baris 3, kolom peran: peran “pemimpin” tidak dikenal" in page
    assert "baris 3, kolom unit" not in page  # a row already refused is not looked up further
    assert "Terapkan" not in page

    # A preview without problems, then the unit is deactivated before the admin applies it: refused as a whole.
    page = text(
        upload(client, f"{base}/pengguna/impor", "email,nama,peran,unit\nok@kota.go.id,Ok,pengisi,Itda\n", "p.csv")
    )
    unit = db.session.scalar(select(Unit).where(Unit.name == "Inspektorat"))
    unit.active = False
    db.session.commit()
    refused = client.post(f"{base}/pengguna/impor/terapkan", data={"token": token_of(page)})
    assert refused.status_code == 302
    assert "baris 2, kolom unit: unit Inspektorat sudah dinonaktifkan" in text(client.get(refused.headers["Location"]))
    assert count(db, User) == 2

    wrong_encoding = client.post(
        f"/admin/{instansi.id}/unit/impor",
        data={"file": (io.BytesIO("nama,singkatan\nDinas Pekerjaan Umum,DPU\xe9\n".encode("cp1252")), "u.csv")},
        content_type="multipart/form-data",
    )
    assert wrong_encoding.status_code == 400
    assert "UTF-8" in text(wrong_encoding)


def test_a_tampered_or_foreign_token_is_refused(client: FlaskClient, db: Any, site: World) -> None:
    instansi: Instansi = site.instansi
    other = create_instansi()
    create_member(other, RoleName.ADMIN, email="admin@lain.go.id")
    db.session.commit()
    assert login(client, "admin@lain.go.id").status_code == 302
    foreign = token_of(text(upload(client, f"/admin/{other.id}/unit/impor", UNITS, "u.csv")))
    client.post("/logout")
    assert login(client, site.admin.email).status_code == 302
    for token in (foreign, foreign[:-3] + "abc"):
        refused = client.post(f"/admin/{instansi.id}/unit/impor/terapkan", data={"token": token})
        assert refused.status_code == 302
        assert "Data pratinjau tidak sah" in text(client.get(refused.headers["Location"]))
    assert count(db, Unit) == 1


def test_only_the_admin_reaches_the_import(client: FlaskClient, db: Any, site: World) -> None:
    instansi: Instansi = site.instansi
    assert login(client, site.koordinator.email).status_code == 302
    base = f"/admin/{instansi.id}"
    for url in (f"{base}/unit/impor", f"{base}/pengguna/impor", f"{base}/pengguna/impor/templat.csv"):
        assert client.get(url).status_code == 404
    assert upload(client, f"{base}/unit/impor", UNITS, "u.csv").status_code == 404
    assert client.post(f"{base}/unit/impor/terapkan", data={"token": "x"}).status_code == 404
    assert count(db, Unit) == 1


# -- the command line --------------------------------------------------------------------------------


def test_cli_dry_run_then_apply(app: Flask, db: Any, site: World, tmp_path: Path) -> None:
    units, users = tmp_path / "unit.csv", tmp_path / "pengguna.csv"
    units.write_text(UNITS, encoding="utf-8-sig")
    users.write_text(USERS, encoding="utf-8")
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["unit", "import", "kota-impor", str(units), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "baris 2: Dinas Komunikasi dan Informatika (Diskominfo) — dibuat" in dry.output
    assert "2 dibuat, 0 diubah, 0 tetap" in dry.output
    assert count(db, Unit) == 1

    done = runner.invoke(args=["unit", "import", "kota-impor", str(units)])
    assert done.exit_code == 0, done.output
    assert count(db, Unit) == 3

    app.config["MAIL_BASE_URL"] = "https://mandiri.kota.go.id"
    try:
        done = runner.invoke(args=["user", "import", "kota-impor", str(users)])
    finally:
        app.config["MAIL_BASE_URL"] = ""
    assert done.exit_code == 0, done.output
    assert "2 dibuat, 0 diubah, 0 tetap" in done.output
    assert len(re.findall(r"budi@kota.go.id: https://mandiri\.kota\.go\.id/undangan/\S+", done.output)) == 1
    assert count(db, Invitation) == 2

    again = runner.invoke(args=["user", "import", "kota-impor", str(users)])
    assert again.exit_code == 0
    assert "0 dibuat, 0 diubah, 2 tetap" in again.output
    assert count(db, Invitation) == 2


def test_cli_errors_exit_non_zero_with_nothing_written(
    app: Flask, db: Any, site: World, tmp_path: Path
) -> None:
    users = tmp_path / "pengguna.csv"
    users.write_text("email,nama,peran,unit\nx@kota.go.id,X,pengisi,Dinas Hantu\ny@kota.go.id,,pembaca,\n")
    runner = app.test_cli_runner()
    for extra in ([], ["--dry-run"]):
        result = runner.invoke(args=["user", "import", "kota-impor", str(users), *extra])
        assert result.exit_code != 0
        assert "baris 2, kolom unit: unit “Dinas Hantu” tidak ada di instansi ini" in result.output
        assert "baris 3, kolom nama: nama wajib diisi" in result.output
    assert count(db, User) == 2
    missing = runner.invoke(args=["unit", "import", "tidak-ada", str(users)])
    assert missing.exit_code != 0
    assert "Instansi tidak-ada tidak ada." in missing.output
