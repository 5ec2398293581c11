"""B3: image evidence → PDF pages: ``reports.convert.prepare`` over JPEG scans and PNG screenshots.

Baseline, in the same run on the same files: the ``img2pdf`` command-line tool of the same virtualenv with the
same layout (``-S A4 -f into -a``), one invocation per image as the app converts one file at a time; one
invocation for all images together is reported beside it. Targets (QUALITY.md): app time ≤ 1.5× the
per-image baseline, and output bytes ≤ 1.02× input bytes (lossless: JPEG data is embedded as it is).

The test images are generated from a seed in a fresh temporary directory: A4 "scans" at 200 dpi (a page with
text-like lines and scanner noise, JPEG quality 85, about 600 KB) and 1920×1080 PNG "screenshots" (flat
interface blocks, anti-aliased text-like runs or a picture in the panels, no DPI). The app's time includes
what ``prepare`` always does: the SHA-256 check while reading, the image check and img2pdf. Every output is
verified afterwards (not timed): one A4 page, the JPEG bytes found unchanged in the PDF, the PNG's pixel size.

    .venv/bin/python -m bench.images [--count 100] [--repeat 3] [--out bench-results.json]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import img2pdf
import pikepdf
import PIL
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from bench import merge_results
from reports.convert import prepare

SEED = 20260405
TARGET_RATIO = 1.5
TARGET_BYTES_RATIO = 1.02
SCAN_SIZE = (1654, 2339)  # A4 at 200 dpi
SCAN_DPI = 200
SCAN_QUALITY = 85
SCAN_NOISE = 5  # ± grey levels of scanner noise: gives scans of about 600 KB
SCREEN_SIZE = (1920, 1080)
BASELINE_ARGS = ("-S", "A4", "-f", "into", "-a", "-r", "ifvalid", "-D")
A4_PT = (595.28, 841.89)


# ------------------------------------------------------------------------------------------------ test data


@dataclass(frozen=True)
class Sample:
    path: Path
    kind: str  # "jpeg" or "png"
    size: int
    sha256: str
    pixels: tuple[int, int]


def _noise(size: tuple[int, int], amplitude: int, seed: int) -> Image.Image:
    """Seeded grey noise centred on 128 (± ``amplitude``), from SHAKE-256 bytes mapped through a lookup table."""
    data = hashlib.shake_256(f"{SEED}/{seed}".encode()).digest(size[0] * size[1])
    lut = [128 + (v * (2 * amplitude + 1)) // 256 - amplitude for v in range(256)]
    return Image.frombytes("L", size, data).point(lut)


def _text_lines(draw: ImageDraw.ImageDraw, rng: random.Random, box: tuple[int, int, int, int], line: int) -> None:
    """Rows of dark "words" (small rectangles of random widths) inside ``box``, like printed text."""
    left, top, right, bottom = box
    y = top
    while y + line <= bottom:
        x = left
        end = right - rng.randrange(0, (right - left) // 3) if rng.random() < 0.2 else right
        while x < end:
            width = rng.randrange(line, line * 6)
            draw.rectangle((x, y, min(x + width, end), y + line * 2 // 3), fill=rng.randrange(20, 70))
            x += width + line // 2
        y += line * 3 // 2 + (line if rng.random() < 0.1 else 0)


def make_scan(path: Path, seed: int) -> Sample:
    """An A4 page scanned at 200 dpi: off-white paper, a heading, text lines, a stamp, scanner noise; JPEG."""
    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    page = Image.new("L", SCAN_SIZE, rng.randrange(236, 248))
    draw = ImageDraw.Draw(page)
    draw.rectangle((150, 160, 150 + rng.randrange(600, 1100), 210), fill=30)
    _text_lines(draw, rng, (150, 280, SCAN_SIZE[0] - 150, SCAN_SIZE[1] - 400), rng.choice((22, 26, 30)))
    stamp = (rng.randrange(900, 1200), SCAN_SIZE[1] - 360)
    draw.ellipse((*stamp, stamp[0] + 260, stamp[1] + 260), outline=90, width=8)
    grey = ImageChops.add(page, _noise(SCAN_SIZE, SCAN_NOISE, seed), scale=1.0, offset=-128)
    tint = grey.point([max(0, v - 6) for v in range(256)])
    scan = Image.merge("RGB", (grey, grey, tint))
    scan.save(path, "JPEG", quality=SCAN_QUALITY, dpi=(SCAN_DPI, SCAN_DPI))
    return _sample(path, "jpeg", SCAN_SIZE)


def make_screenshot(path: Path, seed: int) -> Sample:
    """A 1920×1080 application screenshot: title bar, side menu, panels, text-like runs in most of them; PNG."""
    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    shot = Image.new("RGB", SCREEN_SIZE, (246, 247, 249))
    draw = ImageDraw.Draw(shot)
    accent = (rng.randrange(0, 80), rng.randrange(60, 140), rng.randrange(120, 220))
    draw.rectangle((0, 0, SCREEN_SIZE[0], 56), fill=accent)
    draw.rectangle((0, 56, 280, SCREEN_SIZE[1]), fill=(34, 40, 49))
    for item in range(12):
        draw.rectangle((32, 100 + item * 56, 32 + rng.randrange(120, 220), 116 + item * 56), fill=(190, 196, 204))
    for _panel in range(rng.randrange(3, 7)):
        left, top = rng.randrange(310, 1300), rng.randrange(80, 700)
        right, bottom = min(left + rng.randrange(300, 800), 1890), min(top + rng.randrange(150, 400), 1060)
        draw.rectangle((left, top, right, bottom), fill=(255, 255, 255), outline=(220, 223, 228), width=2)
        if rng.random() < 0.8:
            text = Image.new("L", (right - left - 40, bottom - top - 40), 255)
            _text_lines(ImageDraw.Draw(text), rng, (0, 0, text.width, text.height), rng.choice((12, 14, 16)))
            text = text.filter(ImageFilter.GaussianBlur(0.7))  # anti-aliased glyph edges, as on a real screen
            shot.paste(Image.merge("RGB", (text, text, text)), (left + 20, top + 20))
        elif right - left > 200 and bottom - top > 150:
            photo = _noise((right - left - 40, bottom - top - 40), 100, seed * 100 + _panel)
            photo = photo.filter(ImageFilter.GaussianBlur(2))  # a picture inside the page (map, chart, photo)
            shot.paste(Image.merge("RGB", (photo, photo.point(lambda v: 255 - v), photo)), (left + 20, top + 20))
    shot.save(path, "PNG")
    return _sample(path, "png", SCREEN_SIZE)


def _sample(path: Path, kind: str, pixels: tuple[int, int]) -> Sample:
    data = path.read_bytes()
    return Sample(path=path, kind=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest(), pixels=pixels)


def make_samples(directory: Path, count: int, screenshots: int) -> list[Sample]:
    directory.mkdir(parents=True, exist_ok=True)
    samples = [make_scan(directory / f"pindaian-{i + 1:03d}.jpg", SEED + i) for i in range(count)]
    samples += [
        make_screenshot(directory / f"tangkapan-{i + 1:02d}.png", SEED + 10_000 + i) for i in range(screenshots)
    ]
    return samples


# ----------------------------------------------------------------------------------------------- measuring


def _img2pdf_cli() -> str:
    """The img2pdf console script of the running virtualenv (``.venv/bin/img2pdf``), else the one on PATH."""
    candidate = Path(sys.executable).parent / "img2pdf"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("img2pdf")
    if not found:
        raise RuntimeError("img2pdf tidak ditemukan (jalankan dengan .venv/bin/python)")
    return found


def run_app(samples: list[Sample], workdir: Path) -> tuple[dict[str, float], list[Path]]:
    """``prepare`` on every sample; returns seconds per kind and the output PDFs (in the samples' order)."""
    seconds = {"jpeg": 0.0, "png": 0.0}
    outputs: list[Path] = []
    for sample in samples:
        start = time.perf_counter()
        result = prepare(
            sample.path,
            extension=sample.path.suffix,
            expected_sha256=sample.sha256,
            original_name=sample.path.name,
            title=sample.path.stem,
            workdir=workdir,
            validated=True,  # as the export calls it: library files passed upload validation
        )
        seconds[sample.kind] += time.perf_counter() - start
        if result.outcome != "image" or result.pages != 1:
            raise RuntimeError(f"{sample.path.name}: {result.outcome} ({result.reason})")
        outputs.append(result.pdf_path)
    return seconds, outputs


def run_baseline(cli: str, samples: list[Sample], outdir: Path) -> tuple[dict[str, float], list[Path]]:
    """``img2pdf`` once per image; returns seconds per kind and the output PDFs."""
    outdir.mkdir(parents=True)
    seconds = {"jpeg": 0.0, "png": 0.0}
    outputs: list[Path] = []
    for sample in samples:
        out = outdir / (sample.path.stem + ".pdf")
        start = time.perf_counter()
        subprocess.run(  # noqa: S603 - the virtualenv's img2pdf, fixed options, our own files
            [cli, *BASELINE_ARGS, "-o", str(out), str(sample.path)], check=True, capture_output=True, timeout=300
        )
        seconds[sample.kind] += time.perf_counter() - start
        outputs.append(out)
    return seconds, outputs


def run_baseline_batch(cli: str, samples: list[Sample], out: Path) -> float:
    """``img2pdf`` once for all images (one PDF of len(samples) pages)."""
    start = time.perf_counter()
    subprocess.run(  # noqa: S603 - the virtualenv's img2pdf, fixed options, our own files
        [cli, *BASELINE_ARGS, "-o", str(out), *(str(s.path) for s in samples)], check=True, capture_output=True,
        timeout=1800,
    )  # fmt: skip
    return time.perf_counter() - start


def verify(sample: Sample, pdf_path: Path) -> None:
    """One A4 page (either orientation) holding the image at its own pixel size; JPEG bytes unchanged."""
    with pikepdf.open(pdf_path) as pdf:
        if len(pdf.pages) != 1:
            raise RuntimeError(f"{pdf_path.name}: {len(pdf.pages)} halaman, bukan 1")
        page = pdf.pages[0]
        box = sorted(round(float(v), 1) for v in page.mediabox[2:])
        if box != sorted(round(v, 1) for v in A4_PT):
            raise RuntimeError(f"{pdf_path.name}: ukuran halaman {box} bukan A4")
        images = [obj for obj in page.Resources.XObject.as_dict().values() if isinstance(obj, pikepdf.Stream)]
        if len(images) != 1:
            raise RuntimeError(f"{pdf_path.name}: {len(images)} gambar, bukan 1")
        image = images[0]
        if (int(image.Width), int(image.Height)) != sample.pixels:
            raise RuntimeError(f"{pdf_path.name}: ukuran piksel berubah")
        if sample.kind == "jpeg" and image.read_raw_bytes() != sample.path.read_bytes():
            raise RuntimeError(f"{pdf_path.name}: data JPEG tidak sama dengan berkas asli")


def _bytes(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


def _row(kind: str, samples: list[Sample], app: list[float], base: list[float], out_bytes: int) -> dict[str, Any]:
    in_bytes = sum(s.size for s in samples)
    app_median, base_median = statistics.median(app), statistics.median(base)
    ratio = app_median / base_median
    return {
        "kind": kind,
        "files": len(samples),
        "input_bytes": in_bytes,
        "output_bytes": out_bytes,
        "bytes_ratio": round(out_bytes / in_bytes, 4),
        "app_s": [round(s, 4) for s in app],
        "baseline_s": [round(s, 4) for s in base],
        "app_s_median": round(app_median, 4),
        "baseline_s_median": round(base_median, 4),
        "ratio": round(ratio, 3),
        "app_ms_per_file": round(app_median * 1000 / len(samples), 1),
        "meets_time_target": ratio <= TARGET_RATIO,
        "meets_bytes_target": out_bytes / in_bytes <= TARGET_BYTES_RATIO,
    }


def run(
    count: int = 100, repeat: int = 3, base_dir: Path | None = None, screenshots: int | None = None
) -> dict[str, Any]:
    """Run B3 and return its results (nothing is printed or written); the temporary directory is always removed."""
    screenshots = max(1, count // 5) if screenshots is None else screenshots
    if count < 1 or screenshots < 1 or repeat < 1:
        raise ValueError("count, screenshots dan repeat harus ≥ 1")
    cli = _img2pdf_cli()
    workdir = Path(tempfile.mkdtemp(prefix="mandiri-b3-", dir=base_dir))
    try:
        samples = make_samples(workdir / "data", count, screenshots)
        kinds = {kind: [s for s in samples if s.kind == kind] for kind in ("jpeg", "png")}
        app_runs: list[dict[str, float]] = []
        base_runs: list[dict[str, float]] = []
        batch_runs: list[float] = []
        app_outputs: list[Path] = []
        for rep in range(repeat):
            order = ("base", "app") if rep % 2 == 0 else ("app", "base")
            for which in order:
                if which == "base":
                    seconds, base_outputs = run_baseline(cli, samples, workdir / f"baseline-{rep}")
                    base_runs.append(seconds)
                    for sample, out in zip(samples, base_outputs, strict=True):
                        verify(sample, out)
                    shutil.rmtree(workdir / f"baseline-{rep}")
                else:
                    seconds, app_outputs = run_app(samples, workdir / f"app-{rep}")
                    app_runs.append(seconds)
                    for sample, out in zip(samples, app_outputs, strict=True):
                        verify(sample, out)
            batch_runs.append(run_baseline_batch(cli, samples, workdir / f"batch-{rep}.pdf"))
            with pikepdf.open(workdir / f"batch-{rep}.pdf") as batch:
                if len(batch.pages) != len(samples):
                    raise RuntimeError(f"img2pdf (sekaligus): {len(batch.pages)} halaman, bukan {len(samples)}")
            (workdir / f"batch-{rep}.pdf").unlink()
        out_by_kind = {
            kind: _bytes([out for s, out in zip(samples, app_outputs, strict=True) if s.kind == kind]) for kind in kinds
        }
        rows = [
            _row(kind, kinds[kind], [r[kind] for r in app_runs], [r[kind] for r in base_runs], out_by_kind[kind])
            for kind in ("jpeg", "png")
        ]
        total = _row(
            "all",
            samples,
            [sum(r.values()) for r in app_runs],
            [sum(r.values()) for r in base_runs],
            sum(out_by_kind.values()),
        )
        batch_median = statistics.median(batch_runs)
        total["baseline_batch_s"] = [round(s, 4) for s in batch_runs]
        total["baseline_batch_s_median"] = round(batch_median, 4)
        total["ratio_vs_batch"] = round(total["app_s_median"] / batch_median, 3)
        rows.append(total)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "id": "B3",
        "what": "image evidence → one A4 PDF page each: reports.convert.prepare (SHA-256 check, image check, img2pdf)",
        "baseline": f"img2pdf {' '.join(BASELINE_ARGS)} -o OUT IMAGE, one invocation per image; also one for all",
        "target": {"time_ratio_max": TARGET_RATIO, "bytes_ratio_max": TARGET_BYTES_RATIO},
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": SEED,
        "repeat": repeat,
        "outputs_verified": True,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "img2pdf": img2pdf.__version__,
            "pikepdf": pikepdf.__version__,
            "pillow": PIL.__version__,
        },
        "rows": rows,
    }


# ------------------------------------------------------------------------------------------------ reporting


def format_table(result: dict[str, Any]) -> str:
    head = (
        f"B3 image evidence → PDF (reports.convert.prepare) vs `img2pdf {' '.join(BASELINE_ARGS)}` per image; "
        f"median of {result['repeat']}\n"
        f"{'kind':>5} {'files':>5} {'app s':>8} {'base s':>8} {'ratio':>6} {'ms/file':>8} {'in MB':>8} "
        f"{'out MB':>8} {'bytes':>6}  target (≤{TARGET_RATIO}×, bytes ≤{TARGET_BYTES_RATIO}×)"
    )
    lines = [head]
    for r in result["rows"]:
        verdict = (
            f"time {'ok' if r['meets_time_target'] else 'MISS'}, bytes {'ok' if r['meets_bytes_target'] else 'MISS'}"
        )
        lines.append(
            f"{r['kind']:>5} {r['files']:>5} {r['app_s_median']:>8.3f} {r['baseline_s_median']:>8.3f} "
            f"{r['ratio']:>5.2f}× {r['app_ms_per_file']:>8.1f} {r['input_bytes'] / 1e6:>8.1f} "
            f"{r['output_bytes'] / 1e6:>8.1f} {r['bytes_ratio']:>5.3f}×  {verdict}"
        )
    total = result["rows"][-1]
    lines.append(
        f"img2pdf once for all {total['files']} images: {total['baseline_batch_s_median']:.3f} s "
        f"(app {total['ratio_vs_batch']:.2f}× that); outputs verified: {'yes' if result['outputs_verified'] else 'NO'}"
    )
    return "\n".join(lines)


def write_results(path: Path, result: dict[str, Any]) -> None:
    """Merge ``result`` into ``path`` under the key "B3" (other benchmarks' keys are kept)."""
    merge_results(path, {"B3": result})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.images", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100, help="JPEG scans (default 100; PNG screenshots: count/5)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (default 3; the median is reported)")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="results file (merged)")
    parser.add_argument("--tmp", type=Path, default=None, help="where to make the temporary directory")
    args = parser.parse_args(argv)
    result = run(args.count, args.repeat, args.tmp)
    print(format_table(result))
    write_results(args.out, result)
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
