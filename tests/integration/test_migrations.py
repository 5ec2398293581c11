"""Alembic: one head; an empty database upgrades to head and back down; the schema matches the models."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from assess.database import writing
from assess.extensions import db
from assess.models import Base


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
            context = MigrationContext.configure(conn)
            assert context.get_current_revision() == _script(app).get_current_head()
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()
