"""Alembic: one head; an empty database upgrades to head and back down; the schema matches the models."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from assess.database import writing
from assess.extensions import db
from assess.models import Base
from assess.models.review import compared


def _script(app: Flask) -> ScriptDirectory:
    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())


def test_single_head(fresh_app: Callable[..., Flask]) -> None:
    app = fresh_app()
    with app.app_context():
        heads = _script(app).get_heads()
    assert len(heads) == 1


def test_empty_database_upgrades_to_head_and_downgrades(fresh_app: Callable[..., Flask]) -> None:
    app = fresh_app()
    with app.app_context(), writing():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": compared})
            assert context.get_current_revision() == _script(app).get_current_head()
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_upgrading_a_filled_database_keeps_every_row(fresh_app: Callable[..., Flask]) -> None:
    """Batch mode on SQLite rebuilds tables; no child row may be lost on the way (foreign keys cascade)."""
    app = fresh_app()
    with app.app_context(), writing():
        upgrade(revision="d92627decd4d")  # the schema before the review tables and the answer columns
        conn = db.session.connection()
        # The catalogue in that revision's columns (the sync writes today's, which the old tables lack).
        conn.execute(
            text(
                "INSERT INTO instruments (code, version, title, regulation, provisional, value_type, digest, "
                "source_text, synced_at) VALUES ('spbe-2020', 1, 'SPBE', 'PermenPANRB 59/2020', false, 'level', "
                "'0', '', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO aspects (instrument_id, code, name, weight, position) "
                "SELECT id, 'A1', 'Aspek', 100, 0 FROM instruments"
            )
        )
        for position in range(47):
            conn.execute(
                text(
                    "INSERT INTO indicators (instrument_id, aspect_id, code, name, short_name, weight, scale, "
                    "question, hint_fakta, hint_analisis, is_external, position) "
                    "SELECT instrument_id, id, :code, 'Indikator', 'Indikator', 1, 'spbe', '?', '', '', false, :p "
                    "FROM aspects"
                ),
                {"code": f"I{position + 1}", "p": position},
            )
        conn.execute(
            text(
                "INSERT INTO instansi (slug, name, kind, created_at, updated_at) "
                "VALUES ('lama', 'Kabupaten Lama', 'kabupaten', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        instansi_id = conn.execute(text("SELECT id FROM instansi WHERE slug = 'lama'")).scalar_one()
        instrument_id = conn.execute(text("SELECT id FROM instruments WHERE code = 'spbe-2020'")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO assessments (instansi_id, instrument_id, year, state, predikat_basis, "
                "created_at, updated_at) VALUES (:i, :r, 2025, 'pengisian', 'exact', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"i": instansi_id, "r": instrument_id},
        )
        assessment_id = conn.execute(text("SELECT id FROM assessments")).scalar_one()
        indicators = (
            conn.execute(text("SELECT id FROM indicators WHERE instrument_id = :r"), {"r": instrument_id})
            .scalars()
            .all()
        )
        for indicator_id in indicators:
            conn.execute(
                text(
                    "INSERT INTO answers (assessment_id, indicator_id, claimed_value, fakta, analisis, "
                    "state, version, created_at, updated_at) VALUES (:a, :i, 3, 'f', 'a', 'draf', 1, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"a": assessment_id, "i": indicator_id},
            )
        db.session.commit()
        upgrade()
        counts = {
            table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            for table in ("instansi", "assessments", "answers")
        }
        assert counts == {"instansi": 1, "assessments": 1, "answers": 47}
        assert db.session.execute(text("SELECT count(*) FROM answers WHERE fakta = 'f'")).scalar_one() == 47
        db.session.remove()  # give the session's connection back before the pool is closed
        db.engine.dispose()
