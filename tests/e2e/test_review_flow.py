"""The review walk through the browser: comment, send back, fix, approve, final value, finalise, locked.

A reviewer comments on a document and on the answer, sends the answer back; the pengisi fixes and resubmits;
the reviewer approves; the koordinator sets a different final level (with its reason) and, once every other
answer is approved (prepared directly in the SQLite file: setup, not the thing under test), finalises the
assessment. After that the UI offers no editing and the server refuses it. Own server and database (the
``server`` fixture is per module). Screenshots: ``test-artifacts/e2e/review_flow_*.png``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import CHROMIUM, Server, submit_login
from tests.e2e.test_browser import INSTANSI, open_assessment, open_indicator
from tests.functional.helpers import pdf_bytes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

#: Left unanswered by the demo and assigned to its default unit, Diskominfo (seeds/demo/kota-contoh.yaml).
CODE = "I7"
USERS = {
    "pengisi": ("pengisi@kota-contoh.go.id", "Pengisi Diskominfo"),
    "reviewer": ("reviewer@kota-contoh.go.id", "Reviewer Inspektorat"),
    "koordinator": ("koordinator@kota-contoh.go.id", "Koordinator SPBE"),
}
DOC = "Perwali Nomor 7 Tahun 2024 tentang Statistik Sektoral"
Shot = Callable[[Page, str], None]


@pytest.fixture
def shot(artifacts: Path, request: pytest.FixtureRequest) -> Shot:
    """Full-page screenshots ``<test>-<nn>-<step>.png``, from whichever user's page is given."""
    name = re.sub(r"^test_", "", request.node.originalname)
    count = 0

    def take(page: Page, step: str) -> None:
        nonlocal count
        count += 1
        page.screenshot(path=artifacts / f"{name}-{count:02d}-{step}.png", full_page=True)

    return take


def signed_in(new_context: Callable[..., BrowserContext], server: Server, role: str) -> Page:
    """A browser context of its own per user, signed in through the login form."""
    email, name = USERS[role]
    page = new_context().new_page()
    page.set_default_timeout(15_000)
    submit_login(page, server, email)
    expect(page.locator(".who")).to_have_text(name)
    return page


def to_indicator(page: Page, server: Server, assessment: str, code: str = CODE) -> None:
    page.goto(f"{server.url}/penilaian/{assessment}")
    open_indicator(page, code)


def flash_ok(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.locator(".flash-success")).to_have_text(text)


def flash_error(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.locator(".flash-error").filter(has_text=text).first).to_be_visible()


def answer_chip(page: Page, state: str, label: str) -> None:
    expect(page.locator(f".page-head .chip.state-{state}")).to_have_text(label)


def prepare_other_answers(db: Path, assessment: str, state: str) -> int:
    """Setup straight in the database: every answer but ``CODE`` gets a value, and ``state``."""
    with closing(sqlite3.connect(db, timeout=10)) as conn, conn:
        cur = conn.execute(
            """UPDATE answers
                  SET state = ?, claimed_value = COALESCE(claimed_value, 2),
                      reviewer_value = CASE WHEN ? = 'disetujui' THEN COALESCE(claimed_value, 2) END,
                      reviewer_note = CASE WHEN ? = 'disetujui' THEN 'Disiapkan oleh uji e2e.' ELSE '' END,
                      fakta = CASE WHEN fakta = '' THEN 'Disiapkan oleh uji e2e.' ELSE fakta END,
                      analisis = CASE WHEN analisis = '' THEN 'Disiapkan oleh uji e2e.' ELSE analisis END,
                      version = version + 1
                WHERE assessment_id = ?
                  AND indicator_id NOT IN (SELECT id FROM indicators WHERE code = ?)""",
            (state, state, state, int(assessment), CODE),
        )
        return cur.rowcount


def test_review_flow(new_context: Callable[..., BrowserContext], server: Server, shot: Shot) -> None:
    # ------------------------------------------------------------------ 1. pengisi answers, links, submits
    pengisi = signed_in(new_context, server, "pengisi")
    open_assessment(pengisi)
    found = re.search(r"/penilaian/(\d+)", pengisi.url)
    assert found, pengisi.url
    assessment = found.group(1)
    shot(pengisi, "pengisi-overview")
    expect(pengisi.locator(f'tr[data-indicator="{CODE}"] .chip')).to_have_text("belum diisi")
    open_indicator(pengisi, CODE)
    pengisi.locator('label.level-card[data-level="3"]').click()
    pengisi.locator("#fakta").fill("Perwali Nomor 7 Tahun 2024 mengatur statistik sektoral.")
    pengisi.locator("#analisis").fill("Kebijakan statistik sektoral ditetapkan dan diterapkan; kriteria level 3.")
    pengisi.get_by_test_id("save-answer").click()
    flash_ok(pengisi, "Jawaban disimpan.")
    answer_chip(pengisi, "draf", "draf")
    shot(pengisi, "pengisi-answer-saved")

    pdf = server.tmp / f"{DOC}.pdf"
    pdf.write_bytes(pdf_bytes(2, "Peraturan Wali Kota statistik"))
    pengisi.get_by_role("link", name="Unggah dokumen baru ke pustaka").click()
    pengisi.get_by_test_id("upload-input").set_input_files(pdf)
    pengisi.get_by_test_id("upload-submit").click()
    expect(pengisi.locator("#upload-list li.ok")).to_have_count(1, timeout=20_000)
    shot(pengisi, "pengisi-uploaded")
    pengisi.get_by_role("link", name=f"Kembali ke {CODE}").click()
    pengisi.get_by_test_id("link-evidence-select").select_option(label=DOC)
    pengisi.locator('.link-form select[name="level"]').select_option("3")
    pengisi.get_by_test_id("link-evidence").click()
    flash_ok(pengisi, "Dokumen ditautkan.")
    pengisi.get_by_test_id("submit-review").click()
    expect(pengisi.locator(".flash-success").last).to_have_text("Jawaban diajukan untuk direviu.")
    answer_chip(pengisi, "siap_direviu", "siap direviu")
    shot(pengisi, "pengisi-submitted")

    # ------------------------------------------------------------------ 2. reviewer comments and sends back
    reviewer = signed_in(new_context, server, "reviewer")
    expect(reviewer.get_by_role("heading", name="Tugas saya", exact=True)).to_be_visible()  # where a reviewer lands
    reviewer.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name="Penilaian").click()
    reviewer.get_by_role("link", name=INSTANSI).click()
    reviewer.get_by_role("link", name="Pustaka data dukung").click()
    reviewer.get_by_test_id("library").get_by_role("link", name=DOC).click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(DOC)
    reviewer.locator("#comment-body").fill("Halaman 2 belum ditandatangani; mohon unggah salinan yang sah.")
    reviewer.get_by_test_id("comment-submit").click()
    flash_ok(reviewer, "Komentar dikirim.")
    expect(reviewer.get_by_test_id("thread")).to_have_count(1)
    expect(reviewer.get_by_test_id("thread")).to_contain_text("belum ditandatangani")
    expect(reviewer.get_by_test_id("open-threads")).to_have_text("1 diskusi terbuka")
    shot(reviewer, "reviewer-document-comment")

    to_indicator(reviewer, server, assessment)
    reviewer.locator("#reviewer_value").select_option("2")
    reviewer.locator("#reviewer_note").fill("Kebijakan baru berlaku di Diskominfo; belum di seluruh OPD.")
    reviewer.get_by_test_id("save-reviewer-value").click()
    flash_ok(reviewer, "Nilai reviewer disimpan.")
    expect(reviewer.get_by_test_id("reviewer-shown")).to_have_text(re.compile(r"^2 · "))
    # A comment on the document is not one on the answer: sending back is refused.
    expect(reviewer.get_by_test_id("open-threads")).to_have_text("0 diskusi terbuka")
    reviewer.get_by_test_id("send-back").click()
    flash_error(reviewer, "Tulis paling sedikit satu komentar terbuka")
    answer_chip(reviewer, "siap_direviu", "siap direviu")
    shot(reviewer, "reviewer-send-back-refused")

    canned = reviewer.locator("#comment-canned")
    canned.select_option(label="Cakupan belum meliputi seluruh unit (L3+)")
    reviewer.get_by_test_id("canned-insert").click()  # inserted in place by the page's script
    body = reviewer.locator("#comment-body")
    expect(body).to_have_value(re.compile(r"^Bukti yang dilampirkan baru mencakup sebagian unit/OPD"))
    body.press("End")
    body.press_sequentially(" Lampirkan SK penerapan di OPD lain.")
    shot(reviewer, "reviewer-canned-inserted")
    reviewer.get_by_test_id("comment-submit").click()
    flash_ok(reviewer, "Komentar dikirim.")
    expect(reviewer.get_by_test_id("open-threads")).to_have_text("1 diskusi terbuka")
    expect(reviewer.get_by_test_id("thread")).to_contain_text("Lampirkan SK penerapan di OPD lain.")
    reviewer.get_by_test_id("send-back").click()
    flash_ok(reviewer, f"Jawaban {CODE} dikembalikan untuk diperbaiki.")
    answer_chip(reviewer, "perlu_perbaikan", "perlu perbaikan")
    shot(reviewer, "reviewer-sent-back")

    # ------------------------------------------------------------------ 3. pengisi fixes and resubmits
    pengisi.get_by_test_id("nav-my-work").click()
    expect(pengisi.get_by_role("heading", name="Tugas saya")).to_be_visible()
    expect(pengisi.get_by_test_id("count-sent-back")).to_have_text("1")
    sent_back = pengisi.get_by_test_id("section-sent-back")
    expect(sent_back.get_by_test_id("work-row")).to_have_count(1)
    expect(sent_back).to_contain_text("perlu perbaikan")
    shot(pengisi, "pengisi-my-work")
    sent_back.get_by_role("link", name=re.compile(rf"^{CODE} · ")).click()
    answer_chip(pengisi, "perlu_perbaikan", "perlu perbaikan")
    expect(pengisi.get_by_test_id("thread")).to_contain_text("Lampirkan SK penerapan di OPD lain.")
    pengisi.locator("#fakta").fill(
        "Perwali Nomor 7 Tahun 2024 mengatur statistik sektoral; SK penerapan di 8 OPD terlampir."
    )
    pengisi.get_by_test_id("save-answer").click()
    flash_ok(pengisi, "Jawaban disimpan.")
    expect(pengisi.locator("#fakta")).to_have_value(re.compile("SK penerapan di 8 OPD"))
    pengisi.get_by_test_id("submit-review").click()
    expect(pengisi.locator(".flash-success").last).to_have_text("Jawaban diajukan untuk direviu.")
    answer_chip(pengisi, "siap_direviu", "siap direviu")
    shot(pengisi, "pengisi-resubmitted")

    # ------------------------------------------------------------------ 4. reviewer approves
    reviewer.reload()
    answer_chip(reviewer, "siap_direviu", "siap direviu")
    expect(reviewer.locator("#fakta")).to_have_value(re.compile("SK penerapan di 8 OPD"))
    reviewer.get_by_role("button", name="Tandai selesai").click()
    flash_ok(reviewer, "Diskusi ditandai selesai.")
    expect(reviewer.get_by_test_id("open-threads")).to_have_text("0 diskusi terbuka")
    reviewer.get_by_test_id("approve").click()
    flash_ok(reviewer, f"Jawaban {CODE} disetujui.")
    answer_chip(reviewer, "disetujui", "disetujui")
    expect(reviewer.get_by_test_id("approve")).to_have_count(0)
    shot(reviewer, "reviewer-approved")

    # ------------------------------------------------------------------ 5. koordinator sets the final level
    koordinator = signed_in(new_context, server, "koordinator")
    to_indicator(koordinator, server, assessment)
    expect(koordinator.locator("#final_value")).to_have_value("2")  # the reviewer's, by default
    koordinator.locator("#final_value").select_option("3")
    koordinator.get_by_test_id("save-final-value").click()
    flash_error(koordinator, "Nilai akhir berbeda dari nilai reviewer: tuliskan alasannya.")
    expect(koordinator.get_by_test_id("final-shown")).to_have_text("–")
    shot(koordinator, "koordinator-final-needs-reason")
    koordinator.locator("#final_value").select_option("3")
    koordinator.locator("#final_reason").fill("SK penerapan di 8 OPD memenuhi kriteria level 3.")
    koordinator.get_by_test_id("save-final-value").click()
    flash_ok(koordinator, "Nilai akhir disimpan.")
    expect(koordinator.get_by_test_id("final-shown")).to_have_text(re.compile(r"^3 · "))
    shot(koordinator, "koordinator-final-set")

    koordinator.locator(".crumbs a").nth(1).click()
    for box in ("index-claimed", "index-reviewer", "index-final"):
        expect(koordinator.get_by_test_id(box)).to_be_visible()
        expect(koordinator.get_by_test_id(box).locator(".index-value")).not_to_have_text("–")
    row = koordinator.locator(f'tr[data-indicator="{CODE}"]')
    expect(row.get_by_test_id("reviewer-value")).to_have_text("2")
    expect(row.get_by_test_id("final-value")).to_have_text("3")
    expect(row.locator(".chip")).to_have_text("disetujui")
    shot(koordinator, "koordinator-overview")

    # ------------------------------------------------------------------ 6. review stage, then final
    db = server.tmp / "mandiri.db"
    assert prepare_other_answers(db, assessment, "siap_direviu") == 46
    koordinator.reload()
    stage = koordinator.locator(".state-actions .chip")
    expect(stage).to_have_text("pengisian")
    koordinator.get_by_test_id("state-reviu").click()
    flash_ok(koordinator, "Tahap penilaian sekarang: reviu.")
    expect(stage).to_have_text("reviu")
    shot(koordinator, "koordinator-review-started")
    koordinator.get_by_test_id("state-final").click()  # 46 answers are not approved yet
    held = koordinator.get_by_test_id("held-back")  # what holds the stage back, by unit, with whom to chase
    expect(held.get_by_role("heading", level=2)).to_have_text("Yang menahan finalisasi")
    expect(held.locator("li", has=koordinator.get_by_role("link", name="I1", exact=True))).to_contain_text(
        "siap direviu"
    )
    expect(stage).to_have_text("reviu")
    shot(koordinator, "koordinator-final-refused")

    assert prepare_other_answers(db, assessment, "disetujui") == 46
    koordinator.get_by_test_id("state-final").click()
    flash_ok(koordinator, "Tahap penilaian sekarang: final.")
    expect(stage).to_have_text("final")
    expect(koordinator.locator(".page-head p.muted > .chip")).to_have_text("final")
    expect(koordinator.get_by_test_id("state-final")).to_have_count(0)
    expect(row.get_by_test_id("final-value")).to_have_text("3")  # not overwritten by the reviewer's default
    shot(koordinator, "koordinator-finalised")

    # ------------------------------------------------------------------ 7. locked: UI and server
    pengisi.reload()
    expect(pengisi.get_by_role("heading", level=1)).to_contain_text(CODE)
    for control in ("save-answer", "link-evidence", "link-evidence-select", "submit-review", "comment-form"):
        expect(pengisi.get_by_test_id(control)).to_have_count(0)
    expect(pengisi.get_by_role("link", name="Unggah dokumen baru ke pustaka")).to_have_count(0)
    expect(pengisi.locator("#fakta")).to_be_disabled()
    expect(pengisi.locator("#komentar")).to_contain_text("Penilaian sudah final: komentar hanya dapat dibaca.")
    shot(pengisi, "pengisi-final-indicator")

    token = pengisi.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    answer_url = f"{server.url}/penilaian/{assessment}/indikator/{CODE}"
    refused = pengisi.request.post(
        answer_url,
        form={"csrf_token": token, "version": "99", "level": "5", "fakta": "Diubah lewat POST.", "analisis": "x"},
        max_redirects=0,
    )
    assert refused.status == 403, refused.status
    refused = pengisi.request.post(f"{answer_url}/ajukan", form={"csrf_token": token, "version": "99"}, max_redirects=0)
    assert refused.status == 403, refused.status
    pengisi.reload()
    expect(pengisi.locator("#fakta")).to_have_value(re.compile("SK penerapan di 8 OPD"))
    answer_chip(pengisi, "disetujui", "disetujui")

    pengisi.goto(f"{server.url}/penilaian/{assessment}")
    pengisi.get_by_role("link", name="Pustaka data dukung").click()
    expect(pengisi.get_by_role("heading", name="Pustaka data dukung")).to_be_visible()
    expect(pengisi.get_by_test_id("library")).to_contain_text(DOC)
    expect(pengisi.get_by_test_id("upload-input")).to_have_count(0)
    expect(pengisi.get_by_test_id("upload-submit")).to_have_count(0)
    shot(pengisi, "pengisi-final-library")
    token = pengisi.locator('meta[name="csrf-token"]').get_attribute("content")
    upload = pengisi.request.post(
        f"{server.url}/penilaian/{assessment}/pustaka/unggah",
        multipart={
            "csrf_token": token or "",
            "files": {"name": "baru.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
        },
        headers={"X-CSRFToken": token or ""},  # as the uploader sends it: checked before the file is read
        max_redirects=0,
    )
    assert upload.status == 403, upload.status

    reviewer.reload()
    expect(reviewer.get_by_test_id("save-reviewer-value")).to_have_count(0)
    token = reviewer.locator('meta[name="csrf-token"]').get_attribute("content")
    refused = reviewer.request.post(
        f"{answer_url}/reviu/kembalikan", form={"csrf_token": token or "", "version": "1"}, max_redirects=0
    )
    assert refused.status == 403, refused.status

    # A reopen needs a reason: the browser asks for one, and the server refuses a blank one.
    koordinator.reload()
    reason = koordinator.locator('.state-actions input[name="reason"]')
    koordinator.get_by_test_id("state-reviu").click()
    expect(koordinator.locator('.state-actions input[name="reason"]:invalid')).to_have_count(1)
    expect(stage).to_have_text("final")
    reason.fill("   ")
    koordinator.get_by_test_id("state-reviu").click()
    flash_error(koordinator, "Tuliskan alasan membuka kembali penilaian yang sudah final.")
    expect(stage).to_have_text("final")
    shot(koordinator, "koordinator-reopen-refused")
    koordinator.locator('.state-actions input[name="reason"]').fill("Koreksi nilai I7 atas permintaan asesor.")
    koordinator.get_by_test_id("state-reviu").click()
    flash_ok(koordinator, "Tahap penilaian sekarang: reviu.")
    expect(stage).to_have_text("reviu")
    shot(koordinator, "koordinator-reopened")
