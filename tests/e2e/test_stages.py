"""The Pemdi evaluation cycle in Chromium on a phone (390 px): the koordinator opens a Pemdi assessment, follows the
overview's stepper to the stages page, sets the koreksi stage with its dates; the stepper then shows it. Neither
page scrolls sideways, reports a CSP violation or has an axe-core WCAG A/AA violation."""

from __future__ import annotations

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


def _check(page: Page, where: str, artifacts: Path) -> None:
    measured = overflow(page)
    assert not measured.overflows, f"{where}: {measured.scroll_width}px wide; beyond: {', '.join(measured.culprits)}"
    violations = axe_violations(page)
    assert violations == [], describe(violations, where)
    page.screenshot(path=artifacts / f"stages-{where}-390.png", full_page=True)


def test_the_koordinator_sets_the_koreksi_stage_on_a_phone(page: Page, server: Server, artifacts: Path) -> None:
    page.set_viewport_size(PHONE)
    page.set_default_timeout(15_000)
    submit_login(page, server, "koordinator@kota-contoh.go.id")
    expect(page.locator("form[data-logout]")).to_have_count(1)
    page.goto(f"{server.url}/penilaian/baru")
    pemdi = page.locator("#instrument_id option", has_text="Pemerintah Digital").first.get_attribute("value")
    assert pemdi is not None
    page.get_by_label("Instrumen").select_option(pemdi)
    page.get_by_role("button", name="Buka penilaian").click()
    stepper = page.get_by_test_id("stage-stepper")
    expect(stepper.get_by_test_id("stage-current")).to_have_text("Penilaian mandiri")
    _check(page, "ikhtisar", artifacts)

    stepper.get_by_role("link", name="Tahapan evaluasi").click()
    page.get_by_label("Tahap saat ini").select_option("koreksi")
    page.get_by_label("Koreksi: mulai").fill("2026-09-21")
    page.get_by_label("Koreksi: selesai").fill("2026-09-20")
    page.get_by_role("button", name="Simpan tahapan").click()
    expect(page.get_by_text("tanggal selesai (20 Sep 2026) sebelum tanggal mulai")).to_be_visible()
    _check(page, "tahapan-salah", artifacts)
    page.get_by_label("Koreksi: selesai").fill("2026-09-28")
    page.get_by_role("button", name="Simpan tahapan").click()
    expect(page.get_by_text("Tahapan evaluasi disimpan.")).to_be_visible()
    expect(page.get_by_test_id("stage-current")).to_have_text("Koreksi · sampai 28 Sep 2026")
    _check(page, "tahapan", artifacts)

    page.locator("nav.crumbs a").first.click()
    expect(page.get_by_test_id("stage-current")).to_have_text("Koreksi · sampai 28 Sep 2026")
    expect(page.locator('.stage-step[aria-current="step"]')).to_have_attribute("data-stage", "koreksi")
