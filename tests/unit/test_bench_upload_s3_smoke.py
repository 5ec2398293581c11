"""B12 (bench/upload.py --storage s3) still works: a 1 MiB upload over real HTTP into moto's S3 server beside
boto3's own upload, the stored object read back from the bucket and verified by SHA-256. No timing asserted."""

from __future__ import annotations

import json
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from bench import upload


def test_s3_upload_benchmark_smoke(tmp_path: Path) -> None:
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    result = upload.run([1], repeat=1, base_dir=tmp_path, storage="s3")

    assert result["id"] == "B12"
    assert result["target"]["time_ratio_max"] == upload.S3_TARGET_RATIO
    (row,) = result["rows"]
    assert row["size_mib"] == 1
    assert row["sha256_verified"] is True
    assert len(row["app_s"]) == len(row["baseline_s"]) == 1
    assert row["baseline_s"][0] > 0
    assert row["worker_peak_rss_mib"] >= row["worker_rss_before_mib"] > 0
    assert "B12" in upload.format_table(result)

    out = tmp_path / "bench-results.json"
    out.write_text(json.dumps({"B4": {"kept": True}}), encoding="utf-8")
    upload.write_results(out, result)
    merged = json.loads(out.read_text(encoding="utf-8"))
    assert merged["B4"] == {"kept": True}
    assert merged["B12"]["rows"][0]["size_mib"] == 1

    # Nothing left behind: no gunicorn, no moto server, no temporary directory.
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench-results.json"]
