"""Schema invariants and the SQLite settings (WAL, busy timeout, BEGIN IMMEDIATE for writers)."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from assess.database import writing
from assess.models import Answer, Assessment, Membership, RoleName
from tests.factories import create_assessment, create_instansi, create_member


def test_one_answer_per_indicator(db: Any) -> None:
    assessment = create_assessment()
    db.session.add(Answer(assessment=assessment, indicator=assessment.answers[0].indicator))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_claimed_value_range(db: Any) -> None:
    assessment = create_assessment()
    assessment.answers[0].claimed_value = Decimal(6)
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_assessment_unique_per_year_and_instrument(db: Any) -> None:
    first = create_assessment(year=2026)
    db.session.add(
        Assessment(instansi=first.instansi, instrument=first.instrument, year=2026, predikat_basis=first.predikat_basis)
    )
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_role_is_an_enum_and_memberships_unique(db: Any) -> None:
    instansi = create_instansi()
    user = create_member(instansi, RoleName.PENGISI)
    db.session.add(Membership(user_id=user.id, instansi_id=instansi.id, role=RoleName.PENGISI))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_unknown_role_is_refused(db: Any) -> None:
    instansi = create_instansi()
    user = create_member(instansi)
    db.session.add(Membership(user_id=user.id, instansi_id=instansi.id, role="penguasa"))
    with pytest.raises(StatementError, match="penguasa"):
        db.session.flush()


def test_foreign_keys_enforced(db: Any) -> None:
    insert = text(
        "INSERT INTO units (instansi_id, name, active, created_at, updated_at) "
        "VALUES (999999, 'x', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    with pytest.raises(IntegrityError):
        db.session.execute(insert)


def test_version_counter_increments(db: Any) -> None:
    answer = create_assessment().answers[0]
    db.session.flush()
    before = answer.version
    answer.fakta = "diubah"
    db.session.flush()
    assert answer.version == before + 1


def test_sqlite_pragmas(db: Any) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_sqlite_writers_begin_immediate(db: Any) -> None:
    """With write intent the transaction holds the write lock from its first statement."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        with writing(), db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1").scalar()  # a read only, but the lock is taken already
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            conn.rollback()
        with db.engine.connect() as conn:  # without write intent: a deferred BEGIN takes no lock
            conn.exec_driver_sql("SELECT 1").scalar()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            conn.rollback()
    finally:
        other.close()


def test_reviewer_and_final_value_ranges(db: Any) -> None:
    answer = create_assessment().answers[0]
    answer.reviewer_value = Decimal(7)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    answer = create_assessment().answers[0]
    answer.final_value = Decimal("-1")
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_every_transaction_of_a_post_request_begins_with_write_intent(app: Any, db: Any, client: Any) -> None:
    """A POST that read first in a deferred transaction could not write once another process (the job worker)
    had committed in between: SQLite fails such an upgrade at once, busy timeout or not."""
    from flask import has_request_context, request
    from sqlalchemy import event

    from assess.database import write_intent
    from tests.functional.helpers import login

    instansi = create_instansi()
    assessment = create_assessment(instansi)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    email, url = koordinator.email, f"/penilaian/{assessment.id}/bundel/penandatangan"
    db.session.commit()  # and no transaction open here: each request begins its own, as in a server
    begins: list[tuple[str, bool]] = []

    def on_begin(_conn: Any) -> None:
        if has_request_context():
            begins.append((request.method, write_intent.get()))

    event.listen(db.engine, "begin", on_begin)
    try:
        login(client, email)
        db.session.rollback()
        response = client.post(url, data={"signatory_name": "Ibu Sari", "signatory_position": "Sekretaris Daerah"})
    finally:
        event.remove(db.engine, "begin", on_begin)
    assert response.status_code in (200, 302, 400)
    posts = [intent for method, intent in begins if method == "POST"]
    assert len(posts) >= 2  # the login and the form
    assert all(posts)
