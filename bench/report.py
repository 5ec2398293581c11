"""B1: render the report PDF of a full assessment: time and peak memory, 47 and about 200 indicators.

The report data is built without a database, from the real spbe-2020 instrument and its scoring engine:
every indicator answered, a penjelasan of 300–900 Indonesian words (seeded; FAKTA and ANALISIS together, as
QUALITY.md describes it), about six documents per indicator (one of them a link, one listed again from an
earlier indicator), a review summary per indicator. The ~200-indicator case repeats the 47 indicators under new
codes, to show how time grows.

Each repetition runs in a fresh process (``python -m bench.report --child …``), which renders cold (the first
render, starting the pool of worker processes of :mod:`reports.layout`), then :data:`WARM_RENDERS` times warm (the
pool already running, as in a job worker that called ``warm_up()``), then once more with memory sampled (reading the
processes' memory maps takes CPU time, so no time is taken then). Times are taken around
``reports.render.render_report`` alone (the HTML, the parallel layout, the join), not the imports. Memory is sampled
with psutil every :data:`SAMPLE_S` seconds: the peak RSS of the measuring process, of its children (the fork server
and the workers, summed) and of the whole tree; RSS counts pages shared between the workers once per process, so the
PSS of the tree (shared pages divided between the processes sharing them) is reported too, and the render's own
footprint: that peak PSS less what the measuring process held before the first render (the app, the instrument and
the test data, held whether or not a report is rendered).
Targets (QUALITY.md): 47 indicators ≤ 3 s and ≤ 250 MiB; 200 indicators ≤ 10 s (the median of every warm render;
the footprint).

    .venv/bin/python -m bench.report [--sizes 47,200] [--repeat 3] [--out bench-results.json]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import merge_results

if TYPE_CHECKING:
    from reports.data import ReportData

MIB = 1024 * 1024
REPO = Path(__file__).resolve().parent.parent
SEED = 20261130
#: indicators → (seconds, MiB or None) targets.
TARGETS: dict[int, tuple[float, float | None]] = {47: (3.0, 250.0), 200: (10.0, None)}
CHILD_TIMEOUT_S = 900
SAMPLE_S = 0.05
#: Warm renders per process (the figure is the median of all of them, over every repetition).
WARM_RENDERS = 3
VOCABULARY = (
    "pemerintah daerah layanan sistem elektronik kebijakan internal arsitektur aplikasi data informasi tata "
    "kelola penyelenggaraan dokumen peraturan bupati wali kota telah ditetapkan melalui dengan dan yang untuk "
    "pada dalam integrasi keamanan audit evaluasi pemantauan inovasi perangkat organisasi dinas komunikasi "
    "informatika rencana induk peta rencana anggaran pelaksanaan kegiatan tahun sebelumnya seluruh unit kerja "
    "pusat pengelolaan jaringan intra pemerintah pusat data nasional interoperabilitas standar prosedur "
    "operasional sumber daya manusia kompetensi pelatihan sertifikasi pegawai aparatur sipil negara "
    "koordinasi forum kolaborasi pengembangan berbagi pakai kode sumber terbuka domain resmi surat keputusan "
    "tim koordinasi laporan reviu capaian target indikator kinerja utama berbasis risiko manajemen perubahan "
    "pengetahuan digital publik masyarakat pengaduan perizinan kepegawaian keuangan barang milik arsip"
)
WORDS = tuple(VOCABULARY.split())
DOC_TITLES = (
    "Peraturan Bupati tentang Tata Kelola SPBE",
    "Keputusan Bupati tentang Tim Koordinasi SPBE",
    "Rencana Induk SPBE 2024–2028",
    "Notulen Rapat Koordinasi SPBE",
    "Laporan Reviu Arsitektur SPBE",
    "Standar Operasional Prosedur Layanan",
    "Tangkapan Layar Aplikasi Layanan",
    "Manual Pengguna Aplikasi",
)
DOC_TYPES = ("Peraturan/keputusan", "Dokumen perencanaan", "Laporan reviu/evaluasi", "Notulen", "Manual")


# ------------------------------------------------------------------------------------------------ test data


def _prose(rng: random.Random, words: int) -> str:
    """Seeded Indonesian-looking text: sentences of 8–20 words, paragraphs of 3–6 sentences."""
    paragraphs: list[str] = []
    sentences: list[str] = []
    left = words
    while left > 0:
        n = min(left, rng.randint(8, 20))
        left -= n
        sentence = " ".join(rng.choice(WORDS) for _ in range(n))
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        if len(sentences) >= rng.randint(3, 6):
            paragraphs.append(" ".join(sentences))
            sentences = []
    if sentences:
        paragraphs.append(" ".join(sentences))
    return "\n".join(paragraphs)


def build_data(indicators: int = 47, seed: int = SEED) -> ReportData:
    """A realistic :class:`ReportData` of ``indicators`` indicators (the 47 of spbe-2020, repeated under new codes)."""
    from assess.instruments import load_instrument
    from assess.queries import AspectGroup, DomainGroup, IndicatorRow
    from assess.scoring import score
    from assess.services.planning import bar_values, radar
    from reports.data import (
        EvidenceEntry,
        IndicatorSection,
        ReportData,
        Signatory,
        StoredFile,
        evidence_entry,
        indicator_section,
        report_bars,
        review_summary,
        slug,
    )

    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    inst = load_instrument("spbe-2020")
    base = list(inst.indicators.values())
    values: dict[str, Fraction | None] = {code: Fraction(rng.randint(1, 5)) for code in inst.indicators}
    s = score(inst, values, None, year=2026)

    sections: list[IndicatorSection] = []
    homes: list[EvidenceEntry] = []
    next_id = 1
    for n in range(indicators):
        ind = base[n % len(base)]
        code = ind.code if n < len(base) else f"I{n + 1}"
        value = values[ind.code]
        assert value is not None  # noqa: S101 - every indicator is answered above
        level = int(value)
        entries: list[EvidenceEntry] = []
        earlier = list(homes)
        for lampiran in range(1, rng.randint(5, 7) + 1):
            if lampiran == 2 and earlier:  # a document already printed under an earlier indicator
                home = rng.choice(earlier)
                entries.append(replace(home, indicator=code, lampiran=lampiran, portal_stem=""))
                continue
            title = f"{rng.choice(DOC_TITLES)} {next_id}"
            is_link = lampiran == 3
            entry = evidence_entry(
                evidence_id=next_id,
                indicator=code,
                lampiran=lampiran,
                title=title,
                doc_type=rng.choice(DOC_TYPES),
                number=None if is_link else f"{rng.randint(1, 60)}/{rng.randint(2019, 2026)}",
                doc_date=None if is_link else date(rng.randint(2020, 2026), rng.randint(1, 12), rng.randint(1, 28)),
                kind="link" if is_link else "file",
                url=f"https://layanan.kabupaten-contoh.go.id/aplikasi/{next_id}" if is_link else None,
                level=rng.randint(1, level),
                item_code=None,
                note=rng.choice(("", "hal. 3–5", "Pasal 4 ayat (2)")),
                file=None
                if is_link
                else StoredFile(
                    sha256=hashlib.sha256(f"{seed}-{next_id}".encode()).hexdigest(),
                    size=rng.randint(40_000, 4_000_000),
                    extension="pdf",
                    mime="application/pdf",
                    storage_key=f"bench/{next_id}",
                    original_name=f"{slug(title)}.pdf",
                    pages=rng.randint(1, 40),
                ),
                portal_stem=f"{code}_L{level}_{lampiran:02d}_{slug(title)}",
            )
            next_id += 1
            entries.append(entry)
            if not is_link:
                homes.append(entry)
        # QUALITY.md: a penjelasan of 300–900 words, its FAKTA and its ANALISIS together.
        words = rng.randint(300, 900)
        fakta_words = words * rng.randint(40, 60) // 100
        sections.append(
            indicator_section(
                inst,
                ind,
                code=code,
                value=value,
                source=rng.choice(("final", "final", "reviewer", "claimed")),
                fakta=_prose(rng, fakta_words),
                analisis=_prose(rng, words - fakta_words),
                marks={},
                evidence=tuple(entries),
                review=review_summary(
                    inst,
                    claimed=value,
                    reviewer=value,
                    final=value,
                    reviewer_note=_prose(rng, rng.randint(10, 40)),
                    final_reason="",
                    open_comments=rng.randint(0, 2),
                    resolved_comments=rng.randint(0, 5),
                ),
            )
        )

    def row(code: str) -> IndicatorRow:
        ind, value = inst.indicators[code], s.values[code]
        level_name = inst.level_scales[ind.scale].level(int(value)).name
        return IndicatorRow(
            answer_id=0,
            code=code,
            asesor_code=ind.asesor_code,
            name=ind.short_name,
            weight=ind.weight,
            value=value,
            value_display=str(int(value)),
            level_name=level_name,
            state="final",
            unit=None,
            person=None,
            external=False,
        )

    groups = tuple(
        DomainGroup(
            d.code,
            d.name,
            d.weight,
            s.domains[d.code].display,
            s.domains[d.code].predikat,
            tuple(
                AspectGroup(
                    a,
                    inst.aspects[a].name,
                    inst.aspects[a].weight,
                    s.aspects[a].display,
                    s.aspects[a].predikat,
                    tuple(row(c) for c in inst.aspects[a].indicators),
                )
                for a in d.aspects
            ),
        )
        for d in inst.domains.values()
    )
    base_values = dict(bar_values(inst, s))
    bars = report_bars(
        [(sec.code, base_values[base[n % len(base)].code]) for n, sec in enumerate(sections)], inst.scale_max
    )
    return ReportData(
        assessment_id=1,
        year=2026,
        state="final",
        draft=False,
        instansi_name="Pemerintah Kabupaten Contoh",
        instansi_kind="kabupaten",
        logo_key=None,
        logo_mime=None,
        instrument_code=inst.code,
        instrument_title=inst.title,
        regulation=inst.regulation,
        provisional=inst.provisional,
        provisional_note=inst.provisional_note,
        value_type=inst.value_type,
        scale_max=inst.scale_max,
        generated_at=datetime(2026, 11, 30, 3, 0, tzinfo=UTC),
        signatory=Signatory("Dr. Andi Pratama, M.Si.", "Sekretaris Daerah", "197001011995031001", "Kota Contoh"),
        signed_minutes=None,
        signed_consent=None,
        score=s,
        groups=groups,
        radar=radar([(a.name, a.value) for a in s.aspects.values()], inst.scale_max),
        bars=bars,
        sections=tuple(sections),
        include_review=True,
    )


# ----------------------------------------------------------------------------------------------- one render


class MemorySampler:
    """Peak RSS of this process, of its descendants (summed) and of both together, and the peak PSS of the tree
    (shared pages divided between the processes sharing them), sampled in a thread."""

    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process()
        self.errors = (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess)
        self.peak_self = self.peak_children = self.peak_tree = self.peak_tree_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        own = self.process.memory_full_info()
        children = children_pss = 0
        for child in self.process.children(recursive=True):
            with contextlib.suppress(*self.errors):
                info = child.memory_full_info()
                children += info.rss
                children_pss += info.pss
        self.peak_self = max(self.peak_self, own.rss)
        self.peak_children = max(self.peak_children, children)
        self.peak_tree = max(self.peak_tree, own.rss + children)
        self.peak_tree_pss = max(self.peak_tree_pss, own.pss + children_pss)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            self.sample()

    def __enter__(self) -> MemorySampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def child(indicators: int, seed: int, pdf_path: Path | None) -> dict[str, Any]:
    """A cold and a warm render in this (fresh) process; what the parent reads back as JSON."""
    import psutil

    from assess import create_app
    from reports.render import pool_size, render_report

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.db'}",
                "SECRET_KEY": "bench-secret",
                "SECURITY_PASSWORD_SALT": "bench-salt",
                "STORAGE_ROOT": str(Path(tmp) / "evidence"),
            },
            environ={},
        )
        data = build_data(indicators, seed)
        with app.app_context():
            before = psutil.Process().memory_info().rss / MIB
            start = time.perf_counter()
            cold = render_report(data)
            cold_s = time.perf_counter() - start
            warm: list[float] = []
            for _ in range(WARM_RENDERS):
                start = time.perf_counter()
                report = render_report(data)
                warm.append(time.perf_counter() - start)
            # Memory is sampled in a render of its own: reading the processes' memory maps takes CPU time.
            with MemorySampler() as memory:
                render_report(data)
    if pdf_path is not None:
        pdf_path.write_bytes(report.pdf)
    return {
        "cold_s": cold_s,
        "render_s": warm,
        "same_pdf": cold.pdf == report.pdf,
        "workers": pool_size(),
        "pages": report.pages,
        "pdf_bytes": len(report.pdf),
        "pdf_ok": report.pdf.startswith(b"%PDF-"),
        "anchors": len(report.anchors),
        "refused": len(report.refused),
        "rss_before_mib": before,
        "peak_rss_mib": memory.peak_self / MIB,
        "peak_children_rss_mib": memory.peak_children / MIB,
        "peak_tree_rss_mib": memory.peak_tree / MIB,
        "peak_tree_pss_mib": memory.peak_tree_pss / MIB,
    }


def _run_child(indicators: int, seed: int, pdf_path: Path | None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.report", "--child", str(indicators), "--seed", str(seed)]
    if pdf_path is not None:
        cmd += ["--pdf", str(pdf_path)]
    done = subprocess.run(  # noqa: S603 - this module, fixed arguments
        cmd, cwd=REPO, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"render {indicators} indikator gagal ({done.returncode}):\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ----------------------------------------------------------------------------------------------- measuring


def measure(indicators: int, repeat: int, pdf_path: Path | None) -> dict[str, Any]:
    runs = [_run_child(indicators, SEED, pdf_path if i == repeat - 1 else None) for i in range(repeat)]
    times = [t for r in runs for t in r["render_s"]]
    median = statistics.median(times)
    colds = [r["cold_s"] for r in runs]
    peak = max(r["peak_tree_pss_mib"] for r in runs)
    # What the render itself holds: the tree's peak PSS less what this process held before rendering (the app,
    # the instrument and the test data, there whether or not a report is rendered).
    footprint = max(r["peak_tree_pss_mib"] - r["rss_before_mib"] for r in runs)
    time_target, rss_target = TARGETS.get(indicators, (None, None))
    return {
        "indicators": indicators,
        "repeat": repeat,
        "workers": runs[0]["workers"],
        "cold_s": [round(t, 3) for t in colds],
        "cold_s_median": round(statistics.median(colds), 3),
        "render_s": [round(t, 3) for t in times],
        "render_s_median": round(median, 3),
        "ms_per_indicator": round(median * 1000 / indicators, 1),
        "deterministic": all(r["same_pdf"] for r in runs),
        "pages": runs[0]["pages"],
        "pdf_bytes": runs[0]["pdf_bytes"],
        "pdf_ok": all(r["pdf_ok"] for r in runs),
        "anchors": runs[0]["anchors"],
        "refused": max(r["refused"] for r in runs),
        "rss_before_mib": round(min(r["rss_before_mib"] for r in runs), 1),
        "peak_rss_mib": round(max(r["peak_rss_mib"] for r in runs), 1),
        "peak_children_rss_mib": round(max(r["peak_children_rss_mib"] for r in runs), 1),
        "peak_tree_rss_mib": round(max(r["peak_tree_rss_mib"] for r in runs), 1),
        "peak_tree_pss_mib": round(peak, 1),
        "render_footprint_mib": round(footprint, 1),
        "target_s": time_target,
        "target_rss_mib": rss_target,
        "meets_time_target": None if time_target is None else median <= time_target,
        "meets_rss_target": None if rss_target is None else footprint <= rss_target,
    }


def run(sizes: list[int], repeat: int = 3, pdf_dir: Path | None = None) -> dict[str, Any]:
    """Measure every size; with ``pdf_dir`` the last PDF of each size is kept there (``report-<n>.pdf``)."""
    rows = [measure(n, repeat, pdf_dir / f"report-{n}.pdf" if pdf_dir else None) for n in sizes]
    return {
        "id": "B1",
        "what": "render the report PDF (Jinja → WeasyPrint in parallel parts, tagged, joined with pikepdf) of "
        "spbe-2020 with full penjelasan and documents",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "rows": rows,
    }


# ------------------------------------------------------------------------------------------------ reporting


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("ok" if ok else "MISS")


def format_table(result: dict[str, Any]) -> str:
    lines = [
        f"B1 report PDF render, fresh process per repetition (cold, then {WARM_RENDERS} warm): medians over "
        f"{result['rows'][0]['repeat']} repetitions; RSS peaks: this process / its children / both",
        f"{'indicators':>10} {'workers':>7} {'pages':>6} {'PDF KiB':>8} {'cold s':>7} {'warm s':>7} {'ms/ind':>7} "
        f"{'RSS before':>10} {'RSS peak (self/children/tree)':>48}  targets (warm, render)",
    ]
    for r in result["rows"]:
        target = ""
        if r["target_s"] is not None:
            target = f"≤{r['target_s']:g} s {_verdict(r['meets_time_target'])}"
        if r["target_rss_mib"] is not None:
            target += f", ≤{r['target_rss_mib']:g} MiB {_verdict(r['meets_rss_target'])}"
        peaks = (
            f"{r['peak_rss_mib']:.0f} / {r['peak_children_rss_mib']:.0f} / {r['peak_tree_rss_mib']:.0f} MiB "
            f"(PSS {r['peak_tree_pss_mib']:.0f}, render {r['render_footprint_mib']:.0f})"
        )
        lines.append(
            f"{r['indicators']:>10} {r['workers']:>7} {r['pages']:>6} {r['pdf_bytes'] / 1024:>8.0f} "
            f"{r['cold_s_median']:>7.3f} {r['render_s_median']:>7.3f} {r['ms_per_indicator']:>7.1f} "
            f"{r['rss_before_mib']:>6.1f} MiB {peaks:>48}  {target}"
        )
    return "\n".join(lines)


def write_results(path: Path, result: dict[str, Any]) -> None:
    """Merge ``result`` into ``path`` under the key "B1" (other benchmarks' keys are kept)."""
    merge_results(path, {"B1": result})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="47,200", help="indicators, comma-separated (default 47,200)")
    parser.add_argument("--repeat", type=int, default=3, help="renders per size (default 3; the median is reported)")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"), help="results file (merged)")
    parser.add_argument("--keep-pdf", type=Path, default=None, help="folder to keep the last PDF of each size in")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    parser.add_argument("--pdf", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child, args.seed, args.pdf)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    result = run(sizes, args.repeat, args.keep_pdf)
    print(format_table(result))
    write_results(args.out, result)
    print(f"→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
