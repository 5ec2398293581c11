"""The browser end-to-end test: a pengisi answers an indicator, uploads and links evidence, submits it.

A real gunicorn server on a SQLite file prepared by ``mandiri init`` and ``mandiri demo`` (see conftest.py),
driven through Debian's Chromium. Screenshots of every major step go to ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.e2e.conftest import CHROMIUM, ROOT, UPLOAD_MAX_MB, CspRecorder, Server
from tests.functional.helpers import jpeg_bytes, pdf_bytes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

PENGISI = "pengisi@kota-contoh.go.id"
INSTANSI = "Pemerintah Kota Contoh"
#: Left unanswered by the demo and assigned to its default unit, Diskominfo (seeds/demo/kota-contoh.yaml).
SUBMITTED = "I7"
AUTOSAVED = "I14"
LOST_SESSION = "I18"
EARLY_TYPED = "I23"
EN_CATALOGUE = ROOT / "assess" / "translations" / "en" / "LC_MESSAGES" / "messages.mo"


class Shots:
    """Full-page screenshots named by test and step: ``<test>-<nn>-<step>.png``."""

    def __init__(self, page: Page, folder: Path, test: str) -> None:
        self.page, self.folder, self.test, self.n = page, folder, test, 0

    def __call__(self, step: str) -> None:
        self.n += 1
        self.page.screenshot(path=self.folder / f"{self.test}-{self.n:02d}-{step}.png", full_page=True)


@pytest.fixture
def shot(page: Page, artifacts: Path, request: pytest.FixtureRequest) -> Shots:
    name = re.sub(r"^test_", "", request.node.originalname)
    return Shots(page, artifacts, name)


@pytest.fixture
def ui(page: Page) -> Page:
    page.set_default_timeout(15_000)
    return page


def login(page: Page, server: Server, shot: Shots) -> None:
    page.goto(f"{server.url}/login")
    expect(page.get_by_role("heading", name="Masuk ke Mandiri")).to_be_visible()
    page.locator("#email").fill(PENGISI)
    page.locator("#password").fill(server.password)
    shot("login")
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_role("heading", name="Tugas saya", exact=True)).to_be_visible()  # where a pengisi lands
    expect(page.locator(".who")).to_have_text("Pengisi Diskominfo")
    page.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name="Penilaian").click()
    expect(page.get_by_role("heading", name="Penilaian", exact=True)).to_be_visible()


def open_assessment(page: Page) -> None:
    """From any page: the assessment list in the navigation, then the demo's assessment."""
    page.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name="Penilaian").click()
    page.get_by_role("link", name=INSTANSI).click()
    expect(page.get_by_test_id("projected-index")).to_be_visible()


def open_indicator(page: Page, code: str) -> None:
    page.locator(f'tr[data-indicator="{code}"] td a').first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)


def test_pengisi_answers_uploads_links_and_submits(ui: Page, server: Server, shot: Shots) -> None:
    page = ui
    login(page, server, shot)
    shot("assessments")
    open_assessment(page)
    row = page.locator(f'tr[data-indicator="{SUBMITTED}"]')
    expect(row.locator(".chip")).to_have_text("belum diisi")
    expect(row).to_contain_text("Diskominfo")
    shot("overview")

    # Answer: a level card, FAKTA and ANALISIS, saved.
    open_indicator(page, SUBMITTED)
    shot("indicator-empty")
    page.locator('label.level-card[data-level="3"]').click()
    expect(page.locator('input[name="level"][value="3"]')).to_be_checked()
    page.locator("#fakta").fill("Peraturan Wali Kota Nomor 12 Tahun 2024 pasal 5–9 mengatur bus integrasi.")
    page.locator("#analisis").fill("Bus, repositori metadata dan direktori layanan sudah diatur; kriteria level 3.")
    shot("indicator-filled")
    page.get_by_test_id("save-answer").click()
    expect(page.locator(".flash-success")).to_have_text("Jawaban disimpan.")
    expect(page.locator(".page-head .chip.state-draf")).to_have_text("draf")
    expect(page.locator("#fakta")).to_have_value(re.compile("Nomor 12 Tahun 2024"))
    shot("indicator-saved")

    # Upload a real PDF and a real JPEG through the file input of the library.
    pdf = server.tmp / "Perwali Nomor 12 Tahun 2024.pdf"
    pdf.write_bytes(pdf_bytes(2, "Peraturan Wali Kota"))
    jpg = server.tmp / "Tangkapan layar aplikasi.jpg"
    jpg.write_bytes(jpeg_bytes())
    page.get_by_role("link", name="Unggah dokumen baru ke pustaka").click()
    expect(page.get_by_role("heading", name="Pustaka data dukung")).to_be_visible()
    page.get_by_test_id("upload-input").set_input_files([pdf, jpg])
    rows = page.locator("#upload-list li")
    expect(rows).to_have_count(2)
    shot("upload-chosen")
    page.get_by_test_id("upload-submit").click()
    expect(page.locator("#upload-list li.ok")).to_have_count(2, timeout=20_000)
    expect(rows.nth(0).locator(".msg")).to_have_text("Tersimpan: Perwali Nomor 12 Tahun 2024")
    expect(rows.nth(1).locator(".msg")).to_have_text("Tersimpan: Tangkapan layar aplikasi")
    shot("upload-saved")
    page.locator("#reload-library").click()
    library = page.get_by_test_id("library")
    expect(library).to_contain_text("Perwali Nomor 12 Tahun 2024")
    expect(library).to_contain_text("Tangkapan layar aplikasi")
    shot("library")

    # Back on the indicator: link both documents to level 3.
    page.get_by_role("link", name=f"Kembali ke {SUBMITTED}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBMITTED)
    for n, title in enumerate(["Perwali Nomor 12 Tahun 2024", "Tangkapan layar aplikasi"], start=1):
        page.get_by_test_id("link-evidence-select").select_option(label=title)
        page.locator('.link-form select[name="level"]').select_option("3")
        page.get_by_test_id("link-evidence").click()
        expect(page.locator(".flash-success")).to_have_text("Dokumen ditautkan.")
        expect(page.get_by_test_id("linked-evidence")).to_have_count(n)
    shot("linked")

    # Submit for review.
    page.get_by_test_id("submit-review").click()
    expect(page.locator(".flash-success")).to_contain_text(["Jawaban diajukan untuk direviu."])
    expect(page.locator(".page-head .chip.state-siap_direviu")).to_have_text("siap direviu")
    linked = page.get_by_test_id("linked-evidence")
    expect(linked).to_have_count(2)
    expect(linked.nth(0)).to_contain_text("Level 3")
    expect(page.locator("table.list")).to_contain_text("Perwali Nomor 12 Tahun 2024")
    expect(page.locator("table.list")).to_contain_text("Tangkapan layar aplikasi")
    expect(page.get_by_test_id("submit-review")).to_have_count(0)
    expect(page.locator("#fakta")).to_be_disabled()
    shot("submitted")

    # The overview lists the indicator as ready for review, with its two documents.
    page.locator(".crumbs a").nth(1).click()
    row = page.locator(f'tr[data-indicator="{SUBMITTED}"]')
    expect(row.locator(".chip")).to_have_text("siap direviu")
    expect(row.get_by_test_id("evidence-count")).to_have_text("2")
    shot("overview-submitted")


def test_unsaved_text_is_offered_back_after_reload(ui: Page, server: Server, shot: Shots) -> None:
    page = ui
    login(page, server, shot)
    open_assessment(page)
    open_indicator(page, AUTOSAVED)
    expect(page.locator("#draft-banner")).to_be_hidden()
    text = "Draf yang belum disimpan: SK Wali Kota tentang tim SPBE."
    page.locator("#fakta").fill(text)
    # The browser copy is written 0.4 s after typing; the status line says when.
    expect(page.locator("[data-autosave-status]")).to_contain_text("Draf tersimpan di peramban ini")
    shot("typed")

    page.reload()
    banner = page.locator("#draft-banner")
    expect(banner).to_be_visible()
    expect(banner).not_to_contain_text("<span")  # the time slot is markup, not escaped text
    expect(banner.locator("[data-draft-time]")).not_to_be_empty()
    expect(page.locator("#fakta")).to_have_value("")
    shot("banner")
    page.locator("[data-draft-restore]").click()
    expect(page.locator("#fakta")).to_have_value(text)
    expect(page.locator("#draft-banner")).to_be_hidden()
    shot("restored")


def test_text_survives_a_lost_session(ui: Page, server: Server, shot: Shots) -> None:
    """The session ends while typing: the save fails, and after signing in again the text is offered back."""
    page = ui
    login(page, server, shot)
    open_assessment(page)
    open_indicator(page, LOST_SESSION)
    text = "Penjelasan panjang yang diketik ketika sesi berakhir: Perwali 9/2025 pasal 4."
    page.locator("#fakta").fill(text)
    expect(page.locator("[data-autosave-status]")).to_contain_text("Draf tersimpan di peramban ini")
    page.context.clear_cookies()  # the session is gone (expired, or signed out in another tab)
    indicator_url = page.url
    page.get_by_test_id("save-answer").click()
    # Without a session the form's token is no longer valid: nothing is written, the user is asked to sign in
    # again and told that the text is kept.
    expect(page.get_by_role("heading", name="Masuk ke Mandiri")).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("isian Anda tersimpan di peramban ini")
    shot("sign-in-again")
    page.locator("#email").fill(PENGISI)
    page.locator("#password").fill(server.password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    # Back on the same form, not on a page whose reload would post it again.
    expect(page.get_by_role("heading", level=1)).to_contain_text(LOST_SESSION)
    assert page.url == indicator_url
    expect(page.locator("#fakta")).to_have_value("")
    expect(page.locator("#draft-banner")).to_be_visible()
    page.locator("[data-draft-restore]").click()
    expect(page.locator("#fakta")).to_have_value(text)
    shot("restored")
    drafts = "Object.keys(localStorage).filter((k) => k.startsWith('mandiri-draft:')).length"
    assert page.evaluate(drafts) >= 1
    page.locator("form[data-logout] button").click()  # signing out forgets the drafts on this computer
    expect(page.get_by_role("heading", name="Masuk ke Mandiri")).to_be_visible()
    assert page.evaluate(drafts) == 0


def test_an_upload_after_the_session_ended_offers_to_sign_in_again(ui: Page, server: Server, shot: Shots) -> None:
    """The uploader's request answers 401 once the session is gone: the row says so, with a link that signs in and
    comes back to the library (issue 16)."""
    page = ui
    document = server.tmp / "Notulen rapat.pdf"
    document.write_bytes(pdf_bytes())
    login(page, server, shot)
    open_assessment(page)
    page.get_by_role("link", name="Pustaka data dukung").click()
    library = urlsplit(page.url).path
    page.get_by_test_id("upload-input").set_input_files([document])
    page.context.clear_cookies()
    page.get_by_test_id("upload-submit").click()
    row = page.locator("#upload-list li").first
    expect(row).to_have_class("error")
    expect(row.locator(".msg")).to_contain_text("Sesi Anda telah berakhir; berkas ini belum diunggah.")
    shot("session-lost")
    row.get_by_role("link", name="Masuk lagi").click()
    page.locator("#email").fill(PENGISI)
    page.locator("#password").fill(server.password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_role("heading", name="Pustaka data dukung")).to_be_visible()
    assert urlsplit(page.url).path == library
    expect(page.locator("main")).not_to_contain_text("Notulen rapat")


def test_upload_refuses_bad_and_too_large_files(ui: Page, server: Server, shot: Shots) -> None:
    page = ui
    fake = server.tmp / "Laporan kegiatan.pdf"
    fake.write_bytes(b"<!DOCTYPE html><html><body><h1>Bukan PDF</h1></body></html>\n")
    big = server.tmp / "Dokumen besar.pdf"
    big.write_bytes(pdf_bytes() + b"%" + b"0" * (UPLOAD_MAX_MB * 1024 * 1024 // 2 * 3))
    sent: list[str] = []

    def on_request(req: Request) -> None:
        if req.method == "POST" and urlsplit(req.url).path.endswith("/unggah"):
            sent.append(req.url)

    page.on("request", on_request)
    login(page, server, shot)
    open_assessment(page)
    page.get_by_role("link", name="Pustaka data dukung").click()
    page.get_by_test_id("upload-input").set_input_files([fake, big])
    rows = page.locator("#upload-list li")
    expect(rows).to_have_count(2)
    # Too large: refused in the browser at once, never sent.
    expect(rows.nth(1)).to_have_class("error")
    expect(rows.nth(1).locator(".msg")).to_have_text(f"Terlalu besar: batasnya {UPLOAD_MAX_MB} MB.")
    shot("chosen")

    page.get_by_test_id("upload-submit").click()
    expect(rows.nth(0)).to_have_class("error", timeout=20_000)
    expect(rows.nth(0).locator(".msg")).to_contain_text("Isi berkas bukan PDF")
    expect(rows.nth(0).locator(".msg")).to_contain_text("HTML")
    shot("refused")
    assert len(sent) == 1, sent  # only the fake PDF went to the server
    page.reload()
    expect(page.get_by_role("heading", name="Pustaka data dukung")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Laporan kegiatan")


def test_sizes_and_times_follow_the_page_language(ui: Page, server: Server, shot: Shots) -> None:
    """The browser speaks Indonesian (id-ID); an English page still shows English sizes and times, and an
    Indonesian one a decimal comma and "10.32" (issue 16: "0.0 MB", times in the browser's format)."""
    page = ui
    small = server.tmp / "Nota dinas.pdf"
    small.write_bytes(pdf_bytes() + b"%" + b"0" * (12 * 1024))
    large = server.tmp / "Lampiran besar.pdf"
    large.write_bytes(pdf_bytes() + b"%" + b"0" * int(1.4 * 1024 * 1024))
    kb = f"{int(small.stat().st_size / 1024 + 0.5)} KB"
    login(page, server, shot)
    open_assessment(page)
    open_indicator(page, AUTOSAVED)
    indicator = page.url
    library = indicator.split("/indikator/")[0] + "/pustaka/"
    status = page.locator("[data-autosave-status]")
    for lang, clock, sizes in (
        ("en", r"Draft saved in this browser \d{2}:\d{2}$", (kb, "1.4 MB", "1 MB")),
        ("id", r"Draf tersimpan di peramban ini \d{2}\.\d{2}$", (kb, "1,4 MB", "1 MB")),
    ):
        page.locator(f'form.lang button[value="{lang}"]').click()
        page.goto(indicator)
        page.locator("#fakta").fill(f"Teks uji format waktu ({lang}).")
        expect(status).to_have_text(re.compile(clock))
        page.goto(library)
        page.get_by_test_id("upload-input").set_input_files([small, large])
        rows = page.locator("#upload-list li")
        expect(rows.nth(0).locator(".size")).to_have_text(sizes[0])
        expect(rows.nth(1).locator(".size")).to_have_text(sizes[1])
        expect(rows.nth(1).locator(".msg")).to_contain_text(sizes[2])
        shot(f"sizes-{lang}")


class HeldScript:
    """Holds back app.js, as a slow connection does, while the page itself is already usable."""

    def __init__(self, page: Page) -> None:
        self.page, self.held = page, list[Route]()
        page.route("**/static/app.js*", self.hold)

    def hold(self, route: Route) -> None:
        self.held.append(route)

    def release(self) -> None:
        assert len(self.held) == 1  # the page was there and its script was not
        self.held.pop().continue_()
        self.page.unroute("**/static/app.js*")
        self.page.wait_for_load_state("load")


def test_files_chosen_before_the_script_runs_are_still_sent(ui: Page, server: Server, shot: Shots) -> None:
    """On a slow connection the file input is usable before app.js has run; what was chosen then is sent."""
    page = ui
    pdf = server.tmp / "Dipilih sebelum skrip.pdf"
    pdf.write_bytes(pdf_bytes(1, "Dipilih sebelum skrip"))
    login(page, server, shot)
    open_assessment(page)
    script = HeldScript(page)
    page.get_by_role("link", name="Pustaka data dukung").click()
    page.get_by_test_id("upload-input").set_input_files(pdf)
    script.release()
    page.get_by_test_id("upload-submit").click()
    expect(page.locator("#upload-list li.ok")).to_have_count(1, timeout=20_000)
    expect(page.locator("#upload-list li.ok .msg")).to_contain_text("Dipilih sebelum skrip")


def test_text_typed_before_the_script_runs_is_kept_as_a_draft(ui: Page, server: Server, shot: Shots) -> None:
    page = ui
    login(page, server, shot)
    open_assessment(page)
    script = HeldScript(page)
    page.locator(f'tr[data-indicator="{EARLY_TYPED}"] td a').first.click()
    page.locator("#fakta").fill("Diketik sebelum skrip halaman selesai dimuat.")
    script.release()
    expect(page.locator("[data-autosave-status]")).to_contain_text("Draf tersimpan di peramban ini")
    page.reload()
    expect(page.locator("#draft-banner")).to_be_visible()


def test_english_switch(ui: Page, server: Server, shot: Shots) -> None:
    if not EN_CATALOGUE.exists():
        pytest.skip("English catalogue not compiled (run `make translations`)")
    page = ui
    login(page, server, shot)
    nav = page.get_by_role("navigation", name="Navigasi utama")
    expect(nav.get_by_role("link", name="Penilaian")).to_be_visible()
    page.locator('form.lang button[value="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Assessments")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator('form.lang button[value="en"]')).to_have_attribute("aria-current", "true")
    shot("english")
    page.locator('form.lang button[value="id"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name="Penilaian")).to_be_visible()


def test_the_csp_recorder_reports_a_blocked_inline_script(ui: Page, server: Server, csp: CspRecorder) -> None:
    """What every test here relies on: the page's policy blocks an inline script, and the recorder reports it."""
    ui.goto(f"{server.url}/login")
    expect(ui.get_by_role("heading", name="Masuk ke Mandiri")).to_be_visible()
    ui.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.inlineRan = true;";
          document.head.appendChild(s);
        }"""
    )
    csp.settle()
    assert ui.evaluate("() => window.inlineRan === undefined")
    assert any(v.startswith("script-src-elem blocked inline") for v in csp.violations), csp.violations
    assert any(v.startswith("console: ") for v in csp.violations), csp.violations
    csp.violations.clear()  # seen on purpose: the check at the end of the test must not count them
