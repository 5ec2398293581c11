"""B3 (bench/images.py) still works: 3 scans and 1 screenshot through prepare and img2pdf, verified; no timing."""

from __future__ import annotations

import json
from pathlib import Path

from bench import images

ROW_KEYS = {
    "kind",
    "files",
    "input_bytes",
    "output_bytes",
    "bytes_ratio",
    "app_s",
    "baseline_s",
    "app_s_median",
    "baseline_s_median",
    "ratio",
    "app_ms_per_file",
    "meets_time_target",
    "meets_bytes_target",
}


def test_images_benchmark_smoke(tmp_path: Path) -> None:
    result = images.run(count=3, repeat=1, base_dir=tmp_path)

    assert result["id"] == "B3"
    assert result["outputs_verified"] is True
    assert {"target", "when", "machine", "baseline", "seed", "repeat"} <= set(result)
    jpeg, png, total = result["rows"]
    for row in (jpeg, png, total):
        assert set(row) >= ROW_KEYS
        assert len(row["app_s"]) == len(row["baseline_s"]) == 1
        assert row["output_bytes"] > 0
    assert (jpeg["kind"], jpeg["files"], png["kind"], png["files"]) == ("jpeg", 3, "png", 1)
    assert (total["kind"], total["files"]) == ("all", 4)
    assert total["input_bytes"] == jpeg["input_bytes"] + png["input_bytes"]
    assert len(total["baseline_batch_s"]) == 1
    assert 1.0 <= jpeg["bytes_ratio"] < 1.05  # the JPEG data is embedded as it is, plus a little PDF structure
    assert "jpeg" in images.format_table(result)

    out = tmp_path / "bench-results.json"
    out.write_text(json.dumps({"B4": {"kept": True}}), encoding="utf-8")
    images.write_results(out, result)
    merged = json.loads(out.read_text(encoding="utf-8"))
    assert merged["B4"] == {"kept": True}
    assert merged["B3"]["rows"][0]["files"] == 3

    # Nothing left behind: the temporary directory is gone.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench-results.json"]


def test_generated_images_look_like_evidence(tmp_path: Path) -> None:
    scan = images.make_scan(tmp_path / "pindaian.jpg", seed=1)
    again = images.make_scan(tmp_path / "lagi.jpg", seed=1)
    shot = images.make_screenshot(tmp_path / "tangkapan.png", seed=1)
    assert scan.sha256 == again.sha256  # seeded: the same data every run
    assert 400_000 < scan.size < 900_000
    assert scan.pixels == (1654, 2339)
    assert shot.pixels == (1920, 1080)
