"""B2 bundle assembly, B6 evidence ZIP and B10 export job, each beside its baseline measured in the same run.

The evidence is the seeded corpus of :mod:`bench.corpus` (about 330 files and 2,400 pages at scale 1.0), written
into a fresh temporary directory. Every file goes through ``reports.convert.prepare`` once first (not timed;
images become PDFs, Office documents a placeholder page because LibreOffice is off, as in B10).

- B2: ``reports.bundle.assemble`` (stamps on every evidence page, report links, outline) vs
  ``qpdf --empty --remove-unreferenced-resources=no --pages REPORT FILES… -- OUT`` on the same prepared PDFs.
  Each side runs in a fresh process, so its peak RSS (``VmHWM``) is its own; assemble's time is taken inside its
  process around the call (the imports a worker has done already are left out), qpdf's around the command.
  The report is synthetic (pikepdf: 100 pages with the anchors and ``mandiri-bundle:ev/<id>`` links the real
  template makes) and the ``ReportData`` is built directly from the spbe-2020 instrument.
  Checked: pages = report + Σ evidence, ``qpdf --check`` exit 0, outline entries.
- B6: ``reports.archive.write_zip`` vs ``zipfile`` STORED writing the same (path, name) list with ``zf.write``.
- B10: the real job: a SQLite database, the corpus uploaded and linked (~6 documents per indicator), every
  indicator answered with 300–900 words, ``mandiri worker`` in its own process; timed from ``request_export``
  to the row saying "selesai". First the worker runs qpdf's full check of every uploaded PDF, as the upload page
  has it do after each upload (timed apart); then the first export, the same export again (B10′), and one more
  with every check forgotten, so the export runs them itself (B10″: PDFs stored while no worker was running).
  Baseline in the same run: ``render_report(collect(...))`` (median of 3) plus the qpdf merge of the rendered
  report and the same prepared files. Checked: the stored PDF's SHA-256 and pages.

``--small-files N``: the same benchmarks on N small text PDFs of 4–13 pages instead (600: about 5,100 pages and
9 MB, the fixed cost of each file); for B10 the peak RSS of the worker's whole process tree is printed too, and its
peak PSS against the target of 400 MiB.
``--profile``: assemble (B2) and one more export (B10, in this process) under cProfile.

Medians of ``--repeat`` runs (default 3), the two sides alternating. Nothing is asserted; results are printed
and merged into the results file under "B2", "B6" and "B10" ("B2-small"… with ``--small-files``).

    .venv/bin/python -m bench.bundle [--scale 1.0] [--small-files N] [--repeat 3] [--only B2,B6,B10] [--profile]
        [--out FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pickle
import platform
import pstats
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pikepdf

from bench import corpus, merge_results
from bench.corpus import CorpusFile

MIB = 1024 * 1024
REPO = Path(__file__).resolve().parent.parent
SEED = 20260407
INSTRUMENT = "spbe-2020"
TARGET_B2_RATIO = 1.2
TARGET_B2_RSS_MIB = 400
TARGET_B6_RATIO = 1.3
TARGET_B10_RATIO = 1.3
#: The worker's whole tree during an export, as its proportional set size (pages shared between the fork server and
#: its workers counted once).
TARGET_B10_MEMORY_MIB = 400
QPDF_ARGS = ("--empty", "--remove-unreferenced-resources=no", "--pages")
REPORT_FRONT = ("sampul", "berita-acara", "persetujuan", "daftar-isi", "ringkasan")
POLL_S = 0.05
JOB_TIMEOUT_S = 3600.0


# ------------------------------------------------------------------------------------------------ helpers


def _qpdf() -> str:
    found = shutil.which("qpdf")
    if not found:
        raise RuntimeError("qpdf tidak ditemukan di PATH")
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


def _run_measured(cmd: Sequence[str], *, cwd: Path = REPO, timeout: float = 1800.0) -> tuple[float, int]:
    """Run ``cmd``; returns (wall seconds, the process's own peak RSS in bytes). Raises on failure.

    The peak is ``VmHWM`` of the running program, read every few milliseconds until it exits: ``wait4``'s
    ``ru_maxrss`` would also count the memory of this (much larger) process, which the child shares between
    fork and exec.
    """
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - qpdf or this module in a child, fixed arguments, our own files
            list(cmd), cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors
        )
        deadline = start + timeout
        peak = 0
        while process.poll() is None:
            peak = max(peak, _proc_status(process.pid, "VmHWM"))
            if time.perf_counter() > deadline:
                process.kill()
                process.wait()
                raise RuntimeError(f"{cmd[0]} melebihi {timeout:.0f} s")
            time.sleep(0.003)
        elapsed = time.perf_counter() - start
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read()[-2000:].decode("utf-8", "replace")
            raise RuntimeError(f"{' '.join(cmd[:3])} … gagal ({process.returncode}): {message}")
    return elapsed, peak


def _qpdf_merge(report_pdf: Path, files: Sequence[Path], dest: Path) -> tuple[float, int]:
    return _run_measured([_qpdf(), *QPDF_ARGS, str(report_pdf), *map(str, files), "--", str(dest)])


def qpdf_check(path: Path) -> int:
    """``qpdf --check`` exit code (0: no errors or warnings)."""
    done = subprocess.run(  # noqa: S603 - qpdf, fixed arguments, our own file
        [_qpdf(), "--check", str(path)], capture_output=True, timeout=1800, check=False
    )
    return done.returncode


def page_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def outline_entries(path: Path) -> int:
    count = 0
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        stack = list(outline.root)
        while stack:
            item = stack.pop()
            count += 1
            stack.extend(item.children)
    return count


def _proc_status(pid: int, field: str) -> int:
    """A ``/proc/PID/status`` memory figure (VmRSS, VmHWM) in bytes; 0 when unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it (the worker's render pool, its fork server, qpdf and soffice runs)."""
    found = [pid]
    index = 0
    while index < len(found):
        for task in Path(f"/proc/{found[index]}/task").glob("*/children"):
            try:
                found += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
        index += 1
    return found


def _tree_status(pid: int, field: str) -> int:
    """The sum of a ``/proc/PID/status`` memory figure over ``pid`` and everything below it, in bytes."""
    return sum(_proc_status(member, field) for member in _tree(pid))


def _tree_pss(pid: int) -> int:
    """The proportional set size of ``pid`` and everything below it, in bytes: memory the processes share (the render
    pool's pages inherited from its fork server) counted once, unlike a sum of RSS."""
    total = 0
    for member in _tree(pid):
        try:
            lines = Path(f"/proc/{member}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        total += sum(int(line.split()[1]) * 1024 for line in lines if line.startswith("Pss:"))
    return total


def _machine() -> dict[str, Any]:
    qpdf_version = subprocess.run(  # noqa: S603 - qpdf --version
        [_qpdf(), "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.splitlines()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pikepdf": pikepdf.__version__,
        "libqpdf": pikepdf.__libqpdf_version__,
        "qpdf": qpdf_version[0] if qpdf_version else "",
    }


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


# ------------------------------------------------------------------------------------------------ corpus


@dataclass(frozen=True)
class Prepped:
    """A corpus file and what ``prepare`` made of it."""

    file: CorpusFile
    outcome: str
    pdf_path: Path
    pages: int


def prepare_corpus(files: Sequence[CorpusFile], workdir: Path) -> list[Prepped]:
    """``reports.convert.prepare`` on every file, once (LibreOffice off: Office documents become placeholders)."""
    from reports.convert import prepare

    result = []
    for f in files:
        prepared = prepare(
            f.path,
            extension=f.extension,
            expected_sha256=f.sha256,
            original_name=f.path.name,
            title=f.path.stem,
            workdir=workdir,
            soffice=None,
        )
        if prepared.outcome not in ("pdf", "image", "placeholder"):
            raise RuntimeError(f"{f.path.name}: {prepared.outcome} ({prepared.reason})")
        if f.pages is not None and prepared.pages != f.pages:
            raise RuntimeError(f"{f.path.name}: {prepared.pages} halaman, seharusnya {f.pages}")
        result.append(Prepped(f, prepared.outcome, prepared.pdf_path, prepared.pages))
    return result


# --------------------------------------------------------------------------------------- synthetic report


def _assign(count: int, indicators: Sequence[str]) -> list[str]:
    """Indicator of each document, round robin: about count/len(indicators) documents per indicator."""
    return [indicators[i % len(indicators)] for i in range(count)]


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(corpus.WORDS) for _ in range(rng.randrange(low, high + 1)))


def synthetic_data(prepped: Sequence[Prepped], *, seed: int = SEED) -> tuple[Any, list[Any]]:
    """A ``ReportData`` listing every prepared file (~6 per indicator; every 10th also under the next indicator but
    after the last),
    and the bundle ``Part`` of every printed document, in the order the bundle appends them."""
    from assess.instruments import load_instrument
    from assess.scoring import score
    from assess.services.planning import bar_values, radar
    from reports.bundle import Part
    from reports.convert import MIME, Prepared
    from reports.data import (
        ReportData,
        Signatory,
        StoredFile,
        evidence_entry,
        indicator_section,
        report_bars,
        slug,
    )

    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    inst = load_instrument(INSTRUMENT)
    codes = list(inst.indicators)
    levels = {code: rng.randint(1, inst.scale_max) for code in codes}
    homes = _assign(len(prepped), codes)
    listed: dict[str, list[tuple[int, Prepped, bool]]] = {code: [] for code in codes}
    for evidence_id, (code, item) in enumerate(zip(homes, prepped, strict=True), start=1):
        listed[code].append((evidence_id, item, True))
        if evidence_id % 10 == 0 and code != codes[-1]:  # listed again under the next indicator, if any
            listed[codes[codes.index(code) + 1]].append((evidence_id, item, False))

    home_of: dict[int, tuple[str, int]] = {}
    sections = []
    parts = []
    for code in codes:
        ind = inst.indicators[code]
        entries = []
        for lampiran, (evidence_id, item, home) in enumerate(listed[code], start=1):
            if home:
                home_of[evidence_id] = (code, lampiran)
            f = item.file
            entry = evidence_entry(
                evidence_id=evidence_id,
                indicator=code,
                lampiran=lampiran,
                title=f.path.stem.replace("-", " ").title(),
                doc_type="Laporan",
                number=None,
                doc_date=date(2025, 1 + evidence_id % 12, 1 + evidence_id % 28),
                kind="file",
                url=None,
                level=levels[code],
                item_code=None,
                note="",
                file=StoredFile(
                    sha256=f.sha256,
                    size=f.path.stat().st_size,
                    extension=f.extension,
                    mime=MIME[f.extension],
                    storage_key=f.path.name,
                    original_name=f.path.name,
                    pages=f.pages,
                ),
                home=home_of.get(evidence_id),
                portal_stem=f"{code}_L{levels[code]}_{lampiran:02d}_{slug(f.path.stem)}",
            )
            entries.append(entry)
            if home:
                prepared = Prepared(item.outcome, item.pdf_path, item.pages, None, False)
                parts.append(Part(entry, prepared, f"{code} · Lampiran {lampiran}", f.path))
        level = levels[code]
        sections.append(
            indicator_section(
                inst,
                ind,
                code=code,
                value=Fraction(level),
                source="claimed",
                fakta=_words(rng, 150, 450),
                analisis=_words(rng, 150, 450),
                marks={i.code: i.level <= level for lvl in ind.levels for i in lvl.items},
                evidence=tuple(entries),
                review=None,
            )
        )
    s = score(inst, {code: Fraction(v) for code, v in levels.items()})
    data = ReportData(
        assessment_id=1,
        year=2026,
        state="pengisian",
        draft=True,
        instansi_name="Pemerintah Kota Contoh",
        instansi_kind="kota",
        logo_key=None,
        logo_mime=None,
        instrument_code=inst.code,
        instrument_title=inst.title,
        regulation=inst.regulation,
        provisional=inst.provisional,
        provisional_note=inst.provisional_note,
        value_type=inst.value_type,
        scale_max=inst.scale_max,
        generated_at=datetime(2026, 4, 7, 9, 0, tzinfo=UTC),
        signatory=Signatory("Drs. Budi Santoso, M.Si.", "Sekretaris Daerah", "196801011990031001", "Kota Contoh"),
        signed_minutes=None,
        signed_consent=None,
        score=s,
        groups=(),
        radar=radar([(a.name, a.value) for a in s.aspects.values()], inst.scale_max),
        bars=report_bars(bar_values(inst, s), inst.scale_max),
        sections=tuple(sections),
        include_review=False,
    )
    if [p.entry.evidence_id for p in parts] != [e.evidence_id for e in data.files_in_order()]:
        raise RuntimeError("urutan bagian bundel tidak sama dengan ReportData.files_in_order()")
    return data, parts


def _page(pdf: pikepdf.Pdf, fonts: pikepdf.Dictionary, lines: Sequence[str]) -> pikepdf.Page:
    text = [b"BT /F1 10 Tf 13 TL 56 780 Td"]
    text += [corpus.pdf_literal(line[:100]) + b" Tj T*" for line in lines]
    text.append(b"ET")
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=pikepdf.Array([0, 0, *corpus.A4]),
        Resources=pikepdf.Dictionary(Font=fonts),
        Contents=pdf.make_stream(b"\n".join(text) + b"\n"),
    )
    return pikepdf.Page(pdf.make_indirect(page))


def synthetic_report(data: Any, dest: Path) -> Any:
    """A report PDF shaped like the real one: front matter, two pages per indicator whose first page lists the
    documents with ``mandiri-bundle:ev/<id>`` links in the "Hal." column; returns a ``RenderedReport``."""
    from reports.bundle import BUNDLE_LINK_PREFIX
    from reports.render import RenderedReport

    rng = random.Random(SEED)  # noqa: S311 - test data, not cryptography
    anchors: dict[str, int] = {}
    with pikepdf.new() as pdf:
        fonts = pikepdf.Dictionary(F1=corpus.font(pdf, "/Helvetica"))
        for anchor in REPORT_FRONT:
            anchors[anchor] = len(pdf.pages)
            pdf.pages.append(_page(pdf, fonts, [anchor.upper(), *(_words(rng, 8, 14) for _ in range(40))]))
        pdf.pages.append(_page(pdf, fonts, [_words(rng, 8, 14) for _ in range(50)]))
        for section in data.sections:
            anchors[section.anchor] = len(pdf.pages)
            rows = [f"Lampiran {e.lampiran}  {e.title}  Hal. ____" for e in section.evidence]
            first = _page(
                pdf, fonts, [f"{section.code} {section.name}", *rows, *(_words(rng, 8, 14) for _ in range(20))]
            )
            links = pikepdf.Array()
            for row, entry in enumerate(section.evidence, start=1):
                top = 780 - row * 13 + 10
                action = pikepdf.Dictionary(
                    S=pikepdf.Name.URI, URI=pikepdf.String(f"{BUNDLE_LINK_PREFIX}{entry.evidence_id}")
                )
                links.append(
                    pdf.make_indirect(
                        pikepdf.Dictionary(
                            Type=pikepdf.Name.Annot,
                            Subtype=pikepdf.Name.Link,
                            Rect=pikepdf.Array([480, top - 11, 530, top]),
                            Border=pikepdf.Array([0, 0, 0]),
                            A=action,
                        )
                    )
                )
            first.obj.Annots = links
            pdf.pages.append(first)
            pdf.pages.append(_page(pdf, fonts, [_words(rng, 8, 14) for _ in range(50)]))
        pages = len(pdf.pages)
        pdf.save(dest, deterministic_id=True)
    return RenderedReport(pdf=dest.read_bytes(), pages=pages, anchors=anchors, refused=())


# ------------------------------------------------------------------------------------------------------ B2


def _assemble_child(job_path: Path) -> int:
    """In a fresh process: load the job, time ``assemble`` (optionally under cProfile), write the result."""
    from reports.bundle import assemble

    with open(job_path, "rb") as handle:
        job = pickle.load(handle)  # noqa: S301 - the job file this module wrote a moment ago
    rss_before = _proc_status(os.getpid(), "VmRSS")
    profiler = cProfile.Profile() if job["profile"] else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    layout = assemble(job["report"], job["data"], job["parts"], [], job["dest"])
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - start
    result: dict[str, Any] = {
        "seconds": seconds,
        "pages": layout.pages,
        "outline_entries": layout.outline_entries,
        "rss_before": rss_before,
        "rss_peak": _proc_status(os.getpid(), "VmHWM"),
    }
    if profiler is not None:
        result["profile"] = _profile_summary(profiler)
    job_path.with_suffix(".json").write_text(json.dumps(result), encoding="utf-8")
    return 0


def _profile_summary(profiler: cProfile.Profile, top: int = 25) -> dict[str, list[str]]:
    summary: dict[str, list[str]] = {}
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(top)
        lines = [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]
        start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
        summary[key] = lines[start:]
    return summary


def _assemble_in_child(job: dict[str, Any], job_path: Path) -> dict[str, Any]:
    with open(job_path, "wb") as handle:
        pickle.dump(job, handle)
    wall, rss = _run_measured([sys.executable, "-m", "bench.bundle", "--assemble-child", str(job_path)])
    result: dict[str, Any] = json.loads(job_path.with_suffix(".json").read_text(encoding="utf-8"))
    result["wall"] = wall
    result["rss_peak_sampled"] = rss
    return result


def run_b2(report: Any, data: Any, parts: Sequence[Any], workdir: Path, repeat: int, profile: bool) -> dict[str, Any]:
    report_pdf = workdir / "laporan.pdf"
    report_pdf.write_bytes(report.pdf)
    files = [p.prepared.pdf_path for p in parts]
    evidence_pages = sum(p.prepared.pages for p in parts)
    expected = report.pages + evidence_pages
    app_dest, base_dest = workdir / "bundel-app.pdf", workdir / "bundel-qpdf.pdf"
    job = {"report": report, "data": data, "parts": list(parts), "dest": app_dest, "profile": False}
    app_runs: list[dict[str, Any]] = []
    base_runs: list[tuple[float, int]] = []
    for rep in range(repeat):
        for which in ("base", "app") if rep % 2 == 0 else ("app", "base"):
            if which == "base":
                base_runs.append(_qpdf_merge(report_pdf, files, base_dest))
            else:
                app_runs.append(_assemble_in_child(job, workdir / "assemble-job.pkl"))
    app_s = [r["seconds"] for r in app_runs]
    base_s = [s for s, _ in base_runs]
    app_median, base_median = _median(app_s), _median(base_s)
    app_rss = max(max(r["rss_peak"], r["rss_peak_sampled"]) for r in app_runs)
    verify = {
        "expected_pages": expected,
        "app_pages": page_count(app_dest),
        "qpdf_pages": page_count(base_dest),
        "app_layout_pages": sorted({r["pages"] for r in app_runs}),
        "app_qpdf_check_exit": qpdf_check(app_dest),
        "qpdf_qpdf_check_exit": qpdf_check(base_dest),
        "app_outline_entries": outline_entries(app_dest),
        "layout_outline_entries": app_runs[-1]["outline_entries"],
    }
    verified = (
        verify["app_pages"] == verify["qpdf_pages"] == expected
        and verify["app_layout_pages"] == [expected]
        and verify["app_qpdf_check_exit"] == 0
        and verify["app_outline_entries"] > 0
    )
    result: dict[str, Any] = {
        "id": "B2",
        "what": "reports.bundle.assemble: report + evidence, every evidence page stamped, report links, outline",
        "baseline": f"qpdf {' '.join(QPDF_ARGS)} REPORT FILES… -- OUT (same prepared files)",
        "target": {"time_ratio_max": TARGET_B2_RATIO, "rss_mib_max": TARGET_B2_RSS_MIB},
        "files": len(parts),
        "report_pages": report.pages,
        "evidence_pages": evidence_pages,
        "pages": expected,
        "input_bytes": report_pdf.stat().st_size + sum(f.stat().st_size for f in files),
        "app_bytes": app_dest.stat().st_size,
        "qpdf_bytes": base_dest.stat().st_size,
        "repeat": repeat,
        "app_s": [round(s, 3) for s in app_s],
        "baseline_s": [round(s, 3) for s in base_s],
        "app_s_median": round(app_median, 3),
        "baseline_s_median": round(base_median, 3),
        "ratio": round(app_median / base_median, 3),
        "app_child_wall_s_median": round(_median([r["wall"] for r in app_runs]), 3),
        "app_rss_before_mib": round(max(r["rss_before"] for r in app_runs) / MIB, 1),
        "app_peak_rss_mib": round(app_rss / MIB, 1),
        "baseline_peak_rss_mib": round(max(r for _, r in base_runs) / MIB, 1),
        "verify": verify,
        "verified": verified,
        "meets_time_target": app_median / base_median <= TARGET_B2_RATIO,
        "meets_rss_target": app_rss / MIB <= TARGET_B2_RSS_MIB,
    }
    if profile:
        profiled = _assemble_in_child({**job, "profile": True}, workdir / "assemble-profile.pkl")
        result["profile"] = {"seconds_under_cprofile": round(profiled["seconds"], 3), **profiled["profile"]}
    for path in (app_dest, base_dest):
        path.unlink()
    return result


# ------------------------------------------------------------------------------------------------------ B6


def run_b6(report: Any, data: Any, parts: Sequence[Any], workdir: Path, repeat: int) -> dict[str, Any]:
    from reports.archive import write_zip
    from reports.bundle import plan, write_report_alone
    from reports.export import REPORT_NAME, _zip_sources

    report_alone = workdir / REPORT_NAME
    write_report_alone(report, plan(report, data, parts, []), report_alone)
    sources = _zip_sources(data, report_alone, parts, [])
    app_dest, base_dest = workdir / "bundel-app.zip", workdir / "bundel-zipfile.zip"
    app_s: list[float] = []
    base_s: list[float] = []
    for rep in range(repeat):
        for which in ("base", "app") if rep % 2 == 0 else ("app", "base"):
            start = time.perf_counter()
            if which == "base":
                with zipfile.ZipFile(base_dest, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                    for source in sources:
                        archive.write(source.path, source.arcname)
                base_s.append(time.perf_counter() - start)
            else:
                rows = write_zip(app_dest, sources, generated_at=data.generated_at)
                app_s.append(time.perf_counter() - start)
    with zipfile.ZipFile(app_dest) as archive:
        names = archive.namelist()
        bad = archive.testzip()
        by_name = {i.filename: i for i in archive.infolist()}
    with zipfile.ZipFile(base_dest) as archive:
        base_names = archive.namelist()
    sizes_ok = all(by_name[s.arcname].file_size == s.path.stat().st_size for s in sources)
    hashes_ok = all(row.sha256 == _sha256(s.path) for row, s in zip(rows, sources, strict=True))
    verified = (
        bad is None
        and sizes_ok
        and hashes_ok
        and names[: len(sources)] == base_names
        and names[len(sources) :] == ["manifest.json", "manifest.csv"]
    )
    app_median, base_median = _median(app_s), _median(base_s)
    result = {
        "id": "B6",
        "what": "reports.archive.write_zip: report + evidence (STORED, manifest JSON/CSV, SHA-256 of converted files)",
        "baseline": "zipfile.ZipFile(ZIP_STORED).write(path, arcname) for the same files",
        "target": {"time_ratio_max": TARGET_B6_RATIO},
        "entries": len(sources),
        "input_bytes": sum(s.path.stat().st_size for s in sources),
        "app_bytes": app_dest.stat().st_size,
        "baseline_bytes": base_dest.stat().st_size,
        "repeat": repeat,
        "app_s": [round(s, 3) for s in app_s],
        "baseline_s": [round(s, 3) for s in base_s],
        "app_s_median": round(app_median, 3),
        "baseline_s_median": round(base_median, 3),
        "ratio": round(app_median / base_median, 3),
        "verified": verified,
        "meets_time_target": app_median / base_median <= TARGET_B6_RATIO,
    }
    for path in (app_dest, base_dest):
        path.unlink()
    return result


# ----------------------------------------------------------------------------------------------------- B10


def _app_settings(workdir: Path) -> dict[str, str]:
    """The settings both the benchmark's app and the worker use (everything inside ``workdir``)."""
    return {
        "DATABASE_URL": f"sqlite:///{workdir / 'mandiri.db'}",
        "STORAGE_ROOT": str(workdir / "store"),
        "EXPORT_ROOT": str(workdir / "exports"),
        "JOBS_BACKEND": "sqlite",
        "JOBS_SQLITE_PATH": str(workdir / "jobs.db"),
        "SOFFICE": "off",
        # Letters in front: the settings loader turns an all-digit value into an int.
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(32),
        "SECURITY_PASSWORD_SALT": "bench-" + secrets.token_urlsafe(16),
    }


def _worker_environ(settings: dict[str, str], workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANDIRI_")}
    env.update({f"MANDIRI_{k}": v for k, v in settings.items()})
    env["TMPDIR"] = str(workdir / "tmp")
    return env


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} tidak ditemukan (jalankan dengan .venv/bin/python)")
    return found


def populate(files: Sequence[CorpusFile], seed: int = SEED) -> tuple[int, int, list[int]]:
    """An spbe-2020 assessment with every indicator answered (300–900 words) and the corpus uploaded and linked
    (round robin, ~6 per indicator, every 10th document also under the next indicator); commits. Returns the
    assessment id, the koordinator's id and the blobs the upload page would hand to the background check."""
    from flask import current_app

    from assess.extensions import db
    from assess.models import Answer, DocType, RoleName
    from assess.queries.engine import engine_instrument
    from assess.services import evidence as evidence_service
    from assess.services.answers import save_level_answer
    from assess.services.evidence import Metadata
    from tests.factories import create_assessment, create_instansi, create_member
    from uploads.validation import Policy

    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    instansi = create_instansi("Pemerintah Kota Contoh")
    user = create_member(instansi, RoleName.KOORDINATOR)
    assessment = create_assessment(instansi)
    assessment.signatory_name = "Drs. Budi Santoso, M.Si."
    assessment.signatory_position = "Sekretaris Daerah"
    answers: dict[str, Answer] = {a.indicator.code: a for a in assessment.answers}
    codes = list(engine_instrument(assessment.instrument).indicators)
    levels = {code: rng.randint(1, 5) for code in codes}
    for code in codes:
        total = rng.randrange(300, 901)
        fakta_words = total // 2
        save_level_answer(
            answer=answers[code],
            expected_version=answers[code].version,
            level=levels[code],
            fakta=_words(rng, fakta_words, fakta_words),
            analisis=_words(rng, total - fakta_words, total - fakta_words),
            actor=user,
        )
    storage = current_app.extensions["storage"]
    policy = Policy(max_bytes=200 * MIB)
    homes = _assign(len(files), codes)
    to_check: list[int] = []
    for number, (f, code) in enumerate(zip(files, homes, strict=True), start=1):
        with open(f.path, "rb") as stream:
            evidence = evidence_service.upload(
                assessment=assessment,
                stream=stream,
                filename=f.path.name,
                meta=Metadata(title=f.path.stem.replace("-", " ").title(), doc_type=DocType.LAPORAN),
                user=user,
                storage=storage,
                policy=policy,
            )
        blob_id = evidence_service.pdf_to_check(evidence)
        if blob_id is not None:
            to_check.append(blob_id)
        evidence_service.link(
            answer=answers[code], evidence=evidence, level=levels[code], item=None, note="", user=user
        )
        if number % 10 == 0:
            other = codes[(codes.index(code) + 1) % len(codes)]
            evidence_service.link(
                answer=answers[other], evidence=evidence, level=levels[other], item=None, note="", user=user
            )
    db.session.commit()
    return assessment.id, user.id, to_check


def _background_checks(blob_ids: Sequence[int]) -> float:
    """Enqueue qpdf's full check of every uploaded PDF, as the upload page does; wait until the worker ran them
    all. Returns the seconds taken."""
    from sqlalchemy import func, select

    from assess import jobs
    from assess.extensions import db
    from assess.models import Blob

    start = time.perf_counter()
    for blob_id in blob_ids:
        jobs.check_evidence(blob_id)
    wanted = set(blob_ids)
    deadline = start + JOB_TIMEOUT_S
    while True:
        db.session.rollback()
        done = db.session.scalar(select(func.count()).where(Blob.id.in_(wanted), Blob.checked_at.is_not(None)))
        if done == len(wanted):
            return time.perf_counter() - start
        if time.perf_counter() > deadline:
            raise RuntimeError(f"pemeriksaan latar belum selesai setelah {JOB_TIMEOUT_S:.0f} s ({done}/{len(wanted)})")
        time.sleep(POLL_S)


def _forget_checks() -> None:
    """Every blob as if never checked: the next export runs qpdf's full check of every evidence PDF itself."""
    from sqlalchemy import update

    from assess.database import writing
    from assess.extensions import db
    from assess.models import Blob

    with writing():
        db.session.execute(update(Blob).values(checked_at=None, check_problem=None))
        db.session.commit()


def _start_worker(env: dict[str, str], log: Path, timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], Any]:
    """``mandiri worker``; ready when it says so (its renderer started, it takes jobs)."""
    from assess.cli import WORKER_READY

    handle = open(log, "wb")  # noqa: SIM115 - closed by _stop_worker
    process = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
        [_bin("mandiri"), "worker"],
        env={**env, "PYTHONUNBUFFERED": "1"},
        cwd=REPO,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            handle.close()
            raise RuntimeError(f"mandiri worker berhenti saat mulai ({process.returncode}):\n{log.read_text()[-2000:]}")
        if WORKER_READY in log.read_text(errors="replace"):
            return process, handle
        if time.monotonic() > deadline:
            _stop_worker(process, handle)
            raise RuntimeError(f"mandiri worker tidak siap dalam {timeout:.0f} s")
        time.sleep(0.05)


def _stop_worker(process: subprocess.Popen[bytes], handle: Any) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # Huey: graceful stop
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    handle.close()


def _export_row(export_id: int) -> Any:
    from assess.extensions import db
    from assess.models import Export

    db.session.rollback()
    return db.session.get(Export, export_id)


def _run_job(assessment_id: int, user_id: int, worker_pid: int) -> dict[str, Any]:
    """Request an export, commit, enqueue; wait for the worker to finish it. Timed end to end."""
    from assess import jobs
    from assess.database import writing
    from assess.extensions import db
    from assess.models import Assessment, ExportState, User
    from assess.services.exports import request_export

    rss_before = _proc_status(worker_pid, "VmRSS")
    tree_before = _tree_status(worker_pid, "VmRSS")
    tree_peak = tree_before
    pss_before = pss_peak = _tree_pss(worker_pid)
    start = time.perf_counter()
    with writing():
        assessment = db.session.get(Assessment, assessment_id)
        user = db.session.get(User, user_id)
        if assessment is None or user is None:
            raise RuntimeError("penilaian atau pengguna benchmark hilang")
        export_id = request_export(assessment, user).id
        db.session.commit()
    jobs.export_bundle(export_id)
    deadline = start + JOB_TIMEOUT_S
    while True:
        export = _export_row(export_id)
        if export is not None and export.state in (ExportState.DONE, ExportState.FAILED):
            break
        if time.perf_counter() > deadline:
            raise RuntimeError(f"ekspor #{export_id} belum selesai setelah {JOB_TIMEOUT_S:.0f} s")
        tree_peak = max(tree_peak, _tree_status(worker_pid, "VmRSS"))
        pss_peak = max(pss_peak, _tree_pss(worker_pid))
        time.sleep(POLL_S)
    seconds = time.perf_counter() - start
    if export.state != ExportState.DONE:
        raise RuntimeError(f"ekspor #{export_id} gagal: {export.error}")
    return {
        "export_id": export_id,
        "seconds": seconds,
        "queue_wait_s": (export.started_at - export.created_at).total_seconds(),
        "build_s": (export.finished_at - export.started_at).total_seconds(),
        "worker_rss_before": rss_before,
        "worker_peak_rss": _proc_status(worker_pid, "VmHWM"),
        "tree_rss_before": tree_before,
        # Sampled every POLL_S while the job ran: the whole tree's RSS at its largest.
        "tree_peak_rss": tree_peak,
        # Each process's own peak, summed (an upper bound: the peaks need not coincide).
        "tree_hwm_sum": _tree_status(worker_pid, "VmHWM"),
        "tree_pss_before": pss_before,
        "tree_pss_peak": pss_peak,
    }


def _profile_export(assessment_id: int, user_id: int) -> dict[str, Any]:
    """One more export of the assessment, run in this process under cProfile (the worker is stopped): where the
    job's own process spends its time (the report renders and the ZIP is written in its pool, not counted)."""
    from assess.database import writing
    from assess.extensions import db
    from assess.models import Assessment, User
    from assess.services import exports as export_service

    with writing():
        assessment = db.session.get(Assessment, assessment_id)
        user = db.session.get(User, user_id)
        if assessment is None or user is None:
            raise RuntimeError("penilaian atau pengguna benchmark hilang")
        export_id = export_service.request_export(assessment, user).id
        db.session.commit()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    export_service.run(export_id)
    profiler.disable()
    seconds = time.perf_counter() - start
    return {"seconds_under_cprofile": round(seconds, 3), **_profile_summary(profiler, top=40)}


def run_b10(
    files: Sequence[CorpusFile], prepped: Sequence[Prepped], workdir: Path, repeat: int, profile: bool = False
) -> dict[str, Any]:
    from flask_migrate import upgrade

    from assess import create_app
    from assess.database import writing
    from assess.extensions import db
    from assess.services import exports as export_service
    from assess.services.instruments import sync_instruments
    from reports.data import collect
    from reports.render import render_report

    home = workdir / "b10"
    (home / "tmp").mkdir(parents=True)
    settings = _app_settings(home)
    app = create_app(settings, environ={})
    prepared_by_sha = {p.file.sha256: p for p in prepped}
    worker: subprocess.Popen[bytes] | None = None
    log_handle: Any = None
    try:
        with app.app_context():
            with writing():
                upgrade()
                sync_instruments()
                db.session.commit()
            setup_start = time.perf_counter()
            with writing():
                assessment_id, user_id, to_check = populate(files)
            setup_s = time.perf_counter() - setup_start

            worker, log_handle = _start_worker(_worker_environ(settings, home), home / "worker.log")
            # What the upload page does after each upload: qpdf's full check of the PDF, in the worker.
            checks_s = _background_checks(to_check)
            job = _run_job(assessment_id, user_id, worker.pid)
            # A second export of the same assessment, as every export after the first.
            again = _run_job(assessment_id, user_id, worker.pid)
            # And one where no PDF was checked before (uploaded while the worker was down): the export checks them.
            _forget_checks()
            unchecked = _run_job(assessment_id, user_id, worker.pid)
            worker_rss_after = _proc_status(worker.pid, "VmRSS")
            _stop_worker(worker, log_handle)
            worker = None
            profiled = _profile_export(assessment_id, user_id) if profile else None

            export = _export_row(job["export_id"])
            name = export_service.file_name(export, "pdf")
            stored = export_service.folders().local_path(name) if name else None
            if stored is None:
                raise RuntimeError("PDF ekspor tidak ditemukan")
            stored_sha = _sha256(stored)
            stored_pages = page_count(stored)
            row = {
                "pdf_sha256": export.pdf_sha256,
                "pdf_pages": export.pdf_pages,
                "zip_size": export.zip_size,
                "problems": export.problems,
            }

            data = collect(assessment_id, generated_at=datetime.now(UTC))
            db.session.rollback()
            render_report(data)  # warm-up: WeasyPrint's fonts and caches, as in a worker that has rendered before
            render_s = []
            for _ in range(repeat):
                start = time.perf_counter()
                rendered = render_report(data)
                render_s.append(time.perf_counter() - start)
            report_pdf = home / "laporan.pdf"
            report_pdf.write_bytes(rendered.pdf)
            documents = [prepared_by_sha[e.file.sha256] for e in data.files_in_order() if e.file is not None]
            merged = home / "bundel-qpdf.pdf"
            qpdf_runs = [_qpdf_merge(report_pdf, [d.pdf_path for d in documents], merged) for _ in range(repeat)]
            expected_pages = rendered.pages + sum(d.pages for d in documents)
            qpdf_pages = page_count(merged)
    finally:
        if worker is not None:
            _stop_worker(worker, log_handle)
        with app.app_context():
            db.engine.dispose()
    render_median = _median(render_s)
    qpdf_median = _median([s for s, _ in qpdf_runs])
    baseline = render_median + qpdf_median
    verified = stored_sha == row["pdf_sha256"] and stored_pages == row["pdf_pages"] == expected_pages == qpdf_pages
    return {
        "id": "B10",
        "what": "export job end to end: request_export + commit + enqueue → `mandiri worker` (Huey, SQLite) → "
        "row 'selesai' (report, prepare every file, bundle, qpdf check, ZIP, summary)",
        "baseline": "render_report(collect(...)) median + qpdf merge of the rendered report and the same prepared "
        "files",
        "target": {"time_ratio_max": TARGET_B10_RATIO, "tree_pss_mib_max": TARGET_B10_MEMORY_MIB},
        "files": len(files),
        "repeat": repeat,
        "pages": stored_pages,
        "report_pages": rendered.pages,
        "setup_s": round(setup_s, 1),
        "app_s": round(job["seconds"], 3),
        "queue_wait_s": round(job["queue_wait_s"], 3),
        "build_s": round(job["build_s"], 3),
        "render_s": [round(s, 3) for s in render_s],
        "render_s_median": round(render_median, 3),
        "qpdf_s": [round(s, 3) for s, _ in qpdf_runs],
        "qpdf_s_median": round(qpdf_median, 3),
        "baseline_s": round(baseline, 3),
        "ratio": round(job["seconds"] / baseline, 3),
        "again_s": round(again["seconds"], 3),
        "again_build_s": round(again["build_s"], 3),
        "again_ratio": round(again["seconds"] / baseline, 3),
        "again_meets_time_target": again["seconds"] / baseline <= TARGET_B10_RATIO,
        "background_checks": len(to_check),
        "background_checks_s": round(checks_s, 3),
        "unchecked_s": round(unchecked["seconds"], 3),
        "unchecked_ratio": round(unchecked["seconds"] / baseline, 3),
        "unchecked_meets_time_target": unchecked["seconds"] / baseline <= TARGET_B10_RATIO,
        "worker_rss_before_mib": round(job["worker_rss_before"] / MIB, 1),
        "worker_peak_rss_mib": round(
            max(job["worker_peak_rss"], again["worker_peak_rss"], unchecked["worker_peak_rss"]) / MIB, 1
        ),
        "worker_rss_after_mib": round(worker_rss_after / MIB, 1),
        "tree_rss_before_mib": round(job["tree_rss_before"] / MIB, 1),
        "tree_peak_rss_mib": round(max(r["tree_peak_rss"] for r in (job, again, unchecked)) / MIB, 1),
        "tree_hwm_sum_mib": round(max(r["tree_hwm_sum"] for r in (job, again, unchecked)) / MIB, 1),
        "tree_pss_before_mib": round(job["tree_pss_before"] / MIB, 1),
        "tree_pss_peak_mib": round(max(r["tree_pss_peak"] for r in (job, again, unchecked)) / MIB, 1),
        "meets_memory_target": max(r["tree_pss_peak"] for r in (job, again, unchecked)) / MIB <= TARGET_B10_MEMORY_MIB,
        "pdf_sha256": stored_sha,
        "pdf_bytes": stored.stat().st_size,
        "zip_bytes": row["zip_size"],
        "problems": row["problems"],
        "verified": verified,
        "meets_time_target": job["seconds"] / baseline <= TARGET_B10_RATIO,
        **({"profile": profiled} if profiled is not None else {}),
    }


# ----------------------------------------------------------------------------------------------------- run


def run(
    scale: float = 1.0,
    repeat: int = 3,
    base_dir: Path | None = None,
    only: Sequence[str] = ("B2", "B6", "B10"),
    profile: bool = False,
    small_files: int | None = None,
) -> dict[str, Any]:
    """Generate the corpus, prepare it, run the selected benchmarks; the temporary directory is always removed.

    With ``small_files``, the corpus is that many small text PDFs (:func:`bench.corpus.generate_small`) instead of
    the mixed one (:func:`main` keeps the results under "B2-small", "B6-small", "B10-small")."""
    unknown = set(only) - {"B2", "B6", "B10"}
    if unknown or not only or repeat < 1:
        raise ValueError(f"pilihan tidak dikenal: {sorted(unknown)}" if unknown else "repeat ≥ 1 dan only tidak kosong")
    workdir = Path(tempfile.mkdtemp(prefix="mandiri-b2-", dir=base_dir))
    results: dict[str, Any] = {}
    try:
        start = time.perf_counter()
        if small_files is None:
            files = corpus.generate(workdir / "corpus", scale)
        else:
            files = corpus.generate_small(workdir / "corpus", small_files)
        generate_s = time.perf_counter() - start
        start = time.perf_counter()
        prepped = prepare_corpus(files, workdir / "prepared")
        prepare_s = time.perf_counter() - start
        common = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "scale": scale,
            "small_files": small_files,
            "seed": corpus.SEED,
            "corpus": {
                "files": len(files),
                "bytes": corpus.total_bytes(files),
                "kinds": {
                    ext: sum(1 for f in files if f.extension == ext) for ext in sorted({f.extension for f in files})
                },
                "generate_s": round(generate_s, 1),
                "prepare_s": round(prepare_s, 1),
            },
            "machine": _machine(),
            "load_average": os.getloadavg(),
        }
        if "B2" in only or "B6" in only:
            data, parts = synthetic_data(prepped)
            report = synthetic_report(data, workdir / "laporan-sintetis.pdf")
            if "B2" in only:
                results["B2"] = {**run_b2(report, data, parts, workdir, repeat, profile), **common}
            if "B6" in only:
                results["B6"] = {**run_b6(report, data, parts, workdir, repeat), **common}
        if "B10" in only:
            results["B10"] = {**run_b10(files, prepped, workdir, repeat, profile), **common}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def _yes(flag: bool) -> str:
    return "ok" if flag else "MISS"


def format_table(results: dict[str, Any]) -> str:
    lines = [f"{'':4} {'app s':>8} {'base s':>8} {'ratio':>6} {'target':>7}  {'RSS':<34} verification"]
    if "B2" in results:
        r = results["B2"]
        v = r["verify"]
        lines.append(
            f"{'B2':4} {r['app_s_median']:>8.3f} {r['baseline_s_median']:>8.3f} {r['ratio']:>5.2f}× "
            f"{'≤' + str(TARGET_B2_RATIO) + '×':>7}  "
            f"{'app ' + str(r['app_peak_rss_mib']) + ' / qpdf ' + str(r['baseline_peak_rss_mib']) + ' MiB':<34} "
            f"pages {v['app_pages']}={v['expected_pages']} ({r['report_pages']}+{r['evidence_pages']}), "
            f"qpdf --check {v['app_qpdf_check_exit']}, outline {v['app_outline_entries']}; "
            f"time {_yes(r['meets_time_target'])}, RSS {_yes(r['meets_rss_target'])}"
        )
    if "B6" in results:
        r = results["B6"]
        lines.append(
            f"{'B6':4} {r['app_s_median']:>8.3f} {r['baseline_s_median']:>8.3f} {r['ratio']:>5.2f}× "
            f"{'≤' + str(TARGET_B6_RATIO) + '×':>7}  {'-':<34} "
            f"{r['entries']} entries, {r['app_bytes'] / 1e6:.0f} MB, "
            f"CRC/size/SHA-256 {'ok' if r['verified'] else 'BAD'}; "
            f"time {_yes(r['meets_time_target'])}"
        )
    if "B10" in results:
        r = results["B10"]
        lines.append(
            f"{'B10':4} {r['app_s']:>8.3f} {r['baseline_s']:>8.3f} {r['ratio']:>5.2f}× "
            f"{'≤' + str(TARGET_B10_RATIO) + '×':>7}  "
            f"{'worker ' + str(r['worker_rss_before_mib']) + ' → peak ' + str(r['worker_peak_rss_mib']) + ' MiB':<34} "
            f"render {r['render_s_median']:.3f} + qpdf {r['qpdf_s_median']:.3f} s; queue {r['queue_wait_s']:.2f} s; "
            f"{r['pages']} pages, SHA-256 {'ok' if r['verified'] else 'BAD'}; time {_yes(r['meets_time_target'])}"
        )
        lines.append(
            f"{'B10′':4} {r['again_s']:>8.3f} {r['baseline_s']:>8.3f} {r['again_ratio']:>5.2f}× "
            f"{'≤' + str(TARGET_B10_RATIO) + '×':>7}  the same export again; time {_yes(r['again_meets_time_target'])}"
        )
        lines.append(
            f"{'B10″':4} {r['unchecked_s']:>8.3f} {r['baseline_s']:>8.3f} {r['unchecked_ratio']:>5.2f}× "
            f"{'≤' + str(TARGET_B10_RATIO) + '×':>7}  no PDF checked after its upload: the export runs qpdf's full "
            f"check of each; time {_yes(r['unchecked_meets_time_target'])}"
        )
        lines.append(
            f"{'':4} (B10 and B10′: the {r['background_checks']} uploaded PDFs were checked in the background first, "
            f"as after every upload: {r['background_checks_s']:.2f} s in all)"
        )
        lines.append(
            f"{'':4} whole tree (worker, render pool, qpdf…): {r['tree_rss_before_mib']} MiB before, peak sampled "
            f"{r['tree_peak_rss_mib']} MiB, Σ of each process's peak {r['tree_hwm_sum_mib']} MiB; "
            f"PSS (shared pages once) {r['tree_pss_before_mib']} → peak {r['tree_pss_peak_mib']} MiB "
            f"(target ≤ {TARGET_B10_MEMORY_MIB}: {_yes(r['meets_memory_target'])})"
        )
    head = next(iter(results.values()))
    corpus_info = head["corpus"]
    size = f"{head['small_files']} small text PDFs" if head.get("small_files") else f"scale {head['scale']}"
    lines.insert(
        0,
        f"Bundle benchmarks, {size}: {corpus_info['files']} files, "
        f"{corpus_info['bytes'] / 1e6:.0f} MB ({', '.join(f'{n} {k}' for k, n in corpus_info['kinds'].items())}); "
        f"median of {head['repeat']}",
    )
    if "B2" in results and "profile" in results["B2"]:
        lines.append("B2 assemble under cProfile (tottime):")
        lines += ["  " + line for line in results["B2"]["profile"]["tottime"][:20]]
    if "B10" in results and "profile" in results["B10"]:
        profiled = results["B10"]["profile"]
        lines.append(f"B10 export in this process under cProfile ({profiled['seconds_under_cprofile']} s):")
        for key in ("tottime", "cumulative"):
            lines.append(f"  by {key}:")
            lines += ["  " + line for line in profiled[key][:30]]
    return "\n".join(lines)


def write_results(path: Path, results: dict[str, Any]) -> None:
    """Merge ``results`` into ``path`` under their keys ("B2", "B6", "B10"); other keys are kept."""
    merge_results(path, results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bundle", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="corpus size (1.0: ~330 files, ~2,400 pages)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (default 3; the median is reported)")
    parser.add_argument("--only", default="B2,B6,B10", help="benchmarks to run, comma-separated")
    parser.add_argument(
        "--profile", action="store_true", help="also run assemble (B2) and one more export (B10) under cProfile"
    )
    parser.add_argument(
        "--small-files",
        type=int,
        default=None,
        metavar="N",
        help="instead of the mixed corpus, N small text PDFs of 4–13 pages (600: ~5,100 pages, ~9 MB); results "
        "kept as B2-small, B6-small, B10-small",
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="results file (merged)")
    parser.add_argument("--tmp", type=Path, default=None, help="where to make the temporary directory")
    parser.add_argument("--assemble-child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.assemble_child is not None:
        return _assemble_child(args.assemble_child)
    only = [s.strip().upper() for s in args.only.split(",") if s.strip()]
    if args.small_files is not None and args.small_files < 1:
        parser.error("--small-files harus ≥ 1")
    results = run(args.scale, args.repeat, args.tmp, only, args.profile, args.small_files)
    print(format_table(results))
    if args.small_files is not None:
        results = {f"{key}-small": value for key, value in results.items()}
    write_results(args.out, results)
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
