"""B2 and B6 (bench/bundle.py) still work on a tiny seeded corpus: outputs verified, results merged; no timing."""

from __future__ import annotations

import json
from pathlib import Path

from bench import bundle, corpus

B2_KEYS = {
    "id",
    "files",
    "report_pages",
    "evidence_pages",
    "pages",
    "app_s",
    "baseline_s",
    "app_s_median",
    "baseline_s_median",
    "ratio",
    "app_peak_rss_mib",
    "baseline_peak_rss_mib",
    "verify",
    "verified",
    "meets_time_target",
    "meets_rss_target",
    "corpus",
    "machine",
    "when",
}
B6_KEYS = {"id", "entries", "app_s", "baseline_s", "app_s_median", "baseline_s_median", "ratio", "verified"}


def test_bundle_benchmark_smoke(tmp_path: Path) -> None:
    results = bundle.run(scale=0.01, repeat=1, base_dir=tmp_path, only=("B2", "B6"))

    b2, b6 = results["B2"], results["B6"]
    assert set(b2) >= B2_KEYS
    assert set(b6) >= B6_KEYS
    assert b2["files"] == b2["corpus"]["files"] == 7  # one file of every kind, two text PDFs
    verify = b2["verify"]
    assert verify["app_pages"] == verify["qpdf_pages"] == verify["expected_pages"] == b2["pages"]
    assert b2["pages"] == b2["report_pages"] + b2["evidence_pages"]
    assert verify["app_qpdf_check_exit"] == 0
    assert verify["app_outline_entries"] > 0
    assert b2["verified"] is True
    assert len(b2["app_s"]) == len(b2["baseline_s"]) == 1
    assert b2["app_peak_rss_mib"] > 0
    assert b2["baseline_peak_rss_mib"] > 0
    assert b6["verified"] is True
    assert b6["entries"] == 8  # the report and every document once
    assert "B2" in bundle.format_table(results)

    out = tmp_path / "bench-results.json"
    out.write_text(json.dumps({"B4": {"kept": True}}), encoding="utf-8")
    bundle.write_results(out, results)
    merged = json.loads(out.read_text(encoding="utf-8"))
    assert merged["B4"] == {"kept": True}
    assert merged["B2"]["pages"] == b2["pages"]
    assert merged["B6"]["entries"] == 8

    # Nothing left behind: the temporary directory is gone.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench-results.json"]


def test_corpus_is_seeded(tmp_path: Path) -> None:
    first = corpus.generate(tmp_path / "a", scale=0.01)
    second = corpus.generate(tmp_path / "b", scale=0.01)
    assert [f.sha256 for f in first] == [f.sha256 for f in second]
    assert sorted(f.extension for f in first) == ["docx", "jpg", "pdf", "pdf", "pdf", "png", "xlsx"]
    scanned = next(f for f in first if f.path.name.startswith("pindaian-dokumen"))
    assert scanned.pages == corpus.scanned_pages(0.01) == 2
    assert all(
        corpus.TEXT_PAGES[0] <= (f.pages or 0) <= corpus.TEXT_PAGES[1]
        for f in first
        if f.path.name.startswith("dokumen")
    )


def test_export_job_benchmark_smoke(tmp_path: Path) -> None:
    """B10 at a tiny size: a real `mandiri worker` (waited for until it says it is ready) checks the uploaded PDFs,
    then builds three exports."""
    results = bundle.run(scale=0.01, repeat=1, base_dir=tmp_path, only=("B10",))

    b10 = results["B10"]
    assert b10["verified"] is True  # stored PDF: its SHA-256 and page count match the row and the qpdf merge
    assert b10["pages"] > b10["report_pages"] > 0
    assert b10["app_s"] > b10["queue_wait_s"] >= 0
    assert b10["queue_wait_s"] < 2  # the worker was taking jobs when the clock started (it starts in ~3 s)
    assert b10["again_s"] > 0
    assert b10["unchecked_s"] > 0
    assert b10["background_checks"] > 0
    assert "B10" in bundle.format_table(results)
    # The whole tree (worker, its render pool and fork server) holds more than the worker alone.
    assert b10["tree_peak_rss_mib"] > b10["worker_rss_before_mib"] > 0
    assert b10["tree_rss_before_mib"] > b10["worker_rss_before_mib"]
    assert b10["tree_pss_peak_mib"] >= b10["tree_pss_before_mib"] > 0
    assert b10["meets_memory_target"] == (b10["tree_pss_peak_mib"] <= bundle.TARGET_B10_MEMORY_MIB)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_small_files_corpus_and_benchmark(tmp_path: Path) -> None:
    """``--small-files N``: N seeded text PDFs of 4–13 pages, the benchmarks run on them (B2 here: quick)."""
    first = corpus.generate_small(tmp_path / "a", 5)
    second = corpus.generate_small(tmp_path / "b", 5)
    assert [f.sha256 for f in first] == [f.sha256 for f in second]
    assert all(f.extension == "pdf" and corpus.SMALL_PAGES[0] <= (f.pages or 0) <= corpus.SMALL_PAGES[1] for f in first)

    results = bundle.run(repeat=1, base_dir=tmp_path, only=("B2",), small_files=5)
    b2 = results["B2"]
    assert b2["verified"] is True
    assert b2["files"] == b2["corpus"]["files"] == 5
    assert b2["evidence_pages"] == sum(f.pages or 0 for f in first)
    assert "5 small text PDFs" in bundle.format_table(results)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
