"""R8's last steps in the browser: evidence uploaded and linked, the koordinator fills in who signs, exports the
bundle (built by the real job worker), follows the progress and downloads the PDF, which is then opened and
checked: page count and outline. Then the per-butir files of a Pemdi assessment (on the same server): the
koordinator opens one, uploads a PDF at one butir of I1 and links it to a second, ticks both, asks the bundle page
for the per-butir files and downloads their ZIP: one PDF per butir, named by its code, and catatan.csv."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pikepdf
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, Server, submit_login
from tests.e2e.test_browser import Shots
from tests.functional.helpers import jpeg_bytes, pdf_bytes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

KOORDINATOR = "koordinator@kota-contoh.go.id"
INSTANSI = "Pemerintah Kota Contoh"
INDICATOR = "I9"
#: The Pemdi butir of I1 the per-butir test marks: a PDF uploaded at the first, linked to the second.
UPLOADED_AT = "I1-L1-01"
LINKED_TO = "I1-L2-01"


@pytest.fixture
def shot(page: Page, artifacts: object, request: pytest.FixtureRequest) -> Shots:
    from tests.e2e.conftest import ARTIFACTS

    return Shots(page, ARTIFACTS, re.sub(r"^test_", "", request.node.originalname))


def sign_in(page: Page, server: Server, email: str) -> None:
    submit_login(page, server, email)
    expect(page.locator(".who")).to_be_visible()
    page.goto(f"{server.url}/penilaian/")
    expect(page.get_by_role("heading", name="Penilaian", exact=True)).to_be_visible()


def outline_titles(pdf: pikepdf.Pdf) -> list[str]:
    titles: list[str] = []

    def walk(items: object) -> None:
        for item in items:  # type: ignore[attr-defined]
            titles.append(item.title)
            walk(item.children)

    with pdf.open_outline() as outline:
        walk(outline.root)
    return titles


def test_koordinator_exports_and_downloads_the_bundle(page: Page, server: Server, shot: Shots) -> None:
    page.set_default_timeout(20_000)
    sign_in(page, server, KOORDINATOR)
    page.get_by_role("link", name=INSTANSI).click()
    expect(page.get_by_test_id("projected-index")).to_be_visible()

    # Evidence: a PDF and a scan, uploaded to the library and linked to one indicator.
    pdf_file = server.tmp / "SK Tim SPBE 2026.pdf"
    pdf_file.write_bytes(pdf_bytes(3, "Keputusan Wali Kota tentang Tim SPBE"))
    scan = server.tmp / "Pindaian daftar hadir.jpg"
    scan.write_bytes(jpeg_bytes((1240, 1754)))
    page.locator(f'tr[data-indicator="{INDICATOR}"] td a').first.click()
    page.get_by_role("link", name="Unggah dokumen baru ke pustaka").click()
    page.get_by_test_id("upload-input").set_input_files([pdf_file, scan])
    page.get_by_test_id("upload-submit").click()
    expect(page.locator("#upload-list li.ok")).to_have_count(2, timeout=20_000)
    page.get_by_role("link", name=f"Kembali ke {INDICATOR}").click()
    for n, title in enumerate(["SK Tim SPBE 2026", "Pindaian daftar hadir"], start=1):
        page.get_by_test_id("link-evidence-select").select_option(label=title)
        page.locator('.link-form select[name="level"]').select_option("2")
        page.get_by_test_id("link-evidence").click()
        expect(page.get_by_test_id("linked-evidence")).to_have_count(n)
    shot("linked")

    # The bundle page: who signs, then the export itself.
    page.locator(".crumbs a").nth(1).click()
    page.get_by_test_id("bundle-link").click()
    expect(page.get_by_role("heading", name="Bundel pengajuan", exact=True)).to_be_visible()
    expect(page.get_by_test_id("draft-note")).to_be_visible()
    expect(page.locator(".empty")).to_have_text("Belum ada ekspor untuk penilaian ini.")
    page.get_by_label("Nama Koordinator SPBE").fill("Drs. Budi Santoso, M.Si.")
    page.get_by_label("Jabatan").fill("Sekretaris Daerah Kota Contoh")
    page.get_by_role("button", name="Simpan penandatangan").click()
    expect(page.locator(".flash-success")).to_have_text("Data penandatangan disimpan.")
    shot("signatory")

    page.get_by_test_id("export-start").click()
    expect(page.locator(".flash-success")).to_contain_text("Ekspor bundel dimulai")
    shot("export-started")
    # The worker builds it in the background; the page follows the progress and reloads when it is done.
    download_link = page.get_by_test_id("download-pdf")
    expect(download_link).to_be_visible(timeout=120_000)
    expect(page.get_by_test_id("export-history")).to_contain_text("selesai")
    shot("export-done")

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert re.fullmatch(r"bundel-kota-contoh-\d{4}-\d+\.pdf", download.suggested_filename)
    path = download.path()
    assert path is not None
    data = path.read_bytes()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
        titles = outline_titles(pdf)
    # Report pages, then 3 pages of the PDF and 1 of the scan.
    summary_href = page.get_by_role("link", name="Ringkasan (JSON)").get_attribute("href") or ""
    summary = page.request.get(f"{server.url}{summary_href}").json()
    assert pages == summary["pages"]["total"] == summary["pages"]["report"] + 4
    assert titles[0] == "Sampul"
    assert "Ringkasan Hasil" in titles
    indicator = next(t for t in titles if t.startswith(f"{INDICATOR} "))
    after = titles[titles.index(indicator) + 1 : titles.index(indicator) + 3]
    assert after == ["Lampiran 1: SK Tim SPBE 2026", "Lampiran 2: Pindaian daftar hadir"]

    with page.expect_download() as zip_info:
        page.get_by_test_id("download-zip").click()
    zip_path = zip_info.value.path()
    assert zip_path is not None
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
    assert "manifest.json" in names
    assert "manifest.csv" in names
    assert any(n.startswith(f"{INDICATOR}/{INDICATOR}_L2_01_SK-Tim-SPBE-2026") for n in names)


def test_koordinator_downloads_the_per_butir_zip_of_a_pemdi_assessment(page: Page, server: Server) -> None:
    page.set_default_timeout(20_000)
    sign_in(page, server, KOORDINATOR)
    page.goto(f"{server.url}/penilaian/baru")
    instrument = page.get_by_label("Instrumen")
    pemdi = instrument.locator("option", has_text="Indeks Pemerintah Digital").first.get_attribute("value")
    assert pemdi is not None
    instrument.select_option(pemdi)
    page.get_by_role("button", name="Buka penilaian").click()
    expect(page.locator(".flash-success")).to_contain_text("Penilaian dibuka")
    assessment_id = re.search(r"/penilaian/(\d+)", page.url)
    assert assessment_id is not None
    base = f"{server.url}/penilaian/{assessment_id.group(1)}"

    # A PDF uploaded at one butir of I1 (linked there in the same request), then linked to a second butir.
    page.goto(f"{base}/indikator/I1")
    document = server.tmp / "Renstra Diskominfo 2026.pdf"
    document.write_bytes(pdf_bytes(2, "Renstra Diskominfo memuat RAN Pemdi"))
    page.locator(f'[data-item="{UPLOADED_AT}"] input[type="file"]').set_input_files(document)
    expect(page.get_by_test_id("linked-evidence")).to_have_count(1)  # added by the page when the upload is done
    page.reload()
    item_select = page.locator('.link-form select[name="item_id"]')
    value = item_select.locator("option", has_text=LINKED_TO).get_attribute("value")
    assert value is not None
    page.get_by_test_id("link-evidence-select").select_option(label="Renstra Diskominfo 2026")
    item_select.select_option(value)
    page.get_by_test_id("link-evidence").click()
    expect(page.get_by_test_id("linked-evidence")).to_have_count(2)

    # Both butir ticked and saved.
    for code in (UPLOADED_AT, LINKED_TO):
        page.locator(f'[data-item="{code}"] input[type="checkbox"]').check()
    page.get_by_test_id("save-answer").click()
    for code in (UPLOADED_AT, LINKED_TO):
        expect(page.locator(f'[data-item="{code}"] input[type="checkbox"]')).to_be_checked()

    # The bundle page: per-butir files asked for, built by the worker, their ZIP downloaded.
    page.goto(f"{base}/bundel/")
    page.get_by_label("Juga buat berkas per butir untuk portal evaluasi").check()
    page.get_by_test_id("export-start").click()
    zip_link = page.get_by_test_id("download-butir-zip")
    expect(zip_link).to_be_visible(timeout=120_000)
    table = page.get_by_test_id("butir-table")
    expect(table).to_contain_text(f"{UPLOADED_AT}.pdf")
    expect(table).to_contain_text(f"{LINKED_TO}.pdf")
    with page.expect_download() as info:
        zip_link.click()
    download = info.value
    assert re.fullmatch(r"bundel-kota-contoh-\d{4}-\d+-per-butir\.zip", download.suggested_filename)
    path = download.path()
    assert path is not None
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == [f"{UPLOADED_AT}.pdf", f"{LINKED_TO}.pdf", "catatan.csv"]
        for code in (UPLOADED_AT, LINKED_TO):
            with pikepdf.open(io.BytesIO(archive.read(f"{code}.pdf"))) as pdf:
                assert len(pdf.pages) == 2
                stamps = [b"".join(s.read_bytes() for s in page_.obj.Contents) for page_ in pdf.pages]
            for number, content in enumerate(stamps, start=1):
                assert f"({code} \xb7 hal. {number}/2)".encode("cp1252") in content
        rows = list(csv.reader(io.StringIO(archive.read("catatan.csv").decode("utf-8-sig"))))
    assert [r[0] for r in rows] == ["butir", UPLOADED_AT, LINKED_TO]
    assert all("Renstra Diskominfo 2026, hal. 1–2" in r[1] for r in rows[1:])

    # The list fits a phone's width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(zip_link).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
