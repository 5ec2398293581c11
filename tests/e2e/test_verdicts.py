"""The asesor's verdicts in Chromium: the koordinator opens a Pemdi assessment, ticks butir, imports the asesor's
verdicts through the upload form (preview, then apply), and every page that shows them works on a phone (390 px):
no sideways scroll of the page, no axe-core WCAG A/AA violation, no CSP violation (the ``page`` fixture's context
records them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.a11y import axe_violations, describe, overflow
from tests.e2e.conftest import CHROMIUM, Server, submit_login

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

PHONE = {"width": 390, "height": 844}
VERDICTS = (
    "butir;hasil;catatan;tahap\n"
    "I1-L1-01;diterima;;dokumen\n"
    "I1-L2-01;diterima;;dokumen\n"
    "I1-L2-02;revisi;Dokumen yang diunggah adalah SK tim asesor internal, bukan SK tim audit TIK;dokumen\n"
    "I1-L2-02;diterima;;koreksi\n"
    "I1-L2-03;ditolak;Otomatis ditolak karena tingkat kematangan sebelumnya ditolak;dokumen\n"
)


def _open_pemdi(page: Page, server: Server) -> str:
    """The koordinator opens a Pemdi assessment for 2027; its address."""
    page.goto(f"{server.url}/penilaian/baru")
    choice = page.locator("#instrument_id option", has_text="Pemerintah Digital").get_attribute("value")
    assert choice is not None
    page.get_by_label("Instrumen").select_option(choice)
    page.get_by_label("Tahun penilaian").fill("2027")
    page.get_by_role("button", name="Buka penilaian").click()
    expect(page.get_by_test_id("projected-index")).to_be_visible()
    return re.sub(r"[?#].*$", "", page.url).rstrip("/")


def _tick(page: Page, url: str, *codes: str) -> None:
    page.goto(f"{url}/indikator/I1")
    for code in codes:
        page.locator(f'[data-item="{code}"] input[type="checkbox"]').check()
    page.get_by_test_id("save-answer").click()
    expect(page.locator(".flash-success, [data-testid='bar-said']").first).to_be_visible()


def test_verdicts_imported_through_the_form_show_on_every_page_at_a_phones_width(
    page: Page, server: Server, artifacts: Path
) -> None:
    page.set_default_timeout(15_000)
    submit_login(page, server, "koordinator@kota-contoh.go.id")
    expect(page.locator("form[data-logout]")).to_have_count(1)
    url = _open_pemdi(page, server)
    _tick(page, url, "I1-L1-01", "I1-L2-01", "I1-L2-02", "I1-L2-03", "I1-L2-04")

    page.set_viewport_size(PHONE)
    page.goto(f"{url}/hasil-asesor")
    page.get_by_label("Berkas hasil asesor (CSV atau XLSX)").set_input_files(
        {"name": "hasil-asesor.csv", "mimeType": "text/csv", "buffer": VERDICTS.encode()}
    )
    page.get_by_role("button", name="Pratinjau").click()
    expect(page.get_by_test_id("verdict-summary")).to_contain_text("5 hasil baru")
    problems = _check(page, "pratinjau", artifacts)
    page.get_by_test_id("verdict-apply").click()
    expect(page.locator(".flash")).to_contain_text("Hasil asesor disimpan: 5 baru, 0 diubah.")
    expect(page.get_by_test_id("verdict-totals")).to_contain_text("4 butir dinilai")

    pages = {
        "hasil-asesor": f"{url}/hasil-asesor",
        "indikator": f"{url}/indikator/I1",
        "ikhtisar": url,
        "dasbor": f"{url}/dasbor",
        "banding": f"{url}/simulasi/banding?kiri=klaim&kanan=terverifikasi",
    }
    for name, address in pages.items():
        page.goto(address)
        problems += _check(page, name, artifacts)
    page.goto(f"{url}/indikator/I1")
    expect(page.get_by_test_id("verdict-I1-L2-02").locator(".chip-verdict").first).to_have_text("diterima")
    page.get_by_test_id("verdict-history-I1-L2-02").locator("summary").click()
    expect(page.get_by_test_id("verdict-history-I1-L2-02")).to_contain_text("bukan SK tim audit TIK")
    page.get_by_test_id("verdict-I1-L2-03").get_by_role("link", name="Ubah hasil asesor").click()
    expect(page.get_by_test_id("verdict-form")).to_be_visible()
    problems += _check(page, "butir", artifacts)
    page.goto(f"{url}/dasbor")
    expect(page.get_by_test_id("verified-judged")).to_contain_text("4 butir dinilai asesor, 3 diterima.")
    assert not problems, "\n".join(problems)


def _check(page: Page, name: str, artifacts: Path) -> list[str]:
    """The page at the phone's width: its sideways scroll and axe's violations, with a screenshot."""
    page.screenshot(path=artifacts / f"verdicts-{name}-390.png", full_page=True)
    found = []
    wide = overflow(page)
    if wide.overflows:
        found.append(f"{name}: the page scrolls sideways ({wide.scroll_width} > {wide.inner_width}): {wide.culprits}")
    violations = axe_violations(page)
    if violations:
        found.append(describe(violations, name))
    return found
