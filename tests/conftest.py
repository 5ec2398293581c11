"""Fixtures: a test database (SQLite file, or a fresh PostgreSQL database per run), the app, client, factories.

``MANDIRI_TEST_DATABASE_URL`` selects the backend. For PostgreSQL it names a server and a database
to connect to (``postgresql+psycopg://postgres@127.0.0.1:5432/test``); every run creates its own
uniquely named databases there and drops them afterwards, so parallel or repeated runs cannot collide.
"""

from __future__ import annotations

import gc
import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from assess import create_app
from assess.database import writing
from assess.extensions import db as _db

pytest_plugins = ["tests.worlds", "tests.s3"]  # the typed worlds (``world``, ``build_world``…); moto's S3 server

FAST_HASH = {"argon2__rounds": 1, "argon2__memory_cost": 1024, "argon2__parallelism": 1}
TENANT_TABLES = (
    "reminders_sent",
    "invitations",
    "group_pembina",
    "group_instansi",
    "instansi_groups",
    "exports",
    "scenarios",
    "targets",
    "official_values",
    "follow_ups",
    "butir_verdicts",
    "assessment_stages",
    "notifications",
    "audit_entries",
    "comments",
    "canned_comments",
    "answer_items",
    "answer_evidence",
    "evidence_versions",
    "evidence",
    "blobs",
    "answers",
    "assessments",
    "login_sessions",
    "unit_members",
    "memberships",
    "roles_users",
    "units",
    "users",
    "instansi",
    "roles",
)


class TestDatabases:
    """Hands out empty databases of the selected backend and removes them at the end."""

    __test__ = False

    def __init__(self, base_url: str | None, tmp: Path) -> None:
        self.base_url = base_url
        self.tmp = tmp
        self.created: list[str] = []
        self.run_id = f"{os.getpid()}_{secrets.token_hex(3)}"

    @property
    def backend(self) -> str:
        return make_url(self.base_url).get_backend_name() if self.base_url else "sqlite"

    def new_url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.tmp / f'mandiri-{uuid.uuid4().hex[:8]}.db'}"
        name = f"mandiri_t_{self.run_id}_{len(self.created)}"
        with self._admin() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(self.base_url).set(database=name).render_as_string(hide_password=False)  # type: ignore[arg-type]

    @contextmanager
    def _admin(self) -> Iterator[Any]:
        engine = create_engine(self.base_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)  # type: ignore[arg-type]
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()

    def drop_all(self) -> None:
        if self.backend == "sqlite" or not self.created:
            return
        with self._admin() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    dbs = TestDatabases(os.environ.get("MANDIRI_TEST_DATABASE_URL") or None, tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


def make_test_app(url: str, instance: Path, **extra: Any) -> Flask:
    from tests.s3 import storage_settings  # the plugin's module, imported (and rewritten) by pytest first

    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "SECURITY_PASSWORD_SALT": "test-salt",
        "SECURITY_TOTP_SECRETS": {"1": "test-totp-secret"},
        "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": FAST_HASH,
        "WTF_CSRF_ENABLED": False,
        "STORAGE_ROOT": str(instance / "evidence"),
        "RATELIMIT_ENABLED": False,  # one test turns it on (tests log in far more often than people)
        "RATELIMIT_STORAGE_URI": f"sqlite:///{instance / 'ratelimit.db'}",
        "JOBS_BACKEND": "immediate",  # Huey runs each job at once, in the test's process
        "EXPORT_ROOT": str(instance / "exports"),
        **storage_settings(),
        **extra,
    }
    app = create_app(config, environ={})
    app.instance_path = str(instance)
    return app


@pytest.fixture(scope="session")
def app(databases: TestDatabases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One migrated database with the instruments synced; tests clean their own rows (see ``db``)."""
    from flask_migrate import upgrade

    from assess.services.instruments import sync_instruments

    application = make_test_app(databases.new_url(), tmp_path_factory.mktemp("instance"))
    with application.app_context(), writing():
        upgrade()
        sync_instruments()
        _db.session.commit()
    yield application
    with application.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """The session inside an app context; rows of instansi, users and assessments are removed afterwards."""
    from tests.s3 import clear_exports

    with app.app_context():
        yield _db
        _db.session.rollback()
        with writing():
            for table in TENANT_TABLES:
                # Fixed table names from TENANT_TABLES, never user input.
                _db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608
            _db.session.commit()
        _db.session.remove()
        # The rows are gone, so are their exports' files (ids come back in the next test).
        clear_exports(app.extensions["folders"])


class IsolatingClient(FlaskClient):
    """A test client for tests that hold an app context (to build data with ``db.session``).

    Flask reuses an already pushed app context for a request, so ``g`` and the session would leak
    between requests. Each request here starts with an empty ``g`` and sees nothing cached: as in
    production, where every request has its own app context.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)  # read and close file responses (downloads) at once
        if has_app_context():
            g.__dict__.clear()
            _db.session.expire_all()
        try:
            return super().open(*args, **kwargs)
        finally:
            if has_app_context():
                _db.session.expire_all()


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    app.test_client_class = IsolatingClient
    return app.test_client()


@pytest.fixture
def fresh_app(databases: TestDatabases, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Apps on new, empty databases (for migration and sync tests)."""
    made: list[Flask] = []

    def make(**extra: Any) -> Flask:
        application = make_test_app(databases.new_url(), tmp_path / f"instance{len(made)}", **extra)
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            _db.engine.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that touch a database carry the ``db`` marker, so ``-m db`` reruns them on PostgreSQL."""
    for item in items:
        if {"app", "db", "client", "fresh_app"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test() -> Iterator[None]:
    """A connection left open is reported by the test that leaked it, not by whichever test the collector hits.

    What lived before the test is frozen out of the collector's sight, so the collection scans only what the test
    made: a full collection over the session's whole heap took seconds per test late in a run. Everything is
    collected again once per module (:func:`_collect_everything_after_each_module`)."""
    gc.freeze()
    yield
    gc.collect()


@pytest.fixture(autouse=True, scope="module")
def _collect_everything_after_each_module() -> Iterator[None]:
    """What the module's tests left frozen (their module-scoped fixtures, what a test kept for the next) is seen and
    collected again after the module."""
    yield
    gc.unfreeze()
    gc.collect()
