"""B5: upload validation of PDF evidence: ``uploads.validation.validate`` (extension, content sniffing, opening with
qpdf's decode caps, counting the pages, looking for scripts and automatic actions) per PDF of at most 10 MB.

Baseline, in the same run on the same files: opening the PDF with pikepdf alone (``pikepdf.open`` and close). The
PDFs are the seeded corpus of :mod:`bench.corpus` (text PDFs of 3–8 pages; its ~25 MB scans are over the size this
target is about and are left out) and scanned PDFs made the same way with 10 to 90 pages (about 1 to 10 MB),
written into a fresh temporary directory. Each file is validated ``--repeat`` times, the two sides alternating;
every timing counts towards the percentiles. Target (QUALITY.md): p95 ≤ 50 ms.

    .venv/bin/python -m bench.validation [--scale 1.0] [--repeat 5] [--out bench-results.json]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pikepdf

from bench import corpus, merge_results
from uploads.validation import Policy, validate

MAX_BYTES = 10 * 1024 * 1024
TARGET_P95_MS = 50.0
#: Pages of the extra scanned PDFs (about 110 KB a page): up to the 10 MB this target is about.
SCANNED_PAGES = (10, 30, 50, 70, 85, 90)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _pikepdf_open(path: Path) -> None:
    with pikepdf.open(path):
        pass


def run(scale: float = 1.0, repeat: int = 5, base_dir: Path | None = None) -> dict[str, Any]:
    """Generate the corpus, time both sides on every PDF of at most 10 MB; the temporary directory is removed."""
    if repeat < 1:
        raise ValueError("repeat ≥ 1")
    workdir = Path(tempfile.mkdtemp(prefix="mandiri-b5-", dir=base_dir))
    try:
        files = [f for f in corpus.generate(workdir, scale) if f.extension == "pdf"]
        files += [
            corpus.make_scanned_pdf(workdir / f"pindaian-{pages}-hal.pdf", corpus.SEED + 5000 + pages, pages)
            for pages in SCANNED_PAGES
        ]
        pdfs = [f.path for f in files if f.path.stat().st_size <= MAX_BYTES]
        left_out = len(files) - len(pdfs)
        policy = Policy(max_bytes=MAX_BYTES)
        for path in pdfs:  # warm: the page cache and the libraries, as in a running server
            validate(path, path.name, policy)
            _pikepdf_open(path)
        app_ms: list[float] = []
        base_ms: list[float] = []
        pages = 0
        for _ in range(repeat):
            for path in pdfs:
                start = time.perf_counter()
                info = validate(path, path.name, policy)
                app_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                _pikepdf_open(path)
                base_ms.append((time.perf_counter() - start) * 1000)
                pages += info.pages or 0
        sizes = [p.stat().st_size for p in pdfs]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    app_p95, base_p95 = _percentile(app_ms, 0.95), _percentile(base_ms, 0.95)
    return {
        "id": "B5",
        "what": "uploads.validation.validate of every corpus PDF ≤ 10 MB (sniff, open, pages, scripts)",
        "baseline": "pikepdf.open and close of the same file",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
        "scale": scale,
        "repeat": repeat,
        "files": len(pdfs),
        "left_out_over_10mb": left_out,
        "largest_bytes": max(sizes) if sizes else 0,
        "pages_per_round": pages // repeat,
        "app_ms": {
            "p50": round(statistics.median(app_ms), 2),
            "p95": round(app_p95, 2),
            "max": round(max(app_ms), 2),
        },
        "baseline_ms": {
            "p50": round(statistics.median(base_ms), 2),
            "p95": round(base_p95, 2),
            "max": round(max(base_ms), 2),
        },
        "p95_ratio": round(app_p95 / base_p95, 2) if base_p95 else None,
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": app_p95 <= TARGET_P95_MS,
    }


def format_table(result: dict[str, Any]) -> str:
    app, base = result["app_ms"], result["baseline_ms"]
    return "\n".join(
        [
            f"B5 upload validation, {result['files']} PDFs ≤ 10 MB (largest {result['largest_bytes'] / 1e6:.1f} MB; "
            f"{result['left_out_over_10mb']} larger left out) × {result['repeat']}",
            f"{'':9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}",
            f"{'validate':9} {app['p50']:>8.2f} {app['p95']:>8.2f} {app['max']:>8.2f}",
            f"{'pikepdf':9} {base['p50']:>8.2f} {base['p95']:>8.2f} {base['max']:>8.2f}",
            f"p95 {result['p95_ratio']}× pikepdf's open alone; target p95 ≤ {result['target_p95_ms']:.0f} ms: "
            f"{'ok' if result['meets_target'] else 'MISS'}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.validation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="corpus size (1.0: ~200 text PDFs)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds over every file (default 5)")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="results file (merged)")
    args = parser.parse_args(argv)
    result = run(args.scale, args.repeat)
    print(format_table(result))
    merge_results(args.out, {"B5": result})
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
