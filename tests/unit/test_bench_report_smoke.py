"""B1 (bench/report.py) still works at a tiny size: a PDF is rendered cold and warm in a child process (with its
pool of workers). No timing asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf

from bench import report

ROW_KEYS = {
    "indicators",
    "repeat",
    "workers",
    "cold_s",
    "cold_s_median",
    "render_s",
    "render_s_median",
    "deterministic",
    "ms_per_indicator",
    "pages",
    "pdf_bytes",
    "pdf_ok",
    "anchors",
    "refused",
    "rss_before_mib",
    "peak_rss_mib",
    "peak_children_rss_mib",
    "peak_tree_rss_mib",
    "meets_time_target",
    "meets_rss_target",
}


def test_report_benchmark_smoke(tmp_path: Path) -> None:
    result = report.run([3], repeat=1, pdf_dir=tmp_path)

    assert result["id"] == "B1"
    (row,) = result["rows"]
    assert set(row) >= ROW_KEYS
    assert row["indicators"] == 3
    assert row["pdf_ok"] is True
    assert row["refused"] == 0
    assert row["anchors"] == 5 + 3  # the fixed sections and one per indicator
    assert row["peak_rss_mib"] >= row["rss_before_mib"] > 0
    assert row["peak_tree_rss_mib"] >= row["peak_rss_mib"]
    assert row["deterministic"] is True
    assert len(row["render_s"]) == report.WARM_RENDERS  # every warm render is kept, the median reported
    assert row["render_footprint_mib"] <= row["peak_tree_pss_mib"]
    assert row["workers"] >= 1
    if row["workers"] > 1:
        assert row["peak_children_rss_mib"] > 0  # the workers were measured
    with pikepdf.open(tmp_path / "report-3.pdf") as pdf:
        assert len(pdf.pages) == row["pages"] > 3
    assert "3" in report.format_table(result)

    out = tmp_path / "bench-results.json"
    out.write_text(json.dumps({"B4": {"kept": True}}), encoding="utf-8")
    report.write_results(out, result)
    merged = json.loads(out.read_text(encoding="utf-8"))
    assert merged["B4"] == {"kept": True}
    assert merged["B1"]["rows"][0]["indicators"] == 3


def test_data_is_realistic() -> None:
    data = report.build_data(50, seed=1)
    assert len(data.sections) == 50
    assert len({s.code for s in data.sections}) == 50
    words = [len(s.fakta.split()) + len(s.analisis.split()) for s in data.sections]  # the penjelasan together
    assert min(words) >= 300
    assert max(words) <= 900
    assert all(5 <= len(s.evidence) <= 7 for s in data.sections)
    assert any(not e.is_home for s in data.sections for e in s.evidence)
    assert all(e.home_indicator != e.indicator for s in data.sections for e in s.evidence if not e.is_home)
