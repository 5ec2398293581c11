"""``mandiri group``: a group of instansi and its pembina, made and changed from the command line, idempotently."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from assess.models import InstansiGroup, group_instansi, group_pembina
from tests.factories import create_instansi, create_member


def _run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["group", *args])


def _rows(db: Any) -> tuple[int, int, int]:
    db.session.rollback()
    return (
        db.session.scalar(select(func.count()).select_from(InstansiGroup)),
        db.session.scalar(select(func.count()).select_from(group_instansi)),
        db.session.scalar(select(func.count()).select_from(group_pembina)),
    )


def test_a_group_made_twice_is_made_once(app: Flask, db: Any) -> None:
    first = _run(app, "create", "jabar", "--name", "Provinsi  Jawa Barat")
    assert first.exit_code == 0, first.output
    assert "Grup jabar dibuat." in first.output
    again = _run(app, "create", "jabar", "--name", "Provinsi Jawa Barat")
    assert again.exit_code == 0, again.output
    assert "sudah ada; tidak ada yang diubah" in again.output
    other = _run(app, "create", "jabar", "--name", "Jawa Barat")
    assert other.exit_code != 0
    assert "sudah ada dengan nama Provinsi Jawa Barat" in other.output
    bad = _run(app, "create", "Jawa Barat!", "--name", "X")
    assert bad.exit_code != 0
    assert "tidak sah" in bad.output
    assert _rows(db) == (1, 0, 0)


def test_members_and_pembina_are_added_and_removed_idempotently(app: Flask, db: Any) -> None:
    bogor = create_instansi("Kabupaten Bogor", slug="kab-bogor")
    bekasi = create_instansi("Kota Bekasi", slug="kota-bekasi")
    person = create_member(None, email="pembina@jabarprov.go.id")
    db.session.commit()
    assert _run(app, "create", "jabar", "--name", "Provinsi Jawa Barat").exit_code == 0

    added = _run(app, "add", "jabar", bogor.slug, bekasi.slug)
    assert added.exit_code == 0, added.output
    assert "Dimasukkan ke grup: kab-bogor, kota-bekasi" in added.output
    again = _run(app, "add", "jabar", bogor.slug)
    assert "Sudah di grup: kab-bogor" in again.output
    unknown = _run(app, "add", "jabar", bogor.slug, "kab-tidak-ada")
    assert unknown.exit_code != 0
    assert "Instansi tidak ada: kab-tidak-ada" in unknown.output
    assert _run(app, "add", "tidak-ada", bogor.slug).exit_code != 0
    assert _rows(db) == (1, 2, 0)

    made = _run(app, "pembina", "jabar", "Pembina@JabarProv.go.id")
    assert made.exit_code == 0, made.output
    assert "pembina@jabarprov.go.id kini pembina jabar." in made.output
    assert "sudah pembina" in _run(app, "pembina", "jabar", person.email).output
    nobody = _run(app, "pembina", "jabar", "siapa@contoh.go.id")
    assert nobody.exit_code != 0
    assert "tidak ada" in nobody.output
    assert _rows(db) == (1, 2, 1)

    listing = _run(app, "list")
    assert "jabar\tProvinsi Jawa Barat" in listing.output
    assert "instansi: kab-bogor, kota-bekasi" in listing.output
    assert "pembina: pembina@jabarprov.go.id" in listing.output

    removed = _run(app, "remove", "jabar", bekasi.slug)
    assert "Dikeluarkan dari grup: kota-bekasi" in removed.output
    assert "Memang tidak di grup: kota-bekasi" in _run(app, "remove", "jabar", bekasi.slug).output
    gone = _run(app, "pembina", "jabar", person.email, "--remove")
    assert "bukan lagi pembina jabar" in gone.output
    assert "memang bukan pembina jabar" in _run(app, "pembina", "jabar", person.email, "--remove").output
    assert _rows(db) == (1, 1, 0)


def test_list_without_groups(app: Flask, db: Any) -> None:
    assert "Belum ada grup." in _run(app, "list").output
