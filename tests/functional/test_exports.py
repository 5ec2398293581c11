"""The submission bundle end to end: a generated assessment with every kind of evidence, exported through the
page (the job runs in Huey's immediate mode), then the PDF, its outline, stamps, links and the ZIP are checked."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pikepdf
import psutil
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess import texts
from assess.extensions import db as database
from assess.models import Assessment, Evidence, Export, ExportState, RoleName, User
from assess.models.base import utcnow
from assess.services import exports as export_service
from reports import PDF_NAME, ZIP_NAME, layout
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional import bundle_corpus
from tests.functional.helpers import count_queries, exported_file, login, pdf_bytes, published_exports, upload
from tests.s3 import storage_env
from tests.servers import still_alive
from tests.worlds import World, build_world
from uploads.validation import check_problem_text

#: Run again with the evidence and exports in S3 (moto's server) by ``make test``.
pytestmark = pytest.mark.storage

QPDF = shutil.which("qpdf")
PDFTOTEXT = shutil.which("pdftotext")


def page_text(path: Path, page: int) -> str:
    """Text of one 1-based page (poppler's pdftotext; installed by .ci/run)."""
    assert PDFTOTEXT, "pdftotext (poppler-utils) is needed by the export tests"
    result = subprocess.run(  # noqa: S603 — our own file, fixed arguments
        [PDFTOTEXT, "-layout", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def outline_tree(pdf: pikepdf.Pdf) -> list[tuple[int, str, int]]:
    """(depth, title, 0-based page) of every outline entry, in order."""
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
    rows: list[tuple[int, str, int]] = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            dest = item.destination
            target = pages[dest[0].objgen] if isinstance(dest, pikepdf.Array) else -1
            rows.append((depth, item.title, target))
            walk(item.children, depth + 1)

    with pdf.open_outline() as outline:
        walk(outline.root, 0)
    return rows


def new_assessment(client: FlaskClient | None = None) -> tuple[Assessment, User]:
    """An assessment of a new instansi and its koordinator; with ``client``: committed, and logged in there."""
    instansi = create_instansi()
    assessment = create_assessment(instansi)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    if client is not None:
        database.session.commit()
        login(client, koordinator.email)
    return assessment, koordinator


@dataclass(frozen=True)
class Exported:
    """Pemerintah Kota Contoh's assessment (no unit, a koordinator) holding the bundle corpus, exported with its
    review through the page."""

    world: World
    corpus: bundle_corpus.Corpus
    export: Export


@pytest.fixture
def exported(app: Flask, db: Any, client: FlaskClient) -> Exported:
    app.config["SOFFICE"] = "off"
    world = build_world(name="Pemerintah Kota Contoh", units=(), members=("koordinator",), outsider=())
    assessment = world.assessment
    corpus = bundle_corpus.build(assessment, world.koordinator)
    assessment.signatory_name = "Drs. Budi Santoso, M.Si."
    assessment.signatory_position = "Sekretaris Daerah"
    db.session.commit()
    bundle_corpus.tamper(corpus)

    login(client, world.koordinator.email)
    response = client.post(f"/penilaian/{assessment.id}/bundel/", data={"include_review": "y"})
    assert response.status_code == 302
    export = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id)).one()
    assert export.state == ExportState.DONE, export.error
    return Exported(world, corpus, export)


def test_bundle_pages_outline_stamps_links_and_placeholders(exported: Exported, tmp_path: Path) -> None:
    export = exported.export
    corpus = exported.corpus
    summary = export_service.summary_of(export)
    assert export_service.file_name(export, "pdf") == f"{export.assessment_id}/{export.directory}/{PDF_NAME}"
    path = exported_file(export, "pdf", tmp_path)
    assert path is not None

    report_pages = summary["pages"]["report"]
    evidence_pages = bundle_corpus.expected_evidence_pages(corpus)
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == report_pages + evidence_pages == export.pdf_pages
        # JavaScript and automatic actions are gone.
        assert "/OpenAction" not in pdf.Root
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert "/AA" not in obj
                assert obj.get("/S") != pikepdf.Name.JavaScript
        tree = outline_tree(pdf)
        page_objgens = [p.objgen for p in pdf.pages]
        # The report's evidence cells are jumps to the page where each document starts.
        jumps = {}
        for page in pdf.pages[:report_pages]:
            for annot in page.obj.get("/Annots", []):
                action = annot.get("/A")
                if isinstance(action, pikepdf.Dictionary) and action.get("/S") == pikepdf.Name.GoTo:
                    jumps[str(annot.get("/Contents"))] = page_objgens.index(action.D[0].objgen)
        notulen_page = pdf.pages[next(f["start_page"] for f in summary["files"] if f["title"] == "Notulen rapat") - 1]
        attachment = next(a for a in notulen_page.obj.Annots if a.get("/Subtype") == pikepdf.Name.FileAttachment)
        assert attachment.FS.EF.F.read_bytes() == corpus.raw["notulen"]

    starts = {f["title"]: f["start_page"] for f in summary["files"]}
    titles = [t for _, t, _ in tree]
    assert len(tree) == summary["outline_entries"]
    assert titles[0] == "Sampul"
    # domain → aspect → indicator → documents; a document listed twice is printed once and referenced.
    i1 = next(row for row in tree if row[1].startswith("I1 "))
    i2 = next(row for row in tree if row[1].startswith("I2 "))
    assert i1[0] == 2
    assert i2[0] == 2
    perwali_rows = [row for row in tree if "Perwali SPBE" in row[1]]
    assert [row[0] for row in perwali_rows] == [3, 3]
    assert perwali_rows[1][1].endswith("(lihat I1 Lampiran 2)")  # I1 lists its level-2 scan first
    assert perwali_rows[0][2] == perwali_rows[1][2] == starts["Perwali SPBE"] - 1
    assert sum(1 for f in summary["files"] if f["title"] == "Perwali SPBE") == 1
    assert f"Halaman {starts['Perwali SPBE']}" in jumps

    # Stamps in the margin of every evidence page, upright on the rotated page too.
    first = starts["Perwali SPBE"]
    assert "I1 · Lampiran 2 · hal. 1/3" in page_text(path, first)
    assert "I1 · Lampiran 2 · hal. 3/3" in page_text(path, first + 2)
    assert "I3 · Lampiran 1 · hal. 1/1" in page_text(path, starts["Denah diputar"])
    assert "I1 · Lampiran 1 · hal. 1/1" in page_text(path, starts["SK Tim (pindaian)"])

    # What could not be printed is said on its page and listed in the summary.
    problems = {p["title"]: p for p in summary["problems"]}
    assert set(problems) == {"Notulen rapat", "Dokumen sandi", "Dokumen rusak", "Dokumen yang diubah"}
    assert problems["Notulen rapat"]["outcome"] == "placeholder"
    assert problems["Dokumen sandi"]["outcome"] == "failed"
    assert "sandi" in problems["Dokumen sandi"]["reason"]
    assert "SHA-256" in problems["Dokumen yang diubah"]["reason"]
    assert "SHA-256" in page_text(path, starts["Dokumen yang diubah"])
    assert "kata sandi" in page_text(path, starts["Dokumen sandi"]).lower()
    assert export.problems == 4

    if QPDF:
        check = subprocess.run([QPDF, "--check", str(path)], capture_output=True, text=True, check=False)  # noqa: S603
        assert check.returncode == 0, check.stdout + check.stderr


def test_zip_manifest_hashes_and_portal_names(exported: Exported, db: Any, tmp_path: Path) -> None:
    export = exported.export
    corpus = exported.corpus
    assert export_service.file_name(export, "zip") == f"{export.assessment_id}/{export.directory}/{ZIP_NAME}"
    path = exported_file(export, "zip", tmp_path)
    assert path is not None
    assert hashlib.sha256(path.read_bytes()).hexdigest() == export.zip_sha256
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        manifest = json.loads(archive.read("manifest.json"))["files"]
        csv_lines = archive.read("manifest.csv").decode().strip().splitlines()
        assert len(csv_lines) == len(manifest) + 1
        for row in manifest:
            data = archive.read(row["path"])
            assert hashlib.sha256(data).hexdigest() == row["sha256"]
            assert len(data) == row["size"]
        names = {row["path"] for row in manifest}
    perwali = corpus.documents["perwali"].current_version
    assert perwali is not None
    folders = [r for r in manifest if r["title"] == "Perwali SPBE"]
    assert {r["path"] for r in folders} == {"I1/I1_L3_01_Perwali-SPBE.pdf", "I2/I2_L2_02_Perwali-SPBE.pdf"}
    assert all(r["sha256"] == r["source_sha256"] == perwali.blob.sha256 for r in folders)
    assert "I4/I4_L1_01_Notulen-rapat.docx" in names  # not printable: the original travels in the ZIP
    by_title = {r["title"]: r for r in manifest}
    locked = by_title["Dokumen sandi"]  # cannot be opened, but its bytes are the stored ones: passed on as they are
    assert locked["outcome"] == "failed"
    assert locked["sha256"] == locked["source_sha256"]
    altered = by_title["Dokumen yang diubah"]  # altered bytes are never passed on: the page that says why
    assert altered["outcome"] == "failed"
    assert altered["sha256"] != altered["source_sha256"]
    assert "00_Laporan.pdf" in names
    scan = next(r for r in manifest if r["title"] == "SK Tim (pindaian)")
    assert scan["path"].endswith(".pdf")
    assert scan["original_name"] == "sk-tim.jpg"
    assert scan["level"] == 2


def test_download_history_and_per_indicator(exported: Exported, client: FlaskClient, db: Any) -> None:
    assessment = exported.world.assessment
    export = exported.export
    page = client.get(f"/penilaian/{assessment.id}/bundel/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert export.pdf_sha256
    assert export.pdf_sha256[:12] in html
    assert "Dokumen yang diubah" in html  # the problem list
    pdf = client.get(f"/penilaian/{assessment.id}/bundel/{export.id}/pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == export.pdf_sha256
    assert "attachment" in pdf.headers["Content-Disposition"]
    one = client.get(f"/penilaian/{assessment.id}/bundel/{export.id}/indikator/I1.pdf")
    assert one.status_code == 200
    with pikepdf.open(io.BytesIO(one.data)) as pdf_one:
        pages = export_service.summary_of(export)["indicator_pages"]["I1"]
        assert len(pdf_one.pages) == len(pages) == 1 + 3 + 1 or len(pdf_one.pages) == len(pages)
    assert client.get(f"/penilaian/{assessment.id}/bundel/{export.id}/indikator/I99.pdf").status_code == 404
    status = client.get(f"/penilaian/{assessment.id}/bundel/{export.id}/status").get_json()
    assert status["state"] == "selesai"
    assert status["percent"] == 100
    assert not status["active"]


def test_who_may_export_and_one_at_a_time(app: Flask, db: Any, client: FlaskClient) -> None:
    instansi = create_instansi()
    assessment = create_assessment(instansi)
    pengisi = create_member(instansi, RoleName.PENGISI)
    pembaca = create_member(instansi, RoleName.PEMBACA)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    stranger = create_member(create_instansi(), RoleName.KOORDINATOR)
    busy = Export(assessment_id=assessment.id, state=ExportState.RUNNING, heartbeat_at=utcnow())
    db.session.add(busy)
    db.session.commit()
    url = f"/penilaian/{assessment.id}/bundel/"

    login(client, stranger.email)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    client.post("/logout")
    for user in (pengisi, pembaca):
        login(client, user.email)
        assert client.get(url).status_code == 200
        assert client.post(url).status_code == 403
        client.post("/logout")

    login(client, koordinator.email)
    page = client.post(url, follow_redirects=True)
    assert "masih berjalan" in page.get_data(as_text=True)
    assert db.session.scalars(select(Export).where(Export.assessment_id == assessment.id)).all() == [busy]

    # A worker that died leaves a row without heartbeat: the next request marks it stopped and starts anew.
    busy.heartbeat_at = utcnow() - timedelta(seconds=app.config["EXPORT_STALE_SECONDS"] + 5)
    db.session.commit()
    client.post(url)
    db.session.expire_all()
    rows = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id).order_by(Export.id)).all()
    assert [r.state for r in rows] == [ExportState.FAILED, ExportState.DONE]
    assert "terhenti" in (rows[0].error or "")


def test_old_exports_are_pruned_keeping_the_newest(app: Flask, db: Any, client: FlaskClient) -> None:
    app.config["EXPORT_KEEP"] = 2
    try:
        assessment, _ = new_assessment(client)
        for _ in range(3):
            client.post(f"/penilaian/{assessment.id}/bundel/")
        db.session.expire_all()
        rows = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id).order_by(Export.id)).all()
        assert [r.state for r in rows] == [ExportState.PRUNED, ExportState.DONE, ExportState.DONE]
        assert export_service.file_name(rows[0], "pdf") is None
        assert rows[0].directory
        assert published_exports(assessment.id) == sorted(r.directory for r in rows[1:])
        assert all(export_service.file_name(r, "pdf") is not None for r in rows[1:])
    finally:
        app.config["EXPORT_KEEP"] = 5


def test_the_report_workers_go_once_the_report_is_rendered(app: Flask, db: Any, client: FlaskClient) -> None:
    """The render pool's workers keep what WeasyPrint laid out: an export lets them go after its report, so that
    the bundle has their memory; the ZIP is written by a new worker meanwhile."""
    if layout.pool_size() < 2:
        pytest.skip("one CPU: no worker pool")
    assert layout.warm_up()
    warm = psutil.Process(layout.aside(os.getpid).result())
    assessment, _ = new_assessment(client)
    client.post(f"/penilaian/{assessment.id}/bundel/")
    export = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id)).one()
    assert export.state == ExportState.DONE, export.error
    assert still_alive([warm], within=10) == []
    layout.shutdown()


def test_signatory_form_validates_and_keeps_input(db: Any, client: FlaskClient) -> None:
    assessment, _ = new_assessment(client)
    url = f"/penilaian/{assessment.id}/bundel/penandatangan"
    bad = client.post(
        url,
        data={
            "signatory_name": "Ibu Sari",
            "signatory_nip": "19800101abc",
            "signed_minutes_id": "0",
            "signed_consent_id": "0",
        },
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "NIP hanya berisi angka" in html
    assert "Ibu Sari" in html
    ok = client.post(
        url,
        data={
            "signatory_name": "Ibu Sari",
            "signatory_position": "Sekretaris Daerah",
            "signatory_nip": "19800101 200501 2 001",
            "signing_place": "Kota Contoh",
            "signed_minutes_id": "0",
            "signed_consent_id": "0",
        },
    )
    assert ok.status_code == 302
    db.session.refresh(assessment)
    assert (assessment.signatory_name, assessment.signatory_position) == ("Ibu Sari", "Sekretaris Daerah")


def _cli_env(app: Flask) -> dict[str, str]:
    return {
        **os.environ,
        "MANDIRI_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MANDIRI_STORAGE_ROOT": app.config["STORAGE_ROOT"],
        "MANDIRI_EXPORT_ROOT": app.config["EXPORT_ROOT"],
        "MANDIRI_SECRET_KEY": "test-secret",
        "MANDIRI_SECURITY_PASSWORD_SALT": "test-salt",
        "MANDIRI_JOBS_BACKEND": "immediate",
        "MANDIRI_SOFFICE": "off",
        **storage_env(app.config),
    }


def test_killed_export_leaves_the_previous_one_and_a_rerun_completes(app: Flask, db: Any, tmp_path: Path) -> None:
    """`mandiri export` in a real process, killed mid-build: nothing half-written, the previous export intact."""
    assessment, koordinator = new_assessment()
    corpus = bundle_corpus.Corpus(assessment, koordinator)
    for n in range(40):
        bundle_corpus.upload(
            corpus, f"d{n}", f"dokumen-{n}.pdf", pdf_bytes(30, f"Dokumen {n} {tmp_path.name}"), f"Dokumen {n}"
        )
        bundle_corpus.link(corpus, f"I{n % 47 + 1}", f"d{n}", 1)
    db.session.commit()
    script = Path(sys.executable).with_name("mandiri")
    env = _cli_env(app)

    first = subprocess.run(  # noqa: S603 — our console script, fixed arguments
        [str(script), "export", str(assessment.id), "--out", str(tmp_path / "salinan")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    assert "PDF:" in first.stdout
    assert "ZIP:" in first.stdout
    assert "Ringkasan:" in first.stdout
    db.session.rollback()  # a new snapshot: the CLI process committed
    previous = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id)).one()
    previous_pdf = exported_file(previous, "pdf", tmp_path / "sebelumnya")
    assert previous_pdf is not None
    assert previous.pdf_sha256
    before = previous_pdf.read_bytes()

    victim = subprocess.Popen(  # noqa: S603
        [str(script), "export", str(assessment.id), "--out", str(tmp_path / "kedua")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        running = None
        while time.monotonic() < deadline:
            db.session.rollback()  # a new snapshot: the CLI process committed
            running = db.session.scalars(
                select(Export).where(Export.assessment_id == assessment.id, Export.id != previous.id)
            ).first()
            if running is not None and running.state == ExportState.RUNNING and running.step >= 3:
                break
            assert victim.poll() is None, "the export finished before it could be stopped"
            time.sleep(0.05)
        assert running is not None
        assert running.state == ExportState.RUNNING
        os.killpg(victim.pid, signal.SIGKILL)
    finally:
        victim.wait(timeout=30)

    base = export_service.work_dir(assessment.id)
    assert published_exports(assessment.id) == [previous.directory]
    assert (exported_file(previous, "pdf", tmp_path / "sesudah") or Path()).read_bytes() == before
    assert not (tmp_path / "kedua").exists() or not any((tmp_path / "kedua").iterdir())

    app.config["EXPORT_STALE_SECONDS"] = 0
    try:
        again = subprocess.run(  # noqa: S603
            [str(script), "export", str(assessment.id), "--out", str(tmp_path / "ketiga")],
            env={**env, "MANDIRI_EXPORT_STALE_SECONDS": "0"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        app.config["EXPORT_STALE_SECONDS"] = 600
    assert again.returncode == 0, again.stderr
    db.session.rollback()  # a new snapshot: the CLI process committed
    rows = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id).order_by(Export.id)).all()
    assert [r.state for r in rows] == [ExportState.DONE, ExportState.FAILED, ExportState.DONE]
    assert not any(p.name.startswith(".tmp-") for p in base.iterdir())
    with (
        zipfile.ZipFile(exported_file(rows[0], "zip", tmp_path) or "") as a,
        zipfile.ZipFile(exported_file(rows[2], "zip", tmp_path) or "") as b,
    ):
        first_manifest = {r["path"]: r["sha256"] for r in json.loads(a.read("manifest.json"))["files"]}
        rerun_manifest = {r["path"]: r["sha256"] for r in json.loads(b.read("manifest.json"))["files"]}
    first_manifest.pop("00_Laporan.pdf")
    rerun_manifest.pop("00_Laporan.pdf")
    assert first_manifest == rerun_manifest
    assert len(first_manifest) == 40
    assert rows[0].pdf_pages == rows[2].pdf_pages


def test_bundle_page_queries_do_not_grow_with_exports(db: Any, client: FlaskClient) -> None:
    assessment, _ = new_assessment(client)
    url = f"/penilaian/{assessment.id}/bundel/"

    def queries() -> int:
        with count_queries(db) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    def add_exports(n: int) -> None:  # each by another person, so a lazy load per row would show
        for _ in range(n):
            creator = create_member(assessment.instansi, RoleName.KOORDINATOR)
            db.session.add(Export(assessment_id=assessment.id, state=ExportState.FAILED, created_by_id=creator.id))
        db.session.commit()

    add_exports(2)
    queries()  # the first page view also fills the navigation counts kept in the session
    few = queries()
    add_exports(10)
    assert queries() == few


def export_with_signed_minutes(app: Flask, db: Any, client: FlaskClient, evidence_pages: int) -> Export:
    """A finished export of an assessment whose koordinator chose a signed Berita Acara scan (2 pages) and whose I1
    links one PDF of ``evidence_pages`` pages."""
    app.config["SOFFICE"] = "off"
    assessment, koordinator = new_assessment()
    corpus = bundle_corpus.Corpus(assessment, koordinator)
    minutes = bundle_corpus.upload(corpus, "ba", "berita-acara.pdf", pdf_bytes(2, "Berita Acara bertanda tangan"), "BA")
    bundle_corpus.upload(corpus, "doc", "perwal.pdf", pdf_bytes(evidence_pages, "Perwal"), "Perwal")
    bundle_corpus.link(corpus, "I1", "doc", 1)
    db.session.commit()
    login(client, koordinator.email)
    saved = client.post(
        f"/penilaian/{assessment.id}/bundel/penandatangan",
        data={"signatory_name": "Ibu Sari", "signed_minutes_id": str(minutes.id), "signed_consent_id": "0"},
    )
    assert saved.status_code == 302
    client.post(f"/penilaian/{assessment.id}/bundel/")
    export = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id)).one()
    assert export.state == ExportState.DONE, export.error
    return export


def test_signed_scans_replace_the_generated_pages(app: Flask, db: Any, client: FlaskClient, tmp_path: Path) -> None:
    export = export_with_signed_minutes(app, db, client, 1)
    summary = export_service.summary_of(export)
    assert summary["pages"]["signed"] == 2
    path = exported_file(export, "pdf", tmp_path)
    assert path is not None
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == summary["pages"]["report"] + 2 + 1
        tree = outline_tree(pdf)
    # Right after the cover, in place of the generated Berita Acara: the signed scan, stamped.
    assert tree[1] == (0, "Berita Acara (ditandatangani)", 1)
    assert "Berita Acara Penilaian Mandiri" not in [title for _, title, _ in tree]
    assert "Pernyataan Persetujuan Publikasi" in [title for _, title, _ in tree]
    assert "Berita Acara (ditandatangani) · hal. 2/2" in page_text(path, 3)
    assert "Berita Acara bertanda tangan 2" in page_text(path, 3)


def test_signatory_must_be_a_document_of_this_assessment(db: Any, client: FlaskClient) -> None:
    instansi = create_instansi()
    assessment = create_assessment(instansi)
    other = create_assessment(instansi, year=2025)
    koordinator = create_member(instansi, RoleName.KOORDINATOR)
    corpus = bundle_corpus.Corpus(other, koordinator)
    foreign = bundle_corpus.upload(corpus, "x", "lain.pdf", pdf_bytes(1, "Dokumen penilaian lain"), "Lain")
    db.session.commit()
    login(client, koordinator.email)
    response = client.post(
        f"/penilaian/{assessment.id}/bundel/penandatangan",
        data={"signatory_name": "Ibu Sari", "signed_minutes_id": str(foreign.id), "signed_consent_id": "0"},
    )
    assert response.status_code == 400
    assert "Ibu Sari" in response.get_data(as_text=True)
    db.session.refresh(assessment)
    assert assessment.signed_minutes_id is None


def broken_stream_pdf() -> bytes:
    """A PDF that opens and has its pages (upload validation accepts it), but whose page content does not inflate."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes(2, "Isi rusak")))
    page = pdf.pages[1]
    page.obj.Contents = pikepdf.Stream(pdf, b"x\x9c this is not deflate data at all")
    page.obj.Contents.Filter = pikepdf.Name.FlateDecode
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def test_a_document_qpdf_cannot_read_through_gets_a_page_saying_so(app: Flask, db: Any, client: FlaskClient) -> None:
    assessment, koordinator = new_assessment()
    corpus = bundle_corpus.Corpus(assessment, koordinator)
    # Stored without the background check (as before it existed): the export checks them.
    bundle_corpus.upload(corpus, "baik", "baik.pdf", pdf_bytes(2, f"Dokumen baik {uuid4()}"), "Dokumen baik")
    bundle_corpus.upload(corpus, "rusak", "isi-rusak.pdf", broken_stream_pdf(), "Isi rusak")
    bundle_corpus.link(corpus, "I1", "baik", 1)
    bundle_corpus.link(corpus, "I1", "rusak", 1)
    db.session.commit()
    good, bad = (corpus.documents[k].current_version for k in ("baik", "rusak"))
    assert good is not None
    assert bad is not None
    assert good.blob.checked_at is None
    assert bad.blob.checked_at is None
    login(client, koordinator.email)
    client.post(f"/penilaian/{assessment.id}/bundel/")
    export = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id)).one()
    assert export.state == ExportState.DONE, export.error
    problems = {p["title"]: p for p in export_service.summary_of(export)["problems"]}
    assert set(problems) == {"Isi rusak"}
    assert "qpdf" in problems["Isi rusak"]["reason"]
    # What the export's checks found is kept on the blobs: no export checks them again.
    db.session.expire_all()
    assert good.blob.checked_at is not None
    assert good.blob.check_problem is None
    assert bad.blob.checked_at is not None
    assert check_problem_text(bad.blob.check_problem or "") == problems["Isi rusak"]["reason"]


def test_uploaded_pdfs_are_checked_in_the_background_and_exports_trust_that(
    app: Flask, db: Any, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reports.export

    assessment, koordinator = new_assessment(client)
    status, good = upload(client, assessment.id, "baik.pdf", pdf_bytes(2, f"Dokumen baik {uuid4()}"))
    assert status == 200, good
    status, bad = upload(client, assessment.id, "isi-rusak.pdf", broken_stream_pdf())
    assert status == 200, bad  # upload validation opens it and counts its pages: accepted

    db.session.expire_all()
    blobs = {r["name"]: db.session.get_one(Evidence, r["id"]).current_version.blob for r in (good, bad)}
    assert blobs["baik.pdf"].checked_at is not None
    assert blobs["baik.pdf"].check_problem is None
    assert blobs["isi-rusak.pdf"].checked_at is not None
    assert "qpdf" in check_problem_text(blobs["isi-rusak.pdf"].check_problem or "")
    library = client.get(f"/penilaian/{assessment.id}/pustaka/").get_data(as_text=True)
    assert library.count('class="chip chip-warn"') == 1
    detail = client.get(f"/penilaian/{assessment.id}/pustaka/{bad['id']}").get_data(as_text=True)
    assert 'data-testid="check-problem"' in detail
    assert 'data-testid="check-problem"' not in client.get(f"/penilaian/{assessment.id}/pustaka/{good['id']}").get_data(
        as_text=True
    )

    corpus = bundle_corpus.Corpus(assessment, koordinator)
    corpus.documents.update(
        {"baik": db.session.get_one(Evidence, good["id"]), "rusak": db.session.get_one(Evidence, bad["id"])}
    )
    bundle_corpus.link(corpus, "I1", "baik", 1)
    bundle_corpus.link(corpus, "I1", "rusak", 1)
    db.session.commit()

    def checked_already(path: Path) -> str | None:
        raise AssertionError(f"{path} was checked after its upload already")

    monkeypatch.setattr(reports.export, "full_pdf_check", checked_already)
    client.post(f"/penilaian/{assessment.id}/bundel/")
    export = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id)).one()
    assert export.state == ExportState.DONE, export.error
    problems = export_service.summary_of(export)["problems"]
    assert [(p["original_name"], p["outcome"]) for p in problems] == [("isi-rusak.pdf", "failed")]
    assert problems[0]["reason"] == check_problem_text(blobs["isi-rusak.pdf"].check_problem or "")


def test_disk_full_during_an_export_leaves_nothing_and_says_so(
    app: Flask, db: Any, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import reports.export

    assessment, _ = new_assessment(client)
    url = f"/penilaian/{assessment.id}/bundel/"
    client.post(url)
    first = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id)).one()
    assert first.state == ExportState.DONE
    first_pdf = export_service.file_name(first, "pdf")
    assert first_pdf is not None

    def disk_full(report: Any, data: Any, parts: Any, signed: Any, dest: Path) -> None:
        dest.write_bytes(b"%PDF-1.7\n")  # half a bundle, then the disk is full (the ZIP is being written aside)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(reports.export, "assemble", disk_full)
    client.post(url)
    db.session.expire_all()
    rows = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id).order_by(Export.id)).all()
    assert [r.state for r in rows] == [ExportState.DONE, ExportState.FAILED]
    assert "Ruang disk server penuh" in (rows[1].error or "")
    assert published_exports(assessment.id) == [first.directory]
    assert list(export_service.work_dir(assessment.id).glob(".tmp-*")) == []  # no temporary folder, no half files
    assert export_service.file_name(first, "pdf") == first_pdf
    page = client.get(url).get_data(as_text=True)
    assert "Ruang disk server penuh" in page


def test_progress_of_small_steps_is_written_at_most_twice_a_second(
    app: Flask, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment, koordinator = new_assessment()
    export = export_service.request_export(assessment, koordinator)
    db.session.commit()
    clock = [100.0]
    monkeypatch.setattr(export_service.time, "monotonic", lambda: clock[0])
    heartbeat = export_service._Heartbeat(export.id)

    def written() -> tuple[int, str | None]:
        db.session.rollback()  # a new snapshot: the heartbeat commits on a connection of its own
        row = db.session.get(Export, export.id)
        assert row is not None
        return row.step, row.step_label

    def document(n: int) -> texts.Text:
        return texts.text("export.preparing_document", n=n, total=5, title="Perwali")

    heartbeat(1, 10, texts.text("export.rendering"))
    heartbeat(2, 10, document(1), minor=True)
    assert written() == (1, "Menyusun laporan (PDF)")  # a moment later: skipped
    clock[0] += export_service.MINOR_STEP_INTERVAL_S
    heartbeat(3, 10, document(2), minor=True)
    assert written() == (3, "Menyiapkan data dukung 2 dari 5: Perwali")
    heartbeat(4, 10, texts.text("export.joining"))  # every other step at once
    assert written() == (4, "Menggabungkan laporan dan data dukung")


def _lease_threads() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate() if t.name.startswith("mandiri-export-lease-")]


@pytest.mark.parametrize("outcome", ["done", "failed"])
def test_a_step_longer_than_the_lease_keeps_the_export_running_and_the_heartbeat_ends_with_it(
    app: Flask, db: Any, monkeypatch: pytest.MonkeyPatch, outcome: str
) -> None:
    """The heartbeat thread, not the progress steps, keeps a live run's lease; it stops when the run ends or fails."""
    import threading

    import reports.export
    from assess.models.base import as_utc

    lease = 2
    monkeypatch.setitem(app.config, "EXPORT_LEASE_SECONDS", lease)
    monkeypatch.setitem(app.config, "SOFFICE", "off")
    assessment, koordinator = new_assessment()
    export_id = export_service.request_export(assessment, koordinator).id
    db.session.commit()
    real_build = reports.export.build
    release = threading.Event()

    def long_step(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(timeout=60), "the test never released the build"
        if outcome == "failed":
            raise reports.ExportError(texts.text("export.page_count", pages=3))
        return real_build(*args, **kwargs)

    monkeypatch.setattr(reports.export, "build", long_step)

    def job() -> None:
        with app.app_context():
            export_service.run(export_id)

    runner = threading.Thread(target=job)
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while True:  # until the heartbeat was written later than the lease after the start, with no progress
            db.session.rollback()  # a new snapshot: the heartbeat commits on a connection of its own
            row = db.session.get(Export, export_id)
            assert row is not None
            beat = row.heartbeat_at and row.started_at and as_utc(row.heartbeat_at) - as_utc(row.started_at)
            if beat and beat.total_seconds() > lease + 0.5:
                break
            assert time.monotonic() < deadline, "no heartbeat while a step lasted longer than the lease"
            time.sleep(0.1)
        assert row.state == ExportState.RUNNING
        assert row.step == 0
        assert _lease_threads() == [f"mandiri-export-lease-{export_id}"]
        with pytest.raises(export_service.ExportBusyError):
            export_service.request_export(assessment, koordinator)
        db.session.rollback()
    finally:
        release.set()
        runner.join(timeout=120)
    db.session.rollback()
    row = db.session.get(Export, export_id)
    assert row is not None
    assert row.state == (ExportState.DONE if outcome == "done" else ExportState.FAILED)
    assert _lease_threads() == []


def test_a_killed_export_is_seen_as_stopped_within_the_lease(
    app: Flask, db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mandiri export` SIGKILLed mid-build: refused at once (the lease holds), started anew within the lease."""
    lease = 4
    monkeypatch.setitem(app.config, "EXPORT_LEASE_SECONDS", lease)
    assessment, koordinator = new_assessment()
    corpus = bundle_corpus.Corpus(assessment, koordinator)
    for n in range(40):
        bundle_corpus.upload(
            corpus, f"d{n}", f"dokumen-{n}.pdf", pdf_bytes(30, f"Dokumen {n} {tmp_path.name}"), f"Dokumen {n}"
        )
        bundle_corpus.link(corpus, f"I{n % 47 + 1}", f"d{n}", 1)
    db.session.commit()
    script = Path(sys.executable).with_name("mandiri")
    victim = subprocess.Popen(  # noqa: S603 — our console script, fixed arguments
        [str(script), "export", str(assessment.id), "--out", str(tmp_path / "salinan")],
        env={**_cli_env(app), "MANDIRI_EXPORT_LEASE_SECONDS": str(lease)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            db.session.rollback()  # a new snapshot: the CLI process committed
            running = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id)).first()
            if running is not None and running.state == ExportState.RUNNING:
                break
            assert victim.poll() is None, "the export finished before it could be stopped"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(victim.pid, signal.SIGKILL)
        killed_at = time.monotonic()
    finally:
        victim.wait(timeout=30)

    with pytest.raises(export_service.ExportBusyError):
        export_service.request_export(assessment, koordinator)
    db.session.rollback()
    while True:
        try:
            fresh = export_service.request_export(assessment, koordinator)
            break
        except export_service.ExportBusyError:
            db.session.rollback()
            assert time.monotonic() - killed_at < lease + 2, "the killed export still blocks a new one"
            time.sleep(0.2)
    db.session.commit()
    rows = db.session.scalars(select(Export).where(Export.assessment_id == assessment.id).order_by(Export.id)).all()
    assert [r.state for r in rows] == [ExportState.FAILED, ExportState.QUEUED]
    assert rows[1].id == fresh.id
    assert "terhenti" in (rows[0].error or "")
