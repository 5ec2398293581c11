"""B5 (bench/validation.py) still works at a tiny size: every PDF validated and opened, the temporary files gone.
No timing asserted."""

from __future__ import annotations

from pathlib import Path

from bench import corpus, validation


def test_validation_benchmark_smoke(tmp_path: Path) -> None:
    result = validation.run(scale=0.02, repeat=1, base_dir=tmp_path)

    assert result["id"] == "B5"
    counts = corpus.counts(0.02)
    every_pdf = counts["text"] + counts["scanned_pdf"] + len(validation.SCANNED_PAGES)
    assert result["files"] + result["left_out_over_10mb"] == every_pdf
    assert result["files"] >= counts["text"] + len(validation.SCANNED_PAGES)
    assert 1_000_000 < result["largest_bytes"] <= validation.MAX_BYTES
    assert result["pages_per_round"] >= sum(validation.SCANNED_PAGES)
    for side in ("app_ms", "baseline_ms"):
        assert 0 < result[side]["p50"] <= result[side]["p95"] <= result[side]["max"]
    assert "B5" in validation.format_table(result)
    assert list(tmp_path.iterdir()) == []
