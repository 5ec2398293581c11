"""The use-case boundary: one commit for a change, a rollback for a refusal and for an action that only reads."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assess.errors import DomainError
from assess.models import Instansi
from assess.views.boundary import attempt
from tests.factories import create_instansi


def _names(db: Any) -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(Instansi.name)))


def test_a_change_is_committed_once(app: Flask, db: Any) -> None:
    with app.test_request_context():
        outcome = attempt(lambda: create_instansi("Pemerintah Kota Disimpan"))
    assert outcome.ok
    assert "Pemerintah Kota Disimpan" in _names(db)


def test_a_refusal_is_rolled_back_with_its_reasons(app: Flask, db: Any) -> None:
    def refused() -> None:
        create_instansi("Pemerintah Kota Ditolak")
        raise DomainError(_l("Nama sudah dipakai."), field="name")

    with app.test_request_context():
        outcome = attempt(refused, quiet=True)
        assert outcome.errors == [("name", "Nama sudah dipakai.")]
    assert "Pemerintah Kota Ditolak" not in _names(db)


def test_an_action_that_only_reads_is_never_committed(app: Flask, db: Any) -> None:
    with app.test_request_context():
        outcome = attempt(lambda: create_instansi("Pemerintah Kota Pratinjau").name, reads_only=True)
    assert outcome.result == "Pemerintah Kota Pratinjau"
    assert "Pemerintah Kota Pratinjau" not in _names(db)
