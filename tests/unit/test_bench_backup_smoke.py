"""B13 (bench/backup.py) still works: 3 MiB of evidence backed up, again, and restored on PostgreSQL (the server
of ``MANDIRI_TEST_PG_URL``, as tests/integration/test_backup.py uses), the restore verified. No timing asserted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psutil  # type: ignore[import-untyped]
from sqlalchemy import create_engine, text

from bench import backup

PG_BASE = os.environ.get("MANDIRI_TEST_PG_URL") or backup.DEFAULT_PG


def _bench_databases() -> set[str]:
    engine = create_engine(PG_BASE)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE 'mandiri_b13_%'")))
    finally:
        engine.dispose()


def test_backup_benchmark_smoke(tmp_path: Path) -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    databases = _bench_databases()
    result = backup.run(evidence_mib=3, repeat=1, base_dir=tmp_path, pg_url=PG_BASE)

    assert result["id"] == "B13"
    assert result["evidence_files"] == 3
    runs = result["runs_s"]
    assert set(runs) == {"app_backup", "app_incremental", "base_backup", "app_restore", "base_restore", "app_startup"}
    assert all(len(times) == 1 and times[0] > 0 for times in runs.values())
    assert result["restore_verified"]["objects"] == 3  # the demo stores no file of its own
    assert result["restore_verified"]["rows"] > 0
    assert set(result["without_startup"]) == {"backup_ratio", "incremental_of_first", "restore_ratio"}
    assert "incremental" in backup.format_table(result)

    out = tmp_path / "bench-results.json"
    out.write_text(json.dumps({"B1": {"kept": True}}), encoding="utf-8")
    backup.write_results(out, result)
    merged = json.loads(out.read_text(encoding="utf-8"))
    assert merged["B1"] == {"kept": True}
    assert merged["B13"]["evidence_files"] == 3

    # Nothing left behind: no process, no temporary directory, no database.
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench-results.json"]
    assert _bench_databases() == databases


def test_evidence_sizes_add_up() -> None:
    assert backup.evidence_sizes(1024) == [128] * 4 + [8] * 48 + [1] * 128
    assert sum(backup.evidence_sizes(1024)) == 1024
    assert backup.evidence_sizes(3) == [1, 1, 1]
