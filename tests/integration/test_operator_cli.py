"""``mandiri operator create``, ``mandiri instansi create`` (idempotent; other values refused naming the field; a bad
slug refused) and ``mandiri instansi list`` (a table and JSON)."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from assess.models import AuditEntry, Instansi, RoleName, User
from tests.factories import create_assessment, create_instansi, create_member


def _run(app: Flask, *args: str, stdin: str | None = None) -> Any:
    return app.test_cli_runner().invoke(args=list(args), input=stdin)


def _count(db: Any, model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def test_instansi_create_is_idempotent_and_refuses_other_values(app: Flask, db: Any) -> None:
    args = ["instansi", "create", "kab-cli", "--name", "Pemerintah Kabupaten CLI", "--kind", "kabupaten"]
    first = _run(app, *args)
    assert first.exit_code == 0, first.output
    assert "Instansi kab-cli dibuat." in first.output
    before = (_count(db, Instansi), _count(db, AuditEntry))

    again = _run(app, *args)
    assert again.exit_code == 0, again.output
    assert "tidak ada perubahan" in again.output

    other = _run(app, "instansi", "create", "kab-cli", "--name", "Pemerintah Kabupaten CLI", "--kind", "kota")
    assert other.exit_code != 0
    assert "--kind" in other.output
    assert "--name" not in other.output
    renamed = _run(app, "instansi", "create", "kab-cli", "--name", "Nama Lain", "--kind", "kabupaten")
    assert renamed.exit_code != 0
    assert "--name" in renamed.output
    db.session.expire_all()
    assert (_count(db, Instansi), _count(db, AuditEntry)) == before
    made = db.session.scalar(select(Instansi).where(Instansi.slug == "kab-cli"))
    assert made is not None
    assert (made.name, made.kind.value, made.active) == ("Pemerintah Kabupaten CLI", "kabupaten", True)


def test_a_bad_slug_is_refused(app: Flask, db: Any) -> None:
    for slug in ("Kab CLI", "a", "kab_cli", "x" * 65):
        result = _run(app, "instansi", "create", slug, "--name", "Pemerintah Kabupaten CLI", "--kind", "kabupaten")
        assert result.exit_code != 0, slug
        assert "Slug hanya huruf kecil" in result.output
    assert db.session.scalar(select(Instansi).where(Instansi.name == "Pemerintah Kabupaten CLI")) is None


def test_instansi_list_as_a_table_and_as_json(app: Flask, db: Any) -> None:
    instansi = create_instansi("Pemerintah Kota Terdaftar", slug="kota-terdaftar")
    create_member(instansi, RoleName.ADMIN)
    create_member(instansi, RoleName.PENGISI)
    assessment = create_assessment(instansi)
    closed = create_instansi("Pemerintah Kota Tutup", slug="kota-tutup", active=False)
    db.session.commit()

    table = _run(app, "instansi", "list")
    assert table.exit_code == 0, table.output
    [line] = [row for row in table.output.splitlines() if row.startswith("kota-terdaftar ")]
    assert line.split()[-3:] == ["ya", "2", "1"]
    [shut] = [row for row in table.output.splitlines() if row.startswith("kota-tutup ")]
    assert shut.split()[-3:] == ["tidak", "0", "0"]

    listed = {row["slug"]: row for row in json.loads(_run(app, "instansi", "list", "--json").output)}
    assert listed["kota-terdaftar"]["users"] == 2
    assert listed["kota-terdaftar"]["active"] is True
    [open_one] = listed["kota-terdaftar"]["open_assessments"]
    assert (open_one["id"], open_one["filled"], open_one["total"]) == (assessment.id, 0, len(assessment.answers))
    assert listed[closed.slug]["active"] is False


def test_operator_create_reads_the_password_twice_and_makes_an_existing_account_an_operator(
    app: Flask, db: Any
) -> None:
    typed = "rahasia-op\nrahasia-op\n"
    made = _run(app, "operator", "create", "--email", "Op@Uji.go.id", "--name", "Operator", stdin=typed)
    assert made.exit_code == 0, made.output
    assert "rahasia-op" not in made.output
    assert "Operator op@uji.go.id dibuat." in made.output
    operator = db.session.scalar(select(User).where(User.email == "op@uji.go.id"))
    assert operator is not None
    assert operator.is_operator
    assert operator.memberships == []

    existing = create_member(create_instansi(), RoleName.PEMBACA, email="ada@uji.go.id")
    db.session.commit()
    password = existing.password
    refused = _run(app, "operator", "create", "--email", "ada@uji.go.id", "--name", "X", "--password", "baru-sekali-1")
    assert refused.exit_code != 0
    assert "kata sandinya tidak diubah" in refused.output
    db.session.expire_all()
    assert not db.session.get_one(User, existing.id).is_operator

    promoted = _run(app, "operator", "create", "--email", "ada@uji.go.id", "--name", "X")
    assert promoted.exit_code == 0, promoted.output
    assert "sudah ada kini operator" in promoted.output
    again = _run(app, "operator", "create", "--email", "ada@uji.go.id", "--name", "X")
    assert "tidak ada perubahan" in again.output
    db.session.expire_all()
    user = db.session.get_one(User, existing.id)
    assert user.is_operator
    assert (user.name, user.password) == (existing.name, password)
