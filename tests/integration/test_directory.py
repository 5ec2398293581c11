"""Importing an instansi's units and users from a file (assess/services/directory.py): the preview, errors by row and
column with nothing written, idempotent re-import, CSV and XLSX, 200 users in one step, invitations."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select

from assess import mail
from assess.errors import DomainError
from assess.models import Instansi, Invitation, RoleName, Unit, User
from assess.services import directory
from tests.factories import create_instansi, create_member, create_unit


@contextmanager
def count_queries(db: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def csv_bytes(text: str, *, bom: bool = False) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def count(db: Any, model: Any, *where: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)))


@pytest.fixture
def instansi(db: Any) -> Instansi:
    made = create_instansi("Pemerintah Kota Impor")
    create_unit(made, "Dinas Komunikasi dan Informatika", "Diskominfo")
    db.session.commit()
    return made


def apply_units(db: Any, instansi: Instansi, data: bytes, name: str = "unit.csv") -> directory.UnitPreview:
    preview = directory.preview_units(instansi, data, name)
    assert not preview.errors
    directory.apply_units(instansi, preview.rows)
    db.session.commit()
    return preview


def apply_users(db: Any, instansi: Instansi, data: bytes, name: str = "pengguna.csv") -> directory.UsersApplied:
    preview = directory.preview_users(instansi, data, name)
    assert not preview.errors, preview.errors
    result = directory.apply_users(instansi, preview.rows, actor=None)
    db.session.commit()
    return result


# -- units ---------------------------------------------------------------------------------------------


def test_units_preview_writes_nothing_then_apply_is_idempotent(db: Any, instansi: Instansi) -> None:
    data = csv_bytes(
        "Nama,SINGKATAN\n"
        "dinas komunikasi dan informatika,Kominfo\n"
        "Badan Perencanaan Pembangunan Daerah,Bappeda\n"
        "Inspektorat,\n"
    )
    preview = directory.preview_units(instansi, data, "unit.csv")
    assert preview.errors == []
    assert [(p.row, p.name, p.action) for p in preview.plans] == [
        (2, "Dinas Komunikasi dan Informatika", directory.CHANGE),
        (3, "Badan Perencanaan Pembangunan Daerah", directory.CREATE),
        (4, "Inspektorat", directory.CREATE),
    ]
    assert preview.plans[0].old_short_name == "Diskominfo"
    db.session.rollback()
    assert count(db, Unit, Unit.instansi_id == instansi.id) == 1

    directory.apply_units(instansi, preview.rows)
    db.session.commit()
    units = {u.name: u.short_name for u in db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id))}
    assert units == {
        "Dinas Komunikasi dan Informatika": "Kominfo",
        "Badan Perencanaan Pembangunan Daerah": "Bappeda",
        "Inspektorat": None,
    }
    again = directory.preview_units(instansi, data, "unit.csv")
    assert [p.action for p in again.plans] == [directory.UNCHANGED] * 3


def test_unit_errors_name_row_and_column_and_nothing_is_written(db: Any, instansi: Instansi) -> None:
    data = csv_bytes(
        "nama;singkatan;kepala\n"  # semicolons, and a column the import does not know
        "Dinas A;DA;x\n"
    )
    preview = directory.preview_units(instansi, data, "unit.csv")
    assert preview.errors == ["baris 1, kolom C: kolom “kepala” tidak dikenal; kolom yang diterima: nama, singkatan"]

    data = csv_bytes("nama;singkatan\nDinas A;DA\n;DB\nDINAS A;DC\nDinas D;Diskominfo\nDinas E;" + "x" * 65 + "\n")
    preview = directory.preview_units(instansi, data, "unit.csv")
    assert preview.errors == [
        "baris 3, kolom nama: nama unit wajib diisi",
        "baris 4, kolom nama: unit “DINAS A” sudah ada di baris 2",
        "baris 5, kolom singkatan: singkatan “Diskominfo” sudah dipakai unit Dinas Komunikasi dan Informatika",
        "baris 6, kolom singkatan: paling banyak 64 karakter",
    ]
    # The apply step plans the rows again and refuses them all, naming every problem.
    with pytest.raises(DomainError) as refused:
        directory.apply_units(instansi, preview.rows)
    assert [message for _field, message in refused.value.errors] == [
        "baris 4, kolom nama: unit “DINAS A” sudah ada di baris 2",
        "baris 5, kolom singkatan: singkatan “Diskominfo” sudah dipakai unit Dinas Komunikasi dan Informatika",
    ]
    db.session.rollback()
    assert count(db, Unit, Unit.instansi_id == instansi.id) == 1


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (csv_bytes("nama,singkatan\nDinas Pendidikan,Disdik\n"), "u.csv"),
        (csv_bytes("nama;singkatan\nDinas Pendidikan;Disdik\n", bom=True), "u.CSV"),
        (csv_bytes("nama,singkatan\r\nDinas Pendidikan,Disdik\r\n", bom=True), "u.csv"),
        (xlsx_bytes([["Nama", "Singkatan"], [None, None], ["Dinas Pendidikan", "Disdik"]]), "u.xlsx"),
    ],
    ids=["comma", "semicolon-bom", "crlf-bom", "xlsx"],
)
def test_units_from_csv_and_xlsx(db: Any, instansi: Instansi, data: bytes, name: str) -> None:
    preview = directory.preview_units(instansi, data, name)
    assert preview.errors == []
    assert [(p.name, p.short_name, p.action) for p in preview.plans] == [("Dinas Pendidikan", "Disdik", "create")]


def problems_of(instansi: Instansi, data: bytes, name: str) -> list[str]:
    """The file's refusal, or the problems its preview lists."""
    try:
        return directory.preview_units(instansi, data, name).errors
    except DomainError as exc:
        return [message for _field, message in exc.errors]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        ("nama,singkatan\nDinas Pekerjaan Umum,DPU\n".encode("cp1252") + b"\xe9\n", "u.csv", "UTF-8"),
        ("nama,singkatan\n".encode("utf-16"), "u.csv", "UTF-16"),
        (b"PK\x03\x04 not really", "u.xlsx", "bukan XLSX"),
        (b"nama,singkatan\n", "u.txt", ".csv atau .xlsx"),
        (b"\n\nnama,singkatan\n", "u.csv", "Baris 1 harus berisi judul kolom"),
        (b"nama\nx\n", "u.csv", "kolom wajib tidak ada: singkatan"),
    ],
    ids=["cp1252", "utf16", "not-xlsx", "txt", "no-header", "missing-column"],
)
def test_file_refusals(db: Any, instansi: Instansi, data: bytes, name: str, message: str) -> None:
    problems = problems_of(instansi, data, name)
    assert any(message in p for p in problems), problems


# -- users ---------------------------------------------------------------------------------------------


def test_users_created_invited_then_reimport_changes_nothing(db: Any, instansi: Instansi) -> None:
    apply_units(db, instansi, csv_bytes("nama,singkatan\nBadan Keuangan Daerah,BKD\n"))
    data = csv_bytes(
        "email,nama,peran,unit\n"
        "Budi@Kota.go.id,Budi Santoso,Pengisi;REVIEWER,Diskominfo;badan keuangan daerah\n"
        "sari@kota.go.id,Sari,koordinator,\n"
    )
    preview = directory.preview_users(instansi, data, "p.csv")
    assert preview.errors == []
    assert [(p.email, p.action, p.roles, [u.name for u in p.units]) for p in preview.plans] == [
        (
            "budi@kota.go.id",
            "create",
            [RoleName.PENGISI, RoleName.REVIEWER],
            ["Dinas Komunikasi dan Informatika", "Badan Keuangan Daerah"],
        ),
        ("sari@kota.go.id", "create", [RoleName.KOORDINATOR], []),
    ]
    db.session.rollback()
    assert count(db, User) == 0

    result = directory.apply_users(instansi, preview.rows, actor=None)
    db.session.commit()
    assert [(c.row, c.email, c.emailed) for c in result.created] == [
        (2, "budi@kota.go.id", False),
        (3, "sari@kota.go.id", False),
    ]
    assert all(c.path.startswith("/undangan/") for c in result.created)
    budi = db.session.scalar(select(User).where(User.email == "budi@kota.go.id"))
    assert budi is not None
    assert budi.password is None
    assert {m.role for m in budi.memberships} == {RoleName.PENGISI, RoleName.REVIEWER}
    assert {link.unit.short_name for link in budi.unit_links} == {"Diskominfo", "BKD"}
    assert count(db, Invitation, Invitation.used_at.is_(None)) == 2

    again = apply_users(db, instansi, data)
    assert (again.created, again.changed, again.unchanged) == ([], [], 2)
    assert count(db, Invitation) == 2


def test_existing_user_of_this_instansi_gets_roles_and_units_added_never_removed(db: Any, instansi: Instansi) -> None:
    other_unit = create_unit(instansi, "Inspektorat", "Itda")
    user = create_member(instansi, RoleName.PEMBACA, units=(other_unit,), email="ani@kota.go.id")
    db.session.commit()
    preview = directory.preview_users(
        instansi, csv_bytes("email,nama,peran,unit\nANI@kota.go.id,Ani Baru,pengisi,Diskominfo\n"), "p.csv"
    )
    [plan] = preview.plans
    assert (plan.action, plan.added_roles, [u.name for u in plan.added_units], plan.old_name) == (
        "change",
        [RoleName.PENGISI],
        ["Dinas Komunikasi dan Informatika"],
        user.name,
    )
    result = directory.apply_users(instansi, preview.rows, actor=None)
    db.session.commit()
    assert [p.email for p in result.changed] == ["ani@kota.go.id"]
    db.session.expire_all()
    ani = db.session.get(User, user.id)
    assert ani is not None
    assert ani.name == "Ani Baru"
    assert {m.role for m in ani.memberships} == {RoleName.PEMBACA, RoleName.PENGISI}
    assert {link.unit.name for link in ani.unit_links} == {"Inspektorat", "Dinas Komunikasi dan Informatika"}
    assert count(db, Invitation) == 0


def test_an_account_elsewhere_is_added_as_a_new_one_would_be_and_its_own_stays(db: Any, instansi: Instansi) -> None:
    other = create_instansi("Pemerintah Kabupaten Tetangga")
    stranger = create_member(other, RoleName.KOORDINATOR, email="asing@tetangga.go.id")
    db.session.commit()
    account = (stranger.name, stranger.password, stranger.fs_uniquifier)
    data = csv_bytes(
        "email,nama,peran,unit\n"
        "asing@tetangga.go.id,Nama Dari Berkas,pengisi,Diskominfo\n"
        "baru@kota.go.id,Nama Dari Berkas,pengisi,Diskominfo\n"
    )
    preview = directory.preview_users(instansi, data, "p.csv")
    seen = [(p.action, p.name, p.roles, p.added_roles, p.added_units, p.old_name) for p in preview.plans]
    assert seen[0] == seen[1]

    result = directory.apply_users(instansi, preview.rows, actor=None)
    db.session.commit()
    assert [(c.name, c.emailed, c.path[: len("/undangan/")]) for c in result.created] == [
        ("Nama Dari Berkas", False, "/undangan/"),
    ] * 2
    db.session.expire_all()
    after = db.session.get(User, stranger.id)
    assert after is not None
    assert (after.name, after.password, after.fs_uniquifier) == account
    assert {(m.instansi_id, m.role) for m in after.memberships} == {
        (other.id, RoleName.KOORDINATOR),
        (instansi.id, RoleName.PENGISI),
    }
    # No invitation reaches the account of another instansi (whoever holds it could set its password).
    assert count(db, Invitation, Invitation.user_id == stranger.id) == 0
    assert count(db, Invitation) == 1
    # Shared now: its name is its owner's, so the same file again changes nothing.
    again = directory.preview_users(instansi, data, "p.csv")
    assert [p.action for p in again.plans] == ["unchanged", "unchanged"]


def test_user_errors_name_row_and_column_and_nothing_is_written(db: Any, instansi: Instansi) -> None:
    create_unit(instansi, "Dinas Kesehatan", "DK")
    create_unit(instansi, "Dinas Kebudayaan", "DK")
    gone = create_unit(instansi, "Dinas Lama", "DL")
    gone.active = False
    db.session.commit()
    data = xlsx_bytes(
        [
            ["EMAIL", "Nama", "Peran", "Unit"],
            ["benar@kota.go.id", "Benar", "pengisi", "Diskominfo"],
            ["bukan-surel", "Salah", "pengisi", ""],
            ["benar@kota.go.id", "", "kepala", ""],
            ["c@kota.go.id", "C", "", "Dinas Hantu"],
            ["d@kota.go.id", "D", "pengisi", "DK"],
            ["e@kota.go.id", "E", "pengisi", "Dinas Lama"],
        ]
    )
    preview = directory.preview_users(instansi, data, "p.xlsx")
    assert preview.errors == [
        "baris 3, kolom email: “bukan-surel” bukan alamat surel yang sah",
        "baris 4, kolom email: benar@kota.go.id sudah ada di baris 2",
        "baris 4, kolom nama: nama wajib diisi",
        "baris 4, kolom peran: peran “kepala” tidak dikenal; pilih dari: admin, koordinator, pengisi, reviewer, "
        "pembaca",
        "baris 5, kolom peran: isi minimal satu peran: admin, koordinator, pembaca, pengisi, reviewer",
        "baris 6, kolom unit: singkatan “DK” dipakai beberapa unit; tulis nama lengkapnya",
        "baris 7, kolom unit: unit Dinas Lama sudah dinonaktifkan",
    ]
    # Rows that pass on their own are still shown, but the apply step refuses the file as a whole.
    with pytest.raises(DomainError):
        directory.apply_users(
            instansi,
            [
                *preview.rows,
                directory.UserRow(row=5, email="c@kota.go.id", name="C", roles=["pengisi"], units=["Dinas Hantu"]),
            ],
            actor=None,
        )
    db.session.rollback()
    assert count(db, User) == 0


def test_signed_rows_come_back_only_for_the_same_instansi(db: Any, instansi: Instansi) -> None:
    preview = directory.preview_users(instansi, csv_bytes("email,nama,peran,unit\na@kota.go.id,A,pembaca,\n"), "p.csv")
    token = directory.sign_rows("users", instansi, preview.rows, "rahasia")
    assert directory.load_user_rows(instansi, token, "rahasia") == preview.rows
    other = create_instansi()
    for args in ((other, token, "rahasia"), (instansi, token, "lain"), (instansi, token[:-2], "rahasia")):
        with pytest.raises(DomainError, match="tidak sah"):
            directory.load_user_rows(*args)
    with pytest.raises(DomainError, match="tidak sah"):
        directory.load_unit_rows(instansi, token, "rahasia")


def test_forty_units_and_two_hundred_users_in_one_step(db: Any, instansi: Instansi, capsys: Any) -> None:
    units = "nama,singkatan\n" + "".join(f"Organisasi Perangkat Daerah {k:02d},OPD{k:02d}\n" for k in range(40))
    users = "email,nama,peran,unit\n" + "".join(
        f"pegawai{k:03d}@kota.go.id,Pegawai {k:03d},pengisi;pembaca,OPD{k % 40:02d};Organisasi Perangkat Daerah "
        f"{(k + 1) % 40:02d}\n"
        for k in range(200)
    )
    started = time.perf_counter()
    with count_queries(db) as statements:
        unit_preview = directory.preview_units(instansi, csv_bytes(units), "u.csv")
        directory.apply_units(instansi, unit_preview.rows)
        user_preview = directory.preview_users(instansi, csv_bytes(users), "p.csv")
        result = directory.apply_users(instansi, user_preview.rows, actor=None)
        db.session.commit()
    elapsed = time.perf_counter() - started
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    with capsys.disabled():
        print(f"\n40 units + 200 users: {elapsed:.2f} s, {len(statements)} statements of which {len(reads)} reads")
    assert len(result.created) == 200
    assert count(db, Unit, Unit.instansi_id == instansi.id) == 41
    assert count(db, Invitation) == 200
    assert elapsed < 10
    # Reads do not grow with the rows (the writes do: each user, its roles, units and invitation).
    assert len(reads) <= 10, reads

    with count_queries(db) as statements:
        again = directory.preview_users(instansi, csv_bytes(users), "p.csv")
    assert again.count(directory.UNCHANGED) == 200
    # The preview reads in bulk: the instansi's units, the accounts of the file's addresses, their roles and units.
    assert len(statements) == 4, statements


def test_with_smtp_both_are_emailed_and_only_the_new_account_gets_a_link(app: Any, db: Any, instansi: Instansi) -> None:
    other = create_instansi("Pemerintah Kabupaten Tetangga")
    create_member(other, RoleName.PENGISI, email="asing@tetangga.go.id")
    db.session.commit()
    data = csv_bytes("email,nama,peran,unit\nasing@tetangga.go.id,A,pembaca,\nbaru@kota.go.id,B,pembaca,\n")
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_BASE_URL")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_BASE_URL="https://mandiri.test")
    try:
        with app.test_request_context():
            preview = directory.preview_users(instansi, data, "p.csv")
            result = directory.apply_users(instansi, preview.rows, actor=None)
            sent = {m.to: m for m in mail.pending()}
        db.session.rollback()
    finally:
        app.config.update(saved)
    assert [(c.email, c.emailed) for c in result.created] == [("asing@tetangga.go.id", True), ("baru@kota.go.id", True)]
    assert "https://mandiri.test/undangan/" in sent["baru@kota.go.id"].body
    assert sent["asing@tetangga.go.id"].subject == "[Mandiri] Anda ditambahkan ke Pemerintah Kota Impor"
    assert "/undangan/" not in sent["asing@tetangga.go.id"].body
