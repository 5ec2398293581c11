"""The browser end-to-end test of the what-if mode: moving a level changes the index at once, nothing saved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.e2e.conftest import CHROMIUM, Server, submit_login

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

KOORDINATOR = "koordinator@kota-contoh.go.id"
INSTANSI = "Pemerintah Kota Contoh"


def sign_in(page: Page, server: Server) -> str:
    """The koordinator signed in; the address of the demo's assessment."""
    page.set_default_timeout(15_000)
    submit_login(page, server, KOORDINATOR)
    # A koordinator lands on the open assessment's overview (the demo has one).
    expect(page.get_by_test_id("projected-index")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(INSTANSI)
    return re.sub(r"[?#].*$", "", page.url).rstrip("/")


def test_moving_a_level_changes_the_index(page: Page, server: Server, artifacts: Path) -> None:
    assessment_url = sign_in(page, server)
    page.goto(f"{assessment_url}/simulasi")
    index = page.get_by_test_id("whatif-index")
    before = index.inner_text()
    select = page.locator("#v-I7")
    target = "5" if select.input_value() != "5" else "0"
    with page.expect_response(lambda r: r.url.endswith("/simulasi/hitung") and r.status == 200):
        select.select_option(target)
    expect(index).not_to_have_text(before)
    page.screenshot(path=artifacts / "whatif-01-changed.png", full_page=True)
    assert re.fullmatch(r"\d,\d\d", index.inner_text())  # the Indonesian page: a decimal comma

    # nothing was saved: the page again shows the claimed values
    page.reload()
    expect(page.get_by_test_id("whatif-index")).to_have_text(before)

    page.goto(f"{assessment_url}/dasbor")
    expect(page.get_by_test_id("coverage")).to_be_visible()
    expect(page.locator("svg.chart-radar")).to_be_visible()
    page.screenshot(path=artifacts / "whatif-02-dashboard.png", full_page=True)


def test_deleting_a_scenario_asks_first(page: Page, server: Server) -> None:
    """The page's script asks before a saved scenario is deleted: dismissed, nothing is sent; accepted, it is gone."""
    assessment_url = sign_in(page, server)
    page.goto(f"{assessment_url}/simulasi")
    page.locator('input[name="name"]').fill("Skenario yang dihapus")
    page.get_by_role("button", name="Simpan skenario").click()
    expect(page.locator(".flash")).to_contain_text("Skenario disimpan.")
    saved = page.get_by_test_id("scenarios").locator("li", has_text="Skenario yang dihapus")
    expect(saved).to_have_count(1)
    page.wait_for_load_state("load")  # the question comes from the deferred app.js

    questions: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    saved.get_by_role("button", name="hapus").click()
    assert questions == ["Hapus skenario ini?"]
    page.reload()
    expect(saved).to_have_count(1)
    page.wait_for_load_state("load")

    page.once("dialog", lambda dialog: dialog.accept())
    saved.get_by_role("button", name="hapus").click()
    expect(page.locator(".flash")).to_contain_text("Skenario dihapus.")
    expect(saved).to_have_count(0)


def test_the_band_chip_shows_only_at_a_band_edge(page: Page, server: Server) -> None:
    """The "batas predikat" chip is marked ``hidden`` unless the rounded index falls in another band than the exact
    one: hidden must win over the chip's own ``display``, on the first render and after a recomputation."""
    assessment_url = sign_in(page, server)
    page.goto(f"{assessment_url}/simulasi")
    chip = page.get_by_test_id("whatif-band")
    expect(chip).to_have_attribute("hidden", "")
    expect(chip).to_be_hidden()
    select = page.locator("#v-I7")
    with page.expect_response(lambda r: r.url.endswith("/simulasi/hitung") and r.status == 200):
        select.select_option("5" if select.input_value() != "5" else "0")
    expect(chip).to_be_hidden()
