"""B8 (bench/pages.py) still works at a tiny duration: a filled demo assessment served by gunicorn, every page
loaded by two clients with 200 answers, the temporary files gone. No timing asserted."""

from __future__ import annotations

from pathlib import Path

import psutil  # type: ignore[import-untyped]

from bench import pages


def test_pages_benchmark_smoke(tmp_path: Path) -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    result = pages.run(duration=0.5, clients=2, base_dir=tmp_path)

    assert result["id"] == "B8"
    assert set(result["pages"]) == set(pages.PAGES)
    for row in result["pages"].values():
        assert row["requests"] > 0
        assert row["failures"] == 0, row["first_failures"]
        assert row["p50_ms"] <= row["p95_ms"] <= row["max_ms"]
    assert "B8" in pages.format_table(result)
    assert list(tmp_path.iterdir()) == []
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before  # gunicorn stopped
