"""The responsive layout in Chromium: on a phone the top bar's links fold behind "Menu" and "Keluar" stays one tap
away; wide tables scroll in their own box. (That no page of any role scrolls sideways, at 360, 390 and 1366 px, is
checked with the other page checks in tests/e2e/test_pages.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, Server, submit_login

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

INSTANSI = "Pemerintah Kota Contoh"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def sign_in(page: Page, server: Server, role: str, viewport: dict[str, int]) -> None:
    """The role signed in, on the demo assessment's overview."""
    page.set_viewport_size(viewport)
    page.set_default_timeout(15_000)
    submit_login(page, server, f"{role}@kota-contoh.go.id")
    expect(page.locator("form[data-logout]")).to_have_count(1)
    page.goto(f"{server.url}/penilaian/")
    page.get_by_role("link", name=INSTANSI).first.click()
    expect(page.get_by_test_id("projected-index")).to_be_visible()


def test_the_menu_folds_on_a_phone(page: Page, server: Server, artifacts: Path) -> None:
    sign_in(page, server, "koordinator", PHONE)
    page.wait_for_load_state("load")  # the toggle is wired by the deferred app.js
    menu = page.get_by_role("button", name="Menu")
    logout = page.get_by_role("button", name="Keluar")
    nav = page.get_by_role("navigation", name="Navigasi utama")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(logout).to_be_hidden()
    expect(nav).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(logout).to_be_in_viewport()
    expect(nav.get_by_role("link", name="Tugas saya")).to_be_in_viewport()
    page.screenshot(path=artifacts / "layout-menu-open-390.png")
    scroll_width, inner_width = page.evaluate(OVERFLOW)
    assert scroll_width <= inner_width
    menu.click()
    expect(logout).to_be_hidden()


def test_the_menu_stays_open_on_a_laptop(page: Page, server: Server) -> None:
    sign_in(page, server, "admin", LAPTOP)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("button", name="Keluar")).to_be_in_viewport()
    expect(page.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name="Admin")).to_be_in_viewport()


def test_wide_tables_scroll_in_their_own_box(page: Page, server: Server) -> None:
    """On a phone the overview's indicator tables are wider than the screen: their box scrolls, and takes the focus
    so that a keyboard can scroll it too."""
    sign_in(page, server, "koordinator", PHONE)
    box = page.locator(".scroll-x", has=page.locator("table.indicators")).first
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_role("region")
    expect(box).to_have_accessible_name(re.compile(r"\S"))
    scroll_width, client_width = box.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
    assert scroll_width > client_width
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(el) => el.scrollLeft > 0", arg=box.element_handle())


def test_opening_pemdi_offers_2026_and_its_description_folds_on_a_phone(page: Page, server: Server) -> None:
    """The new-assessment form raises a year below Pemdi 2026's first year when Pemdi is chosen; the indicator's
    description is folded on a phone (a tap opens it) and open on a laptop."""
    sign_in(page, server, "koordinator", PHONE)
    page.goto(f"{server.url}/penilaian/baru")
    page.wait_for_load_state("load")  # the year follows the instrument through the deferred app.js
    instrument, year = page.get_by_label("Instrumen"), page.get_by_label("Tahun penilaian")
    choice = {name: instrument.locator("option", has_text=name).get_attribute("value") for name in ("SPBE", "Digital")}
    instrument.select_option(choice["SPBE"])
    year.fill("2025")
    instrument.select_option(choice["Digital"])
    expect(year).to_have_value("2026")
    page.get_by_role("button", name="Buka penilaian").click()
    expect(page.get_by_test_id("projected-index")).to_be_visible()
    answer_page = page.url.rstrip("/") + "/indikator/I5"

    page.goto(answer_page)
    page.wait_for_load_state("load")
    description = page.get_by_test_id("indicator-description")
    text = description.get_by_text("Indeks Satu Data Indonesia (SDI)")
    expect(description).not_to_have_attribute("open", "")
    expect(text).to_be_hidden()
    description.get_by_text("Deskripsi indikator").click()
    expect(text).to_be_visible()
    scroll_width, inner_width = page.evaluate(OVERFLOW)
    assert scroll_width <= inner_width

    page.set_viewport_size(LAPTOP)
    page.goto(answer_page)
    page.wait_for_load_state("load")
    expect(text).to_be_visible()
