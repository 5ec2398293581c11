"""Benchmarks from QUALITY.md; each prints the app's figure beside a baseline measured in the same run."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool


def merge_results(path: Path, results: dict[str, Any]) -> None:
    """Merge ``results`` (benchmark id → result) into the JSON file ``path``, keeping the other benchmarks' keys;
    written to a temporary name and renamed, so an interrupted run never leaves half a file."""
    data: dict[str, Any] = {}
    if path.exists():
        with contextlib.suppress(ValueError, OSError):
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                data = loaded
    data.update(results)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# PostgreSQL databases a benchmark makes beside the one ``admin_url`` names, and drops after.


def database_url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def _admin(admin_url: str) -> Iterator[Connection]:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def create_database(admin_url: str, name: str) -> str:
    with _admin(admin_url) as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    with _admin(admin_url) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def database_exists(admin_url: str, name: str) -> bool:
    with _admin(admin_url) as conn:
        return bool(conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar())
