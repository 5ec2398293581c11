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
