"""B4 (bench/upload.py) still works: a 1 MiB upload over real HTTP, verified by SHA-256. No timing asserted."""

from __future__ import annotations

import json
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from bench import upload

ROW_KEYS = {
    "size_mib",
    "file_bytes",
    "repeat",
    "app_s",
    "baseline_s",
    "app_s_median",
    "baseline_s_median",
    "ratio",
    "app_mib_per_s",
    "baseline_mib_per_s",
    "worker_rss_before_mib",
    "worker_peak_rss_mib",
    "worker_rss_growth_mib",
    "sha256_verified",
    "meets_time_target",
    "meets_rss_target",
}


def test_upload_benchmark_smoke(tmp_path: Path) -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    result = upload.run([1], repeat=1, base_dir=tmp_path)

    assert result["id"] == "B4"
    (row,) = result["rows"]
    assert set(row) >= ROW_KEYS
    assert row["size_mib"] == 1
    assert row["sha256_verified"] is True
    assert len(row["app_s"]) == len(row["baseline_s"]) == 1
    assert row["worker_peak_rss_mib"] >= row["worker_rss_before_mib"] > 0
    assert "1 MiB" in upload.format_table(result)

    out = tmp_path / "bench-results.json"
    out.write_text(json.dumps({"B1": {"kept": True}}), encoding="utf-8")
    upload.write_results(out, result)
    merged = json.loads(out.read_text(encoding="utf-8"))
    assert merged["B1"] == {"kept": True}
    assert merged["B4"]["rows"][0]["size_mib"] == 1

    # Nothing left behind: no gunicorn, no temporary directory.
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench-results.json"]


def test_generated_pdf_is_accepted_by_validation(tmp_path: Path) -> None:
    from uploads.validation import Policy, validate

    pdf = upload.make_pdf(tmp_path / "bukti.pdf", 200 * 1024, seed=1)
    first = upload.sha256_file(pdf.path)
    second = upload.vary(pdf, b"rep-1")
    assert first != second
    assert pdf.path.stat().st_size == pdf.size
    info = validate(pdf.path, "bukti.pdf", Policy())
    assert info.pages == 1
