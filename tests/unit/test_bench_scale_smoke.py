"""B11 (bench/scale.py) still works at a tiny province: both databases built on PostgreSQL (the server of
``MANDIRI_TEST_PG_URL``, as the backup benchmark's smoke test uses), every page answered 200 on both with the same
number of queries, the audit CSV streamed whole, an EXPLAIN per page, and nothing left behind. No timing asserted."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import create_engine, text

from bench import merge_results, scale

PG_BASE = os.environ.get("MANDIRI_TEST_PG_URL") or scale.ADMIN_URL
SIZES = scale.Sizes(
    instansi=2,
    users=12,
    units=10,
    documents=300,
    comments_per_indicator=6,
    notifications_per_user=2,
    audit_entries=3_000,
    other_audit_entries=400,
)
#: Every main page, the audit page with each kind of filter, both histories.
PAGES = [
    "overview",
    "indicator, editable",
    "indicator, read-only",
    "library, first page",
    "library, last page",
    "audit",
    "audit by indicator",
    "audit by person+month",
    "audit by type+text",
    "indicator history",
    "document history",
    "dashboard",
    "my work",
    "notifications",
]


def _scale_databases() -> set[str]:
    engine = create_engine(PG_BASE)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE 'mandiri_scale_%'")))
    finally:
        engine.dispose()


def test_scale_benchmark_smoke(tmp_path: Path) -> None:
    databases = _scale_databases()
    lines: list[str] = []
    result, plans = scale.run(
        scale.Options(database_url=PG_BASE, sizes=SIZES, warmup=0, repeat=1, base_dir=tmp_path), lines.append
    )

    assert result["id"] == "B11"
    assert any(line.startswith("small database mandiri_scale_small_") for line in lines)
    assert result["audit_entries"]["large"] == SIZES.audit_entries
    assert 0 < result["audit_entries"]["small"] < SIZES.audit_entries
    added = result["large_build"]["rows_added"]
    assert added["instansi"] == SIZES.instansi - 1
    assert added["assessments"] == SIZES.instansi - 1
    # The large trail grew from the demo's entries (no more than the small database's, whose lists are full).
    grown = SIZES.audit_entries - result["audit_entries"]["small"] + (SIZES.instansi - 1) * SIZES.other_audit_entries
    assert grown <= added["audit_entries"] < SIZES.audit_entries + (SIZES.instansi - 1) * SIZES.other_audit_entries
    assert added["evidence"] > SIZES.documents  # the measured library grown to the size, and the other instansi's

    assert list(result["pages"]) == PAGES
    for name, row in result["pages"].items():
        assert row["small"]["requests"] == row["large"]["requests"] == 1
        assert row["queries_unchanged"], (name, row["small"]["queries"], row["large"]["queries"])
        assert f"## {name} — " in plans
    assert "Execution Time" in plans

    csv = result["csv"]
    assert csv["complete"]
    assert csv["rows"] == SIZES.audit_entries
    assert csv["queries"] > 0
    assert csv["bytes"] > 0
    assert "audit CSV" in scale.format_table(result)

    out = tmp_path / "bench-results.json"
    out.write_text(json.dumps({"B8": {"kept": True}}), encoding="utf-8")
    merge_results(out, {"scale": result})
    assert json.loads(out.read_text(encoding="utf-8"))["B8"] == {"kept": True}
    assert scale.explain_path(out) == tmp_path / "bench-scale-explain.txt"

    # Nothing left behind: no temporary directory, no database.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench-results.json"]
    assert _scale_databases() == databases
