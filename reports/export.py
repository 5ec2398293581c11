"""Build one export (report → evidence → bundle PDF → checks → ZIP → summary) into a directory.

No database and no Flask request here: :func:`build` works from a :class:`reports.data.ReportData` and the evidence
storage, and reports progress through a callback. The caller (:mod:`assess.services.exports`) gives it a
temporary directory and renames that into place only after :func:`build` returned, so a killed build leaves
nothing but a temporary directory (swept later) and the previous export stays downloadable.
"""

from __future__ import annotations

import contextvars
import json
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import pikepdf

from assess.texts import Text, text
from reports import PDF_NAME, SUMMARY_NAME, ZIP_NAME, ExportError, heap
from reports.archive import ManifestRow, ZipSource, file_sha256, write_zip_hashed
from reports.bundle import Layout, Part, assemble, plan, write_report_alone
from reports.butir import Butir, write_butir_files
from reports.convert import Prepared, placeholder_pdf, prepare
from reports.data import EvidenceEntry, ReportData, StoredFile
from reports.layout import aside, release
from reports.render import RenderedReport, render_report
from uploads.storage import Storage
from uploads.validation import check_problem_text, full_pdf_check, qpdf_decode_limits

REPORT_NAME = "00_Laporan.pdf"
#: Outcomes that print the document as it is (or converted without loss of content); the rest are problems.
CLEAN_OUTCOMES = frozenset({"pdf", "image", "office"})


class Progress(Protocol):
    """Told of every step: its number, the total and a label (a stored text: the export's page shows it in its
    reader's language). ``minor`` marks one of many small steps (a document prepared), which a listener may skip
    when it reported a moment ago."""

    def __call__(self, step: int, total: int, label: Text, *, minor: bool = False) -> None: ...


class _Advance(Protocol):
    def __call__(self, label: Text, *, minor: bool = False) -> None: ...


@dataclass(frozen=True)
class FileOutcome:
    evidence_id: int
    indicator: str
    lampiran: int
    title: str
    original_name: str
    sha256: str
    outcome: str
    reason: str | None
    pages: int
    start_page: int  # 1-based page of the bundle


@dataclass(frozen=True)
class BuildResult:
    pdf_sha256: str
    pdf_size: int
    pages: int
    zip_sha256: str
    zip_size: int
    evidence_files: int
    problems: int
    summary: dict[str, Any]
    #: qpdf's full checks run in this build: SHA-256 → problem, or ``None`` when clean.
    checked: dict[str, str | None]


def _stored(entry: EvidenceEntry) -> StoredFile:
    if entry.file is None:
        raise ValueError(f"{entry.indicator} Lampiran {entry.lampiran} is a link, not a file")
    return entry.file


def _source_path(storage: Storage, entry: EvidenceEntry, workdir: Path) -> Path:
    stored = _stored(entry)
    return storage.local_copy(stored.storage_key, workdir / f"src-{entry.evidence_id}.{stored.extension}")


def _label(entry: EvidenceEntry) -> str:
    return f"{entry.indicator} · Lampiran {entry.lampiran}"


def _checked_source(part: Part, work: Path, found: dict[str, str | None]) -> Part:
    """An evidence PDF used as it is must pass qpdf's full check (every stream decoded): done once per file, in the
    background after its upload (:func:`assess.jobs.check_evidence`); a file not checked yet is checked here and
    what was found is added to ``found`` (SHA-256 → problem or ``None``), for the caller to keep. A document that
    fails is replaced by a page that says why."""
    stored = part.entry.file
    if part.prepared.outcome != "pdf" or stored is None:
        return part
    if stored.checked:
        problem = stored.check_problem
    elif stored.sha256 in found:
        problem = found[stored.sha256]
    else:
        problem = found[stored.sha256] = full_pdf_check(part.prepared.pdf_path)
    if problem is None:
        return part
    problem = check_problem_text(problem)  # a stored code, in the bundle's language
    dest = work / f"rusak-{part.entry.evidence_id}.pdf"
    pages = placeholder_pdf(
        dest,
        heading=f"{part.label}: {part.entry.title}",
        lines=[f"Berkas: {stored.original_name}", "Tidak dapat dicetak.", problem],
    )
    return Part(part.entry, Prepared("failed", dest, pages, problem, False), part.label, part.source)


def build(
    data: ReportData,
    *,
    storage: Storage,
    out_dir: Path,
    progress: Progress,
    logo: bytes | None = None,
    soffice: str | None = None,
    soffice_timeout: float = 120.0,
    butir: Sequence[Butir] | None = None,
    compress_scans: bool = False,
    portal_max_mb: int | None = None,
) -> BuildResult:
    """Write ``bundel.pdf``, ``bundel.zip`` and ``ringkasan.json`` into ``out_dir`` (which must be empty); with
    ``butir``, also the per-butir files of :mod:`reports.butir` (from the same prepared documents; their scans
    recompressed when ``compress_scans``, and any over ``portal_max_mb`` reported).

    The report renders (in its process pool) while this thread prepares and checks the evidence.
    The result lists what qpdf's full checks found of PDFs not checked before (see :func:`_checked_source`).
    """
    work = out_dir / "kerja"
    work.mkdir()
    documents = data.files_in_order()
    signed_entries = [e for e in (data.signed_minutes, data.signed_consent) if e is not None]
    total = len(documents) + len(signed_entries) + 5 + (butir is not None)
    step = 0

    def advance(label: Text, *, minor: bool = False) -> None:
        nonlocal step
        step += 1
        progress(step, total, label, minor=minor)

    def render() -> RenderedReport:
        try:
            return render_report(data, logo=logo, logo_mime=data.logo_mime)
        finally:
            # What WeasyPrint laid out stays in the pool's workers: they go as soon as the report is done, while the
            # evidence is still being prepared, and leave the memory to the bundle (a new worker writes the ZIP).
            release()
            # The parts were joined in this thread's own malloc arena, which the bundle (built in the caller's
            # thread) would not reuse: what they freed goes back to the system (35 MiB at 600 documents).
            heap.trim()

    advance(text("export.rendering"))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mandiri-report") as background:
        # The copied context carries the application context the report's template needs.
        rendering = background.submit(contextvars.copy_context().run, render)
        signed, parts = _prepare_all(data, documents, signed_entries, storage, work, advance, soffice, soffice_timeout)
        found: dict[str, str | None] = {}
        parts = [_checked_source(p, work, found) for p in parts]
        signed = [_checked_source(p, work, found) for p in signed]
        report: RenderedReport = rendering.result()

    advance(text("export.joining"))
    report_alone = work / REPORT_NAME
    write_report_alone(report, plan(report, data, parts, signed), report_alone)
    zip_tmp = out_dir / f".{ZIP_NAME}.tmp"
    sources = _zip_sources(data, report_alone, parts, signed)
    # The ZIP (file copying, CRC-32 and SHA-256) is written by an idle report worker while the bundle is assembled
    # and checked here: in a thread it would mostly wait for the GIL, which pikepdf holds while it works.
    zipping = aside(write_zip_hashed, zip_tmp, sources, data.generated_at)
    try:
        pdf_tmp = out_dir / f".{PDF_NAME}.tmp"
        layout = assemble(report, data, parts, signed, pdf_tmp)

        advance(text("export.checking"))
        _verify_bundle(pdf_tmp, report, layout, parts, signed)
        pdf_sha256 = file_sha256(pdf_tmp)

        advance(text("export.zipping"))
        manifest, zip_sha256 = zipping.result()
    finally:
        zipping.wait()  # on an error, the caller removes out_dir: not while the ZIP is being written there

    outcomes = _outcomes(parts, layout)
    summary = _summary(data, report, layout, outcomes, manifest, signed)
    pdf_path, zip_path = out_dir / PDF_NAME, out_dir / ZIP_NAME
    pdf_tmp.replace(pdf_path)
    zip_tmp.replace(zip_path)
    result = BuildResult(
        pdf_sha256=pdf_sha256,
        pdf_size=pdf_path.stat().st_size,
        pages=layout.pages,
        zip_sha256=zip_sha256,
        zip_size=zip_path.stat().st_size,
        evidence_files=len(parts),
        problems=sum(1 for o in outcomes if o.outcome not in CLEAN_OUTCOMES),
        summary=summary,
        checked=found,
    )
    summary["bundle"] = {"sha256": result.pdf_sha256, "size": result.pdf_size, "pages": result.pages}
    summary["zip"] = {"sha256": result.zip_sha256, "size": result.zip_size}
    if butir is not None:
        advance(text("export.butir"))
        printable = {p.entry.evidence_id: p.prepared.pdf_path for p in parts if p.prepared.outcome in CLEAN_OUTCOMES}
        made = write_butir_files(
            butir,
            printable,
            out_dir,
            generated_at=data.generated_at,
            compress=compress_scans,
            max_bytes=None if portal_max_mb is None else portal_max_mb * 1024 * 1024,
        )
        summary.update(made.summary(max_mb=portal_max_mb, compressed=compress_scans))
    (out_dir / SUMMARY_NAME).write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(work)
    advance(text("export.finished"))
    return result


def _verify_bundle(
    path: Path, report: RenderedReport, layout: Layout, parts: Sequence[Part], signed: Sequence[Part]
) -> None:
    """qpdf's checks of the bundle's structure and of the content stream of every page but those of evidence PDFs
    that passed qpdf's full check (see :func:`_checked_source`), whose data the bundle copies byte for byte; and
    the page count: the report and every printed document."""
    checked = {
        page
        for p in parts
        if p.prepared.outcome == "pdf"
        for page in range(layout.starts[p.entry.evidence_id], layout.starts[p.entry.evidence_id] + p.prepared.pages)
    }
    problems: list[str] = []
    with qpdf_decode_limits(), pikepdf.open(path) as pdf:
        pdf._check_document_structures()
        for number, page in enumerate(pdf.pages, start=1):
            if number - 1 in checked:
                continue
            try:
                pikepdf.parse_content_stream(page)
            except pikepdf.PdfError as exc:
                problems.append(f"ERROR: halaman {number}: {exc}")
        problems += [f"ERROR: {w}" for w in pdf.get_warnings() if "error" in w.lower()]
        if problems:
            raise ExportError(text("export.bundle_check_failed", problems="; ".join(problems[:5])))
        expected = report.pages + sum(p.prepared.pages for p in [*signed, *parts])
        if len(pdf.pages) != expected:
            raise ExportError(text("export.page_count", pages=len(pdf.pages)))


def _prepare_all(
    data: ReportData,
    documents: Sequence[EvidenceEntry],
    signed_entries: Sequence[EvidenceEntry],
    storage: Storage,
    work: Path,
    advance: _Advance,
    soffice: str | None,
    soffice_timeout: float,
) -> tuple[list[Part], list[Part]]:
    """Every printed document made ready to append: the signed scans, then the evidence in indicator order."""

    def part(entry: EvidenceEntry, label: str) -> Part:
        stored = _stored(entry)
        source = _source_path(storage, entry, work)
        prepared = prepare(
            source,
            extension=stored.extension,
            expected_sha256=stored.sha256,
            original_name=stored.original_name,
            title=entry.title,
            workdir=work,
            soffice=soffice,
            soffice_timeout=soffice_timeout,
            validated=True,  # every library file passed upload validation; the SHA-256 check proves the same bytes
        )
        return Part(entry, prepared, label, source)

    signed: list[Part] = []
    for entry in signed_entries:
        minutes = entry is data.signed_minutes
        label = "Berita Acara (ditandatangani)" if minutes else "Persetujuan Publikasi (ditandatangani)"
        what = text("export.signed_minutes" if minutes else "export.signed_consent")
        advance(text("export.preparing_signed", what=what))
        signed.append(part(entry, label))
    parts: list[Part] = []
    for number, entry in enumerate(documents, start=1):
        advance(text("export.preparing_document", n=number, total=len(documents), title=entry.title), minor=True)
        parts.append(part(entry, _label(entry)))
    return signed, parts


def _zip_sources(
    data: ReportData, report_alone: Path, parts: Sequence[Part], signed: Sequence[Part]
) -> list[ZipSource]:
    by_id = {p.entry.evidence_id: p for p in parts}
    sources = [
        ZipSource(report_alone, REPORT_NAME, "", None, None, None, data.title, REPORT_NAME, None, "laporan"),
    ]
    for part in signed:
        sources.append(_zip_source(part, f"00_{part.entry.portal_stem}", ""))
    for section in data.sections:
        for entry in section.evidence:
            printed = by_id.get(entry.evidence_id)
            if printed is not None:
                sources.append(_zip_source(printed, f"{section.code}/{entry.portal_stem}", section.code, entry))
    return sources


def _zip_source(part: Part, stem: str, indicator: str, listed: EvidenceEntry | None = None) -> ZipSource:
    entry = listed or part.entry
    stored = _stored(part.entry)
    prepared = part.prepared
    if prepared.outcome == "pdf":
        path, extension, known = prepared.pdf_path, "pdf", stored.sha256
    elif prepared.outcome in ("image", "office"):
        path, extension, known = prepared.pdf_path, "pdf", None
    elif prepared.verified:  # not printable, or not readable as it is: the original travels in the ZIP
        path, extension, known = part.source, stored.extension, stored.sha256
    else:  # missing or altered bytes are never passed on: the page that says why
        path, extension, known = prepared.pdf_path, "pdf", None
    return ZipSource(
        path=path,
        arcname=f"{stem}.{extension}",
        indicator=indicator,
        level=entry.level,
        butir=entry.item_code,
        lampiran=entry.lampiran or None,
        title=entry.title,
        original_name=stored.original_name,
        source_sha256=stored.sha256,
        outcome=prepared.outcome,
        sha256=known,
    )


def _outcomes(parts: Sequence[Part], layout: Layout) -> list[FileOutcome]:
    return [
        FileOutcome(
            evidence_id=p.entry.evidence_id,
            indicator=p.entry.indicator,
            lampiran=p.entry.lampiran,
            title=p.entry.title,
            original_name=p.entry.file.original_name if p.entry.file else "",
            sha256=p.entry.file.sha256 if p.entry.file else "",
            outcome=p.prepared.outcome,
            reason=p.prepared.reason,
            pages=p.prepared.pages,
            start_page=layout.starts[p.entry.evidence_id] + 1,
        )
        for p in parts
    ]


def _summary(
    data: ReportData,
    report: RenderedReport,
    layout: Layout,
    outcomes: Sequence[FileOutcome],
    manifest: Sequence[ManifestRow],
    signed: Sequence[Part],
) -> dict[str, Any]:
    return {
        "assessment_id": data.assessment_id,
        "instansi": data.instansi_name,
        "instrument": data.instrument_code,
        "year": data.year,
        "draft": data.draft,
        "generated_at": data.generated_at.isoformat(),
        "index": data.score.index_display,
        "predikat": data.score.predikat,
        "pages": {"report": report.pages, "signed": layout.signed_pages, "total": layout.pages},
        "outline_entries": layout.outline_entries,
        "signed": [
            {"title": p.entry.title, "outcome": p.prepared.outcome, "reason": p.prepared.reason} for p in signed
        ],
        "files": [asdict(o) for o in outcomes],
        "problems": [asdict(o) for o in outcomes if o.outcome not in CLEAN_OUTCOMES],
        "indicator_pages": {code: [p + 1 for p in pages] for code, pages in layout.indicator_pages.items()},
        "zip_entries": len(manifest) + 2,
        "refused_urls": list(report.refused),
    }
