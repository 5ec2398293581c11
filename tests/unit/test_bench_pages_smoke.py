"""B8 (bench/pages.py) still works at a tiny duration: a filled demo assessment served by gunicorn, every page
loaded by two clients with 200 answers, the temporary files gone; with ``MANDIRI_TEST_PG_URL`` set, on PostgreSQL
too, and its database dropped after. No timing asserted."""

from __future__ import annotations

import os
from pathlib import Path

import psutil  # type: ignore[import-untyped]
from sqlalchemy import create_engine, text

from bench import pages


def _databases(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE 'mandiri_b8_%'")))
    finally:
        engine.dispose()


def test_pages_benchmark_smoke(tmp_path: Path) -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    pg_url = os.environ.get("MANDIRI_TEST_PG_URL")
    databases = _databases(pg_url) if pg_url else set()
    result = pages.run(duration=0.5, clients=2, base_dir=tmp_path, pg_url=pg_url)

    assert result["id"] == "B8"
    measured = [result["pages"], *([result["pages_postgresql"]] if pg_url else [])]
    for rows in measured:
        assert set(rows) == set(pages.PAGES)
        for row in rows.values():
            assert row["requests"] > 0
            assert row["failures"] == 0, row["first_failures"]
            assert row["p50_ms"] <= row["p95_ms"] <= row["max_ms"]
    if pg_url:
        assert "postgresql" in pages.format_table(result)
        assert _databases(pg_url) == databases  # its database dropped
    assert "B8" in pages.format_table(result)
    assert list(tmp_path.iterdir()) == []
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before  # gunicorn stopped
