"""Per-butir files for the Pemdi evaluation portal: one PDF per fulfilled butir made of its documents (each page
stamped with the butir's code), a catatan.csv and a ZIP of both, made with the bundle through the page and the
command line; files over the portal's limit reported, and on request rebuilt with the scans recompressed."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from assess import display
from assess.errors import DomainError
from assess.models import AnswerItem, DocType, EvidenceItem, Export, ExportState
from assess.services import evidence as evidence_service
from assess.services import exports as export_service
from tests.functional import bundle_corpus
from tests.functional.helpers import exported_file, login, pdf_bytes
from tests.worlds import DISKOMINFO, World, build_world

#: Run again with the evidence and exports in S3 (moto's server) by ``make test``.
pytestmark = pytest.mark.storage

PDFTOTEXT = shutil.which("pdftotext")
#: The butir the tests mark: three that the Perwali supports across two indicators (the first also has the SK),
#: one with a link only, one linked but not fulfilled.
PERWALI_BUTIR = ("I1-L1-01", "I1-L2-01", "I2-L1-01")
LINK_ONLY = "I1-L2-02"
NOT_FULFILLED = "I2-L2-01"
PORTAL_URL = "https://jdih.contoh.go.id/perwali-12-2024"


def pdf_text(path: Path, page: int | None = None) -> str:
    assert PDFTOTEXT, "pdftotext (poppler-utils) is needed by the export tests"
    pages = ["-f", str(page), "-l", str(page)] if page else []
    result = subprocess.run(  # noqa: S603 — our own file, fixed arguments
        [PDFTOTEXT, "-layout", *pages, str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


def scan_pdf() -> bytes:
    """A scanned A6 page: a 300 dpi photo-like (noisy) colour image as JPEG of quality 95, about 3 MB."""
    width, height = 1240, 1748
    channels = [Image.effect_noise((width, height), 60) for _ in range(3)]
    photo = io.BytesIO()
    Image.merge("RGB", channels).save(photo, format="JPEG", quality=95)
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(298, 420))
    image = pikepdf.Stream(pdf, photo.getvalue())
    image.Type, image.Subtype, image.Filter = pikepdf.Name.XObject, pikepdf.Name.Image, pikepdf.Name.DCTDecode
    image.Width, image.Height, image.BitsPerComponent = width, height, 8
    image.ColorSpace = pikepdf.Name.DeviceRGB
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.obj.Contents = pdf.make_stream(b"q 298 0 0 420 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Pemdi:
    world: World
    corpus: bundle_corpus.Corpus


def _item(world: World, code: str) -> EvidenceItem:
    answer = world.answer(code.split("-")[0])
    return next(i for i in answer.indicator.items if i.code == code)


def _link(pemdi: Pemdi, code: str, key: str) -> None:
    item = _item(pemdi.world, code)
    answer = pemdi.world.answer(item.indicator.code)
    evidence_service.link(
        answer=answer, evidence=pemdi.corpus.documents[key], level=None, item=item, note="", user=pemdi.corpus.user
    )


def _fulfil(pemdi: Pemdi, code: str, note: str = "") -> None:
    item = _item(pemdi.world, code)
    pemdi.world.answer(item.indicator.code).items.append(AnswerItem(item=item, fulfilled=True, note=note))


@pytest.fixture
def pemdi(app: Flask, db: Any, client: FlaskClient) -> Pemdi:
    """A Pemdi assessment (answers assigned to Diskominfo) whose Perwali (3 pages) supports three butir across I1
    and I2, the SK (2 pages) the first of them; a fulfilled butir with only a link; a butir linked but not
    fulfilled. The koordinator is logged in."""
    app.config["SOFFICE"] = "off"
    world = build_world("pemdi-2026", units=(DISKOMINFO,), members=("koordinator",), outsider=())
    corpus = bundle_corpus.Corpus(world.assessment, world.koordinator)
    pemdi = Pemdi(world, corpus)
    perwali = bundle_corpus.upload(corpus, "perwali", "perwali.pdf", pdf_bytes(3, "Perwali SPBE"), "Perwali SPBE")
    perwali.number = "12 Tahun 2024"
    bundle_corpus.upload(corpus, "sk", "sk.pdf", pdf_bytes(2, "SK Tim SPBE"), "SK Tim SPBE")
    corpus.documents["tautan"] = evidence_service.add_link(
        assessment=world.assessment,
        url=PORTAL_URL,
        meta=evidence_service.Metadata(title="Perwali di JDIH", doc_type=DocType.LAINNYA),
        access_note=None,
        user=world.koordinator,
    )
    for code in PERWALI_BUTIR:
        _link(pemdi, code, "perwali")
    _link(pemdi, PERWALI_BUTIR[0], "sk")
    _link(pemdi, PERWALI_BUTIR[1], "tautan")
    _link(pemdi, LINK_ONLY, "tautan")
    _link(pemdi, NOT_FULFILLED, "perwali")
    _fulfil(pemdi, PERWALI_BUTIR[0], note="=Perwali dan SK tim sudah ditetapkan.")
    for code in (*PERWALI_BUTIR[1:], LINK_ONLY):
        _fulfil(pemdi, code)
    db.session.commit()
    login(client, world.koordinator.email)
    return pemdi


def _export(client: FlaskClient, db: Any, assessment_id: int, **fields: str) -> Export:
    response = client.post(f"/penilaian/{assessment_id}/bundel/", data=fields)
    assert response.status_code == 302
    export = db.session.scalars(
        select(Export).where(Export.assessment_id == assessment_id).order_by(Export.id.desc())
    ).first()
    assert export is not None
    assert export.state == ExportState.DONE, export.error
    return export


def _butir_dir(export: Export, into: Path) -> Path:
    """The finished export's per-butir folder and ZIP, copied out of the export store."""
    export_service.copy_out(export, into, per_butir=True)
    return into / f"bundel-{export.assessment_id}-{export.id}-per-butir"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_one_pdf_per_fulfilled_butir_with_its_documents_stamped_catatan_and_zip(
    pemdi: Pemdi, client: FlaskClient, db: Any, tmp_path: Path
) -> None:
    assessment_id = pemdi.world.assessment.id
    export = _export(client, db, assessment_id, per_butir="y")
    assert export.per_butir
    summary = export_service.summary_of(export)
    files = summary["butir_files"]
    assert [f["code"] for f in files] == list(PERWALI_BUTIR)
    assert [f["file"] for f in files] == [f"{code}.pdf" for code in PERWALI_BUTIR]
    assert summary["butir_missing"] == [LINK_ONLY]  # fulfilled, but a link is no file
    assert summary["portal_max_mb"] is None
    assert not any(f["over_limit"] for f in files)

    folder = _butir_dir(export, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{c}.pdf" for c in PERWALI_BUTIR] + ["catatan.csv"])
    expected_pages = {PERWALI_BUTIR[0]: 5, PERWALI_BUTIR[1]: 3, PERWALI_BUTIR[2]: 3}
    for row in files:
        path = folder / row["file"]
        with pikepdf.open(path) as pdf:
            assert len(pdf.pages) == row["pages"] == expected_pages[row["code"]]
        assert row["sha256"] == _sha256(path)
        assert row["size"] == path.stat().st_size
        total = row["pages"]
        for page in range(1, total + 1):
            text = pdf_text(path, page)
            assert f"{row['code']} · hal. {page}/{total}" in text  # its own code on every page
            assert not any(other in text for other in PERWALI_BUTIR if other != row["code"])
            document = "Perwali SPBE" if page <= 3 else "SK Tim SPBE"
            assert f"{document} {page if page <= 3 else page - 3}" in text  # the documents in link order

    with open(folder / "catatan.csv", "rb") as handle:
        raw = handle.read()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["butir", "catatan", "berkas", "halaman", "sha256"]
    by_code = {r[0]: r for r in rows[1:]}
    assert list(by_code) == list(PERWALI_BUTIR)
    first = by_code[PERWALI_BUTIR[0]]
    # The note starts with "=": written so that no spreadsheet reads it as a formula.
    assert first[1].startswith("'=Perwali dan SK tim sudah ditetapkan.; ")
    assert "Perwali SPBE (No. 12 Tahun 2024), hal. 1–3" in first[1]
    assert "SK Tim SPBE, hal. 4–5" in first[1]
    assert first[1].endswith("PIC: Dinas Komunikasi dan Informatika")
    assert f"Perwali di JDIH: {PORTAL_URL}" in by_code[PERWALI_BUTIR[1]][1]
    for code, row in by_code.items():
        assert row[2] == f"{code}.pdf"
        assert int(row[3]) == expected_pages[code]
        assert row[4] == _sha256(folder / row[2])

    zip_copy = tmp_path / f"bundel-{assessment_id}-{export.id}-per-butir.zip"
    downloaded = client.get(f"/penilaian/{assessment_id}/bundel/{export.id}/per-butir.zip")
    assert downloaded.status_code == 200
    assert downloaded.mimetype == "application/zip"
    assert downloaded.headers["Cache-Control"] == "private, no-cache"
    assert downloaded.data == zip_copy.read_bytes()
    assert summary["butir_zip"]["sha256"] == _sha256(zip_copy)
    with zipfile.ZipFile(zip_copy) as archive:
        assert archive.namelist() == [*(f"{c}.pdf" for c in PERWALI_BUTIR), "catatan.csv"]
        for name in archive.namelist():
            assert archive.read(name) == (folder / name).read_bytes()

    page = client.get(f"/penilaian/{assessment_id}/bundel/").get_data(as_text=True)
    assert "Unduh ZIP per butir" in page
    assert f"/bundel/{export.id}/per-butir.zip" in page
    assert LINK_ONLY in page  # named as missing
    for code in PERWALI_BUTIR:
        assert f"{code}.pdf" in page


def test_the_bundle_without_per_butir_makes_none(pemdi: Pemdi, client: FlaskClient, db: Any, tmp_path: Path) -> None:
    export = _export(client, db, pemdi.world.assessment.id)
    assert "butir_files" not in export_service.summary_of(export)
    assert export_service.butir_zip(export) is None
    assert client.get(f"/penilaian/{pemdi.world.assessment.id}/bundel/{export.id}/per-butir.zip").status_code == 404
    with pytest.raises(DomainError, match="tidak memuat berkas per butir"):
        export_service.copy_out(export, tmp_path / "salinan", per_butir=True)
    assert not (tmp_path / "salinan").exists()  # refused before anything was copied


def test_per_butir_only_for_graded_instruments(world: World, db: Any) -> None:
    with pytest.raises(DomainError, match="Pemdi"):
        export_service.request_export(world.assessment, world.koordinator, per_butir=True)


def test_files_over_the_portal_limit_are_reported_and_rebuilt_with_scans_compressed(
    pemdi: Pemdi, app: Flask, client: FlaskClient, db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PORTAL_MAX_MB", 1)
    scan = scan_pdf()
    assert len(scan) > 2 * 1024 * 1024
    bundle_corpus.upload(pemdi.corpus, "pindaian", "pindaian.pdf", scan, "Pindaian SK")
    _link(pemdi, "I2-L1-02", "pindaian")
    _fulfil(pemdi, "I2-L1-02")
    db.session.commit()
    assessment_id = pemdi.world.assessment.id

    first = _export(client, db, assessment_id, per_butir="y")
    rows = {f["code"]: f for f in export_service.summary_of(first)["butir_files"]}
    assert rows["I2-L1-02"]["over_limit"]
    assert rows["I2-L1-02"]["size"] > 2 * 1024 * 1024
    assert not rows[PERWALI_BUTIR[0]]["over_limit"]
    assert [f["code"] for f in export_service.over_limit(first)] == ["I2-L1-02"]
    page = client.get(f"/penilaian/{assessment_id}/bundel/").get_data(as_text=True)
    size = display.size(rows["I2-L1-02"]["size"], "id")
    assert size.endswith(" MB")  # "3,1 MB"
    assert f"I2-L1-02.pdf {size}, melebihi batas portal 1 MB" in page
    assert "Buat ulang dengan pindaian dikompresi" in page

    second = _export(client, db, assessment_id, per_butir="y", compress_scans="y")
    assert second.compress_scans
    summary = export_service.summary_of(second)
    rows = {f["code"]: f for f in summary["butir_files"]}
    scanned = rows["I2-L1-02"]
    assert scanned["size_before"] > 2 * 1024 * 1024
    assert scanned["size"] < scanned["size_before"] / 4
    assert not scanned["over_limit"]
    folder = _butir_dir(second, tmp_path)
    with pikepdf.open(folder / "I2-L1-02.pdf") as pdf:
        image = pikepdf.PdfImage(next(iter(pdf.pages[0].get_images().values())))
        assert (image.width, image.height) == (621, 875)  # 150 dpi on the A6 page (298 × 420 pt)
    text = pdf_text(folder / f"{PERWALI_BUTIR[0]}.pdf")
    for n in (1, 2, 3):
        assert f"Perwali SPBE {n}" in text  # text PDFs keep their text
    assert rows[PERWALI_BUTIR[0]]["pages"] == 5
    page = client.get(f"/penilaian/{assessment_id}/bundel/").get_data(as_text=True)
    assert "melebihi batas portal" not in page

    # The bundle itself keeps the scan as it was uploaded.
    bundle = exported_file(second, "pdf", tmp_path / "bundel")
    assert bundle is not None
    with pikepdf.open(bundle) as pdf:
        sizes = {len(img.read_raw_bytes()) for p in pdf.pages for img in p.get_images().values()}
    with pikepdf.open(io.BytesIO(scan)) as original:
        assert len(original.pages[0].get_images()["/Im0"].read_raw_bytes()) in sizes


def test_cli_export_per_butir_copies_the_folder_and_zip_and_reports_the_limit(
    pemdi: Pemdi, app: Flask, db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PORTAL_MAX_MB", 1)
    bundle_corpus.upload(pemdi.corpus, "pindaian", "pindaian.pdf", scan_pdf(), "Pindaian SK")
    _link(pemdi, "I2-L1-02", "pindaian")
    _fulfil(pemdi, "I2-L1-02")
    db.session.commit()
    assessment_id = pemdi.world.assessment.id
    out = tmp_path / "salinan"
    result = app.test_cli_runner().invoke(args=["export", str(assessment_id), "--out", str(out), "--per-butir"])
    assert result.exit_code == 0, result.output
    export = db.session.scalars(select(Export).where(Export.assessment_id == assessment_id)).one()
    stem = f"bundel-{assessment_id}-{export.id}"
    folder = out / f"{stem}-per-butir"
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([*(f"{c}.pdf" for c in PERWALI_BUTIR), "I2-L1-02.pdf", "catatan.csv"])
    with zipfile.ZipFile(out / f"{stem}-per-butir.zip") as archive:
        assert sorted(archive.namelist()) == names
    assert "I2-L1-02.pdf" in result.output
    assert "melebihi batas portal 1 MB" in result.output
    assert f"Butir terpenuhi tanpa berkas yang dapat dicetak: {LINK_ONLY}" in result.output
    assert not list(out.glob(".*"))  # no temporary file left behind
