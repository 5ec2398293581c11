"""The responsive layout in Chromium: no signed-in page scrolls sideways, from a 360 px phone to a 1366 px laptop,
for any role; on a phone the top bar's links fold behind "Menu" and "Keluar" stays one tap away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM, Server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.only_browser("chromium"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]

INSTANSI = "Pemerintah Kota Contoh"
ROLES = ["pengisi", "reviewer", "koordinator", "admin", "pembaca"]
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}
#: Every role's main pages, below the demo assessment's address (``{a}``) or the instansi's (``{i}``).
PAGES = [
    "/",
    "/penilaian/",
    "{a}",
    "{a}/indikator/I1",
    "/saya/",
    "/saya/notifikasi",
    "{a}/dasbor",
    "{a}/simulasi",
    "{a}/simulasi/banding",
    "{a}/selisih",
    "{a}/audit",
    "{a}/pustaka/",
    "{a}/bundel/",
]
#: And those of the roles that manage the instansi.
MANAGER_PAGES = ["{a}/hasil-resmi", "/instansi/{i}/tren", "/instansi/{i}/komentar-siap/"]
ADMIN_PAGES = ["/admin/", "/admin/{i}/", "/admin/{i}/unit/", "/admin/{i}/unit/baru", "/admin/{i}/pengguna/",
               "/admin/{i}/pengguna/baru"]  # fmt: skip
OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def sign_in(page: Page, server: Server, role: str, viewport: dict[str, int]) -> tuple[str, str]:
    """The role signed in; the demo assessment's path and its instansi's id (read from the overview's links to the
    instansi's pages, for the roles that have them)."""
    page.set_viewport_size(viewport)
    page.set_default_timeout(15_000)
    page.goto(f"{server.url}/login")
    page.locator("#email").fill(f"{role}@kota-contoh.go.id")
    page.locator("#password").fill(server.password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.locator("form[data-logout]")).to_have_count(1)
    page.goto(f"{server.url}/penilaian/")
    page.get_by_role("link", name=INSTANSI).first.click()
    expect(page.get_by_test_id("projected-index")).to_be_visible()
    assessment = re.sub(r"[?#].*$", "", page.url).rstrip("/").removeprefix(server.url)
    links = page.locator('main a[href^="/instansi/"]')
    instansi = re.sub(r"^/instansi/(\d+)/.*", r"\1", links.first.get_attribute("href") or "") if links.count() else ""
    return assessment, instansi


def pages_of(role: str) -> list[str]:
    managing = MANAGER_PAGES if role in ("koordinator", "admin") else []
    return PAGES + managing + (ADMIN_PAGES if role == "admin" else [])


@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE, LAPTOP], ids=["390", "360", "1366"])
@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways(
    page: Page, server: Server, artifacts: Path, role: str, viewport: dict[str, int]
) -> None:
    assessment, instansi = sign_in(page, server, role, viewport)
    too_wide = []
    for template in pages_of(role):
        path = template.format(a=assessment, i=instansi)
        response = page.goto(server.url + path)
        assert response is not None, path
        assert response.status == 200, (role, path, response.status)
        scroll_width, inner_width = page.evaluate(OVERFLOW)
        if scroll_width > inner_width:
            too_wide.append(f"{path}: {scroll_width} px in {inner_width}")
            name = re.sub(r"\W+", "_", path).strip("_") or "home"
            page.screenshot(path=artifacts / f"layout-{role}-{viewport['width']}-{name}.png", full_page=True)
    assert too_wide == [], f"{role} at {viewport['width']} px"


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
