"""The report PDF of real assessments: structure, metadata, tags, escaping, bundle links, DRAF, R7 limits."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pikepdf
import pytest
from flask import Flask

from assess.models import Assessment, AssessmentState, DocType, Evidence
from assess.services import evidence as evidence_service
from assess.services.answers import ItemInput, save_graded_answer
from assess.services.assessments import set_claimed_value
from reports import layout as layout_module
from reports.data import ReportData, collect
from reports.render import RenderedReport, render_report, report_html, split_sections
from tests.factories import create_assessment, create_instansi
from tests.functional.helpers import pdf_bytes
from tests.worlds import build_world

GENERATED = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
HOSTILE_FAKTA = "<script>alert('x')</script>\nBaris kedua fakta."
HOSTILE_ANALISIS = '<img src="file:///etc/passwd"> analisis & <b>tebal</b>'
FIXED_ANCHORS = ("sampul", "berita-acara", "persetujuan", "daftar-isi", "ringkasan")


# ------------------------------------------------------------------------------------------------ reading PDFs


def _cmap(font: Any) -> dict[int, str]:
    """Code → text of a font's /ToUnicode CMap (bfchar and bfrange, two-byte codes as WeasyPrint writes)."""
    mapping: dict[int, str] = {}
    if "/ToUnicode" not in font:
        return mapping
    text = font.ToUnicode.read_bytes().decode("latin-1")

    def uni(hexa: str) -> str:
        return bytes.fromhex(hexa).decode("utf-16-be", errors="replace")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = uni(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(dst, 16)
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


def _text_pikepdf(pdf: pikepdf.Pdf) -> str:
    """Page text from the content streams and the fonts' ToUnicode maps (when pdftotext is not installed)."""
    pages = []
    for page in pdf.pages:
        fonts: Any = page.Resources.get("/Font", {})
        maps = {str(name): _cmap(font) for name, font in fonts.items()}
        current: dict[int, str] = {}
        out: list[str] = []
        for instruction in pikepdf.parse_content_stream(page):
            operands, op = instruction.operands, str(instruction.operator)
            if op == "Tf":
                current = maps.get(str(operands[0]), {})
            elif op in ("Tj", "TJ"):
                parts = operands[0] if op == "TJ" else [operands[0]]
                for part in parts:
                    if isinstance(part, pikepdf.String):
                        raw = bytes(part)
                        out.extend(
                            current.get(int.from_bytes(raw[i : i + 2], "big"), "") for i in range(0, len(raw), 2)
                        )
            elif op in ("ET", "Td", "TD", "T*"):
                out.append(" ")
        pages.append("".join(out))
    return "\n".join(pages)


def pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext"):
        command = ["pdftotext", "-", "-"]  # the PDF on stdin, the text on stdout
        done = subprocess.run(command, input=data, capture_output=True, check=True, timeout=60)  # noqa: S603
        return done.stdout.decode("utf-8", errors="replace")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return _text_pikepdf(pdf)


def uris(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            if action is not None and "/URI" in action:
                found.append(bytes(action.URI).decode("latin-1"))
    return found


# ------------------------------------------------------------------------------------------------ data


def _answer(assessment: Any, code: str) -> Any:
    return next(a for a in assessment.answers if a.indicator.code == code)


@dataclass(frozen=True)
class Reported:
    assessment: Assessment
    #: A PDF, the home of I1 and referenced by I2; and a web page linked to I1.
    doc: Evidence
    web: Evidence


@pytest.fixture
def spbe(app: Flask, db: Any) -> Reported:
    world = build_world(name="Pemerintah Kota Uji Laporan", units=(), members=("koordinator",), outsider=())
    assessment, koordinator = world.assessment, world.koordinator
    set_claimed_value(_answer(assessment, "I1"), 3, fakta=HOSTILE_FAKTA, analisis=HOSTILE_ANALISIS)
    set_claimed_value(_answer(assessment, "I2"), 2, fakta="Kebijakan sudah ditetapkan.", analisis="Perlu reviu.")
    set_claimed_value(_answer(assessment, "I3"), 4)
    doc = evidence_service.upload(
        assessment=assessment,
        stream=io.BytesIO(pdf_bytes(2)),
        filename="perwali-spbe.pdf",
        meta=evidence_service.Metadata(title="Peraturan Wali Kota tentang SPBE", doc_type=DocType.PERATURAN),
        user=koordinator,
        storage=app.extensions["storage"],
        policy=app.extensions["upload_policy"],
    )
    web = evidence_service.add_link(
        assessment=assessment,
        url="https://layanan.kota-uji.go.id/portal",
        meta=evidence_service.Metadata(title="Portal layanan", doc_type=DocType.LAINNYA),
        access_note=None,
        user=koordinator,
    )
    for code in ("I1", "I2"):
        evidence_service.link(
            answer=_answer(assessment, code), evidence=doc, level=3, item=None, note="", user=koordinator
        )
    evidence_service.link(answer=_answer(assessment, "I1"), evidence=web, level=2, item=None, note="", user=koordinator)
    db.session.commit()
    return Reported(assessment, doc, web)


def _render(data: ReportData) -> tuple[RenderedReport, str]:
    report = render_report(data)
    return report, pdf_text(report.pdf)


# ------------------------------------------------------------------------------------------------ tests


def test_spbe_report_structure_metadata_and_links(spbe: Reported) -> None:
    data = collect(spbe.assessment.id, include_review=True, generated_at=GENERATED)
    report, text = _render(data)

    assert report.refused == ()
    with pikepdf.open(io.BytesIO(report.pdf)) as pdf:
        assert len(pdf.pages) == report.pages
        assert str(pdf.docinfo["/Title"]) == data.title
        assert str(pdf.docinfo["/Author"]) == "Pemerintah Kota Uji Laporan"
        subject = str(pdf.docinfo["/Subject"])
        assert subject.startswith("Penilaian mandiri Indeks SPBE")
        assert re.search(r"indeks \d,\d\d \(", subject)
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root
        links = uris(pdf)
    assert links.count(f"mandiri-bundle:ev/{spbe.doc.id}") == 2  # home (I1) and the reference in I2
    assert not any(link.startswith("mandiri-bundle:ev/") and link.endswith(str(spbe.web.id)) for link in links)
    assert "https://layanan.kota-uji.go.id/portal" in links

    expected = [*FIXED_ANCHORS, *(s.anchor for s in data.sections)]
    assert list(report.anchors) == expected
    pages = [report.anchors[name] for name in expected]
    assert pages == sorted(pages)
    assert len(set(pages)) == len(pages)  # every section starts on its own page
    assert pages[0] == 0

    assert "DRAF" in text
    assert "30 November 2026" in text
    assert re.search(r"\b\d,\d\d\b", text)
    assert "<script>alert('x')</script>" in text
    (reference,) = data.sections[1].evidence
    assert not reference.is_home
    assert f"lihat I1 Lampiran {reference.home_lampiran}" in " ".join(text.split())
    assert "Belum ada data dukung yang ditautkan" in text
    assert "Deskripsi indikator" not in text
    html = report_html(data, "indicators")
    assert 'class="description"' not in html
    assert "&lt;script&gt;" in html
    assert '<img src="file:' not in html


def test_final_report_has_no_draft_mark(spbe: Reported, db: Any) -> None:
    spbe.assessment.state = AssessmentState.FINAL
    db.session.commit()
    data = collect(spbe.assessment.id, generated_at=GENERATED)
    assert data.draft is False
    _report, text = _render(data)
    assert "DRAF" not in text


def test_pemdi_report_lists_butir(app: Flask, db: Any) -> None:
    assessment = create_assessment(create_instansi(), code="pemdi-2026", year=2026)
    answer = _answer(assessment, "I1")
    first = sorted(answer.indicator.items, key=lambda item: (item.level, item.nn))[0]
    save_graded_answer(
        answer=answer,
        expected_version=answer.version,
        items=[ItemInput(first.id, True, "")],
        source_value=None,
        fakta="Fakta Pemdi.",
        analisis="Analisis Pemdi.",
    )
    db.session.commit()
    data = collect(assessment.id, generated_at=GENERATED)
    report, text = _render(data)
    assert data.provisional
    assert "Instrumen sementara" in text
    assert first.code in text
    assert data.sections[0].description.startswith("Mengukur ")
    shown = f"Deskripsi indikator (sementara): {data.sections[0].description}"
    assert "".join(shown.split()) in "".join(text.split())  # lines may break after a slash
    assert list(report.anchors)[-1] == data.sections[-1].anchor
    assert len(report.anchors) == len(FIXED_ANCHORS) + len(data.sections)


def test_signed_scans_replace_generated_pages(spbe: Reported) -> None:
    data = collect(spbe.assessment.id, generated_at=GENERATED)
    entry = data.sections[0].evidence[0]
    report = render_report(replace(data, signed_minutes=entry, signed_consent=entry))
    assert "berita-acara" not in report.anchors
    assert "persetujuan" not in report.anchors
    assert report.anchors["daftar-isi"] == 1


def test_huge_untrusted_text_does_not_hang(app: Flask, spbe: Reported) -> None:
    """R7: 200,000 characters without a space and 5,000 lines; only a generous does-not-hang bound."""
    data = collect(spbe.assessment.id, generated_at=GENERATED)
    hostile = replace(data.sections[0], fakta="x" * 200_000, analisis="\n".join(f"baris {n}" for n in range(5000)))
    data = replace(data, sections=(hostile, *data.sections[1:]))
    done: dict[str, Any] = {}

    def work() -> None:
        with app.app_context():
            start = time.perf_counter()
            done["report"] = render_report(data)
            done["seconds"] = time.perf_counter() - start

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "render took more than 60 s"
    report = done["report"]
    assert report.pages > 100
    print(f"R7 render: {done['seconds']:.1f} s, {report.pages} pages")


# ------------------------------------------------------------------------------------------------ parts and joining


def _page_text(pdf: bytes, page: int) -> str:
    """Text of one 1-based page, in reading layout."""
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed by the report tests"
    command = ["pdftotext", "-layout", "-f", str(page), "-l", str(page), "-", "-"]
    done = subprocess.run(command, input=pdf, capture_output=True, check=True, timeout=60)  # noqa: S603
    return done.stdout.decode("utf-8", errors="replace")


def _goto_targets(pdf: pikepdf.Pdf, page_index: int) -> list[int]:
    """0-based target pages of the jump links on one page."""
    pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    targets = []
    for annot in pdf.pages[page_index].obj.get("/Annots", []):
        action = annot.get("/A")
        if action is not None and action.get("/S") == pikepdf.Name.GoTo:
            targets.append(pages[action.D[0].objgen])
    return targets


def test_parts_join_into_one_consistent_report(spbe: Reported, tmp_path: Any) -> None:
    data = collect(spbe.assessment.id, include_review=True, generated_at=GENERATED)
    serial = render_report(data, workers=1)
    joined = render_report(data, workers=2)
    again = render_report(data, workers=2)

    if layout_module.pool_size() > 1:
        assert layout_module._pool is not None  # the parts were rendered by the worker processes
    assert joined.pdf == again.pdf  # deterministic
    assert joined.pages == serial.pages > len(data.sections)
    assert joined.anchors == serial.anchors
    assert list(joined.anchors) == [*FIXED_ANCHORS, *(s.anchor for s in data.sections)]

    # Page numbers run on across the parts: the last indicator is in the second run of sections.
    last = data.sections[-1].anchor
    page = joined.anchors[last] + 1
    assert f"hal. {page} dari {joined.pages}" in _page_text(joined.pdf, page)
    assert "hal. 1 dari" in _page_text(joined.pdf, 1)
    assert data.title not in _page_text(joined.pdf, 1)  # no running header on the cover
    assert data.title in _page_text(joined.pdf, page)
    assert f"{data.instansi_name} · Penilaian Mandiri {data.year}" in _page_text(joined.pdf, page)

    # The table of contents prints the final page of the last indicator and its link jumps there.
    toc_pages = range(joined.anchors["daftar-isi"], joined.anchors["ringkasan"])
    toc_text = "\n".join(_page_text(joined.pdf, p + 1) for p in toc_pages)
    assert re.search(rf"{data.sections[-1].code} .*\s{page}\n", toc_text, re.S)
    summary_line = next(line for line in toc_text.splitlines() if "Ringkasan Hasil" in line)
    assert re.fullmatch(rf"\s*Ringkasan Hasil( \.){{20,}}\s+{joined.anchors['ringkasan'] + 1}\s*", summary_line)

    with pikepdf.open(io.BytesIO(joined.pdf)) as pdf:
        links = [t for p in toc_pages for t in _goto_targets(pdf, p)]
        targets = [t for i, t in enumerate(links) if i == 0 or links[i - 1] != t]  # a link box per line fragment
        assert targets == [joined.anchors["ringkasan"], *(joined.anchors[s.anchor] for s in data.sections)]
        assert not any(uri.startswith("mandiri-toc:") for uri in uris(pdf))
        assert uris(pdf).count(f"mandiri-bundle:ev/{spbe.doc.id}") == 2

        # One structure tree: every page and every annotation with a parent-tree key finds it.
        tree = pdf.Root.StructTreeRoot
        nums = tree.ParentTree.Nums
        keys = [int(nums[i]) for i in range(0, len(nums), 2)]
        assert len(keys) == len(set(keys))
        assert int(tree.ParentTreeNextKey) == max(keys) + 1
        (document,) = tree.K
        assert pikepdf.Name.Document == document.S
        for index, page_obj in enumerate(pdf.pages):
            assert int(page_obj.obj.StructParents) in keys, index
            for annot in page_obj.obj.get("/Annots", []):
                if "/StructParent" in annot:
                    assert int(annot.StructParent) in keys
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "id"
        assert str(pdf.docinfo["/Title"]) == data.title
        assert str(pdf.docinfo["/Creator"]) == "Mandiri"
        assert pdf.check_pdf_syntax() == []
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
        assert titles[-1] == "Rincian per Indikator"

    path = tmp_path / "report.pdf"
    path.write_bytes(joined.pdf)
    if shutil.which("qpdf"):
        assert subprocess.run(["qpdf", "--check", str(path)], capture_output=True, check=False).returncode == 0  # noqa: S603, S607


def test_split_sections_balances_contiguous_runs(spbe: Reported) -> None:
    data = collect(spbe.assessment.id, generated_at=GENERATED)
    for chunks in (1, 2, 3, 4):
        runs = split_sections(data.sections, chunks)
        assert len(runs) == chunks
        assert [s for run in runs for s in run] == list(data.sections)
        assert all(runs)
    assert split_sections(data.sections[:1], 4) == [(data.sections[0],)]
    assert split_sections((), 2) == []


class _BrokenPool:
    """Stands in for a process pool whose workers died."""

    def __init__(self) -> None:
        self.shut_down = False

    def submit(self, *_args: Any, **_kwargs: Any) -> Any:
        raise BrokenProcessPool("a worker died")

    def shutdown(self, **_kwargs: Any) -> None:
        self.shut_down = True


def test_broken_pool_falls_back_to_rendering_here(spbe: Reported, monkeypatch: pytest.MonkeyPatch) -> None:
    data = collect(spbe.assessment.id, generated_at=GENERATED)
    broken = _BrokenPool()
    monkeypatch.setattr(layout_module, "_get_pool", lambda: broken)
    report = render_report(data, workers=2)
    assert broken.shut_down
    assert report.pages == render_report(data, workers=1).pages
    assert list(report.anchors) == [*FIXED_ANCHORS, *(s.anchor for s in data.sections)]
